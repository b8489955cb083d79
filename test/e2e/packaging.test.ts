/**
 * The package as users get it: packed, installed into a real n8n 2.41.1 user folder the way the Community Nodes
 * installer does (scripts/install-package.js), loaded by `n8n start`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SETUP_TIMEOUT, startN8nWithPackage, withN8nLog } from '../../lab/harness/n8n/e2e';
import { PACKAGE_NAME, type RealN8n } from '../../lab/harness/n8n';

describe('real n8n: the package installed the Community Nodes way', () => {
	let n8n: RealN8n | undefined;
	let packageDir = '';
	const logged = (body: () => Promise<void>) => withN8nLog(() => n8n, body);

	beforeAll(async () => {
		({ n8n, packageDir } = await startN8nWithPackage());
	}, SETUP_TIMEOUT);
	afterAll(async () => {
		await n8n?.dispose();
	}, 60_000);

	test(
		'n8n lists the four nodes and both credentials under the community-package name',
		logged(async () => {
			const nodes = await n8n!.api<Array<{ name: string }>>('GET', '/types/nodes.json');
			expect(nodes.status).toBe(200);
			const names = nodes.body.map((node) => node.name);
			for (const node of [
				'harmonyUserSync',
				'harmonyUserSyncLog',
				'harmonyUserSyncTrigger',
				'harmonyUserSyncPollTrigger',
			]) {
				expect(names).toContain(`${PACKAGE_NAME}.${node}`);
			}
			const credentials = await n8n!.api<Array<{ name: string }>>('GET', '/types/credentials.json');
			expect(credentials.status).toBe(200);
			const credentialNames = credentials.body.map((credential) => credential.name);
			expect(credentialNames).toEqual(
				expect.arrayContaining(['wordPressAppPasswordApi', 'harmonyUserSyncPostgres']),
			);
		}),
	);

	test(
		'the installed folder holds dist (bridge zip included), no dev or peer dependencies and nothing installed',
		logged(async () => {
			expect(packageDir).toBe(
				path.join(n8n!.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME),
			);
			expect(existsSync(path.join(packageDir, 'dist', 'harmonyuser-sync-bridge.zip'))).toBe(true);
			const manifest = JSON.parse(
				readFileSync(path.join(packageDir, 'package.json'), 'utf8'),
			) as Record<string, unknown>;
			expect(manifest.devDependencies).toBeUndefined();
			expect(manifest.peerDependencies).toBeUndefined();
			expect(
				Object.keys((manifest.dependencies as Record<string, string> | undefined) ?? {}),
			).toEqual([]);
			const modules = path.join(packageDir, 'node_modules');
			const installed = existsSync(modules)
				? readdirSync(modules).filter((entry) => !entry.startsWith('.'))
				: [];
			expect(installed).toEqual([]);
			// Only what `files` ships: dist, package.json, README.
			expect(readdirSync(packageDir).sort()).toEqual(
				expect.arrayContaining(['README.md', 'dist', 'package.json']),
			);
			expect(
				readdirSync(packageDir).filter(
					(entry) =>
						!['README.md', 'dist', 'package.json', 'LICENSE', 'node_modules'].includes(entry),
				),
			).toEqual([]);
			const ledger = JSON.parse(
				readFileSync(path.join(n8n!.userFolder, '.n8n', 'nodes', 'package.json'), 'utf8'),
			) as { dependencies: Record<string, string> };
			expect(ledger.dependencies[PACKAGE_NAME]).toBe(manifest.version);
		}),
	);
});
