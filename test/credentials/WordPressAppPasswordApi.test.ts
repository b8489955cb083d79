/** The credential's test request, run as n8n's CredentialsTester runs it, against a real lab site (build first). */
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { loadPackage, testCredential, type LoadedPackage } from '../../lab/harness/engine';

const TYPE = 'wordPressAppPasswordApi';
const OK = { status: 'OK', message: 'Connection successful!' };

let pkg: LoadedPackage;
let site: Site;

beforeAll(async () => {
	pkg = await loadPackage();
	site = lab.sites()[0];
});

describe('WordPress Application Password API credential test', () => {
	test('an administrator’s application password is OK', async () => {
		await expect(
			testCredential(pkg, TYPE, {
				url: site.url,
				username: 'admin',
				applicationPassword: site.admin.appPassword,
			}),
		).resolves.toEqual(OK);
	});

	test('a trailing slash on the URL, and the password in wp-admin’s groups of four, still work', async () => {
		const grouped = site.admin.appPassword.match(/.{1,4}/g)!.join(' ');
		await expect(
			testCredential(pkg, TYPE, {
				url: `${site.url}//`,
				username: 'admin',
				applicationPassword: grouped,
			}),
		).resolves.toEqual(OK);
	});

	test('a wrong application password is an Error that does not show it', async () => {
		const wrong = `${site.admin.appPassword.slice(0, -4)}Zz9q`;
		const result = await testCredential(pkg, TYPE, {
			url: site.url,
			username: 'admin',
			applicationPassword: wrong,
		});
		// n8n shows the status text of the 401.
		expect(result).toEqual({ status: 'Error', message: 'Unauthorized' });
		expect(result.message).not.toContain(wrong);
	});

	test('a user who cannot manage users (the lab editor) is an Error naming the administrator', async () => {
		const result = await testCredential(pkg, TYPE, {
			url: site.url,
			username: site.editor.username,
			applicationPassword: site.editor.appPassword,
		});
		expect(result).toEqual({ status: 'Error', message: expect.stringMatching(/administrator/) });
		expect(result.message).not.toContain(site.editor.appPassword);
	});

	test('an unreachable URL is an Error', async () => {
		const result = await testCredential(pkg, TYPE, {
			url: 'http://127.0.0.1:1',
			username: 'admin',
			applicationPassword: site.admin.appPassword,
		});
		expect(result).toEqual({ status: 'Error', message: 'ECONNREFUSED' });
	});
});
