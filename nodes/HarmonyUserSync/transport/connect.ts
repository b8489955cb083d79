import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { buildPolicyConfig, splitList } from '../../../core/sync/config';
import { TargetSite } from '../../../core/sync/target';
import type { WordPressClient } from '../../../core/wordpress/client';
import { connectSite } from '../../shared/siteClient';

/** The credential's site with the node's request options (concurrency, timeout, retries). */
export async function connectClient(ctx: IExecuteFunctions): Promise<{ client: WordPressClient; readOnly: boolean }> {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	return connectSite(ctx, {
		concurrency: Number(options.concurrency ?? 4),
		timeoutMs: Number(options.timeout ?? 30) * 1000,
		retry: { retries: Number(options.retries ?? 3) },
	});
}

/** The target site of a write operation: its client plus the policies set on the node and credential. */
export async function connectTarget(ctx: IExecuteFunctions, createOnUpdate = false): Promise<TargetSite> {
	const { client, readOnly } = await connectClient(ctx);
	const policies = ctx.getNodeParameter('policies', 0, {}) as IDataObject;
	const whitelistEnabled = ctx.getNodeParameter('whitelistEnabled', 0, false) as boolean;
	const whitelist = ctx.getNodeParameter('whitelist.entries', 0, []) as Array<{ value?: string }>;
	try {
		const config = buildPolicyConfig({
			target: client.site,
			readOnly,
			whitelistEnabled,
			whitelist: whitelist.map((entry) => entry.value ?? ''),
			roles: splitList(policies.roles as string),
			prohibitedUsers: splitList(policies.prohibitedUsers as string),
			protectedUsers: splitList(policies.protectedUsers as string),
			createOnUpdate,
			roleMapping: ((policies.roleMapping as IDataObject | undefined)?.mappings as Array<{ from?: string; to?: string }>) ?? [],
			linkByLogin: policies.linkByLogin === true,
			maxDeletePercent: ctx.getNodeParameter('maxDeletePercent', 0, 10) as number,
		});
		return new TargetSite(client, config, Number(policies.reassignTo ?? 0));
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), (error as Error).message, {
			description:
				'Fix the node settings: every whitelist entry must be an http(s) URL, an IP address or a CIDR range; role mappings name WordPress role keys.',
		});
	}
}
