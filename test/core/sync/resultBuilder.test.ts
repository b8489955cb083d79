import { ResultBuilder } from '../../../core/sync/resultBuilder';
import type { TargetSite } from '../../../core/sync/target';
import type { WordPressClient } from '../../../core/wordpress/client';
import { WordPressApiError } from '../../../core/wordpress/errors';
import { policyConfig, syncEvent } from '../fixtures';

const builder = () =>
	new ResultBuilder(
		{ config: policyConfig() } as unknown as TargetSite,
		{ requests: 1 } as unknown as WordPressClient,
		syncEvent(),
	);
const siteError = (code: string, status = 403) =>
	new WordPressApiError({
		kind: status === 409 ? 'invalid' : 'forbidden',
		site: 'https://target.example',
		method: 'POST',
		path: '/wp/v2/users/4',
		status,
		code,
	});

describe('ResultBuilder.fromError', () => {
	it.each([
		['harmonyuser_site_read_only', 'rejected', 'target_read_only'],
		['harmonyuser_user_rejects_incoming', 'rejected', 'target_user_protected'],
		['harmonyuser_ip_not_allowed', 'failed', 'ip_not_allowed'],
	])("maps the site's own refusal %s to %s/%s", (code, status, reason) => {
		expect(builder().fromError(siteError(code))).toMatchObject({
			status,
			reason,
			detail: 'site_enforced',
			error: { code },
		});
	});

	it('maps a lost compare-and-set to stale, and anything else to wordpress_error', () => {
		expect(builder().fromError(siteError('harmonyuser_stale', 409))).toMatchObject({
			status: 'skipped',
			reason: 'stale',
		});
		expect(builder().fromError(siteError('rest_cannot_edit'))).toMatchObject({
			status: 'failed',
			reason: 'wordpress_error',
		});
	});

	it('lets a bug through', () => {
		expect(() => builder().fromError(new TypeError('boom'))).toThrow('boom');
	});
});
