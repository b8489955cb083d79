/**
 * WooCommerce on the TARGET side of a sync: billing and shipping written through /wc/v3/customers, and the
 * default `customer → subscriber` role for WooCommerce events into a site without WooCommerce. Called from
 * execute.ts (after the user itself is written) and plan.ts (roles); everything WooCommerce-specific lives here.
 */
import type { SyncEvent } from '../schemas/syncEvent';
import type { WpUser } from '../schemas/wpUser';
import { addressFields, type WooAddress, type WooAddressKind } from '../woocommerce/userData';
import type { WordPressClient } from '../wordpress/client';
import { WordPressApiError } from '../wordpress/errors';
import { pathHeaders } from '../wordpress/users';
import type { SyncPolicyConfig } from './config';
import { roleSyncable } from './policies/protectedAccount';
import type { NotSynced } from './roles';
import type { TargetSite } from './target';

export const WOO_CUSTOMER_ROLE = 'customer';
export const WOO_FALLBACK_ROLE = 'subscriber';
const KINDS: WooAddressKind[] = ['billing', 'shipping'];

type RoleConfig = Pick<SyncPolicyConfig, 'roles' | 'roleMapping'>;

/** A WooCommerce event (the trigger's WooCommerce source) whose customer role the user left unmapped. */
function fallbackApplies(event: SyncEvent, config: RoleConfig): boolean {
	return (
		event.user.woo !== undefined &&
		!(WOO_CUSTOMER_ROLE in config.roleMapping) &&
		roleSyncable(WOO_FALLBACK_ROLE, config)
	);
}

function mappedNote(): NotSynced {
	return {
		field: 'roles',
		reason: 'role_missing_on_target',
		values: [WOO_CUSTOMER_ROLE],
		message: `the target has no role ${WOO_CUSTOMER_ROLE} (no WooCommerce): ${WOO_FALLBACK_ROLE} given instead`,
	};
}

/**
 * The role settings for planning one event: a WooCommerce customer into a target known (this run) to lack the
 * `customer` role gets `subscriber`, unless the node's Role Mapping says otherwise.
 */
export function wooRoleConfig<C extends RoleConfig>(
	event: SyncEvent,
	config: C,
	missing?: ReadonlySet<string>,
): { config: C; notes: NotSynced[] } {
	if (
		!event.user.roles.includes(WOO_CUSTOMER_ROLE) ||
		!missing?.has(WOO_CUSTOMER_ROLE) ||
		!fallbackApplies(event, config)
	) {
		return { config, notes: [] };
	}
	return {
		config: {
			...config,
			roleMapping: { ...config.roleMapping, [WOO_CUSTOMER_ROLE]: WOO_FALLBACK_ROLE },
		},
		notes: [mappedNote()],
	};
}

/**
 * After the target refused `customer` (rest_user_invalid_role): the roles to write instead, with the note for
 * the result. `targetRoles`: the target user's roles on an update (an empty list back means nothing to change).
 * undefined: the fallback does not apply (the role is just left out).
 */
export function wooRoleFallback(
	event: SyncEvent,
	missing: string,
	config: RoleConfig,
	remaining: string[],
	targetRoles?: string[],
): { roles: string[]; note: NotSynced } | undefined {
	if (missing !== WOO_CUSTOMER_ROLE || !fallbackApplies(event, config)) return undefined;
	const roles = remaining.includes(WOO_FALLBACK_ROLE)
		? remaining
		: [...remaining, WOO_FALLBACK_ROLE];
	const unchanged =
		targetRoles !== undefined &&
		roles.length === targetRoles.length &&
		roles.every((role) => targetRoles.includes(role));
	return { roles: unchanged ? [] : roles, note: mappedNote() };
}

export interface WooWriteContext {
	target: TargetSite;
	client: WordPressClient;
	event: SyncEvent;
	/** The propagation path the write carries (ends with the target). */
	path: string[];
}

export interface WooWriteOutcome {
	changes: string[];
	notSynced: NotSynced[];
}

const NOTHING: WooWriteOutcome = { changes: [], notSynced: [] };

/** Targets known (this run) to have no WooCommerce: asked once, then skipped without a request. */
const withoutWoo = new WeakMap<TargetSite, true>();

type Wanted = Partial<Record<WooAddressKind, WooAddress>>;

/**
 * Billing and shipping of a WooCommerce event, once the user itself is on the target (created, updated or
 * already equal). A target running WooCommerce (the same user id is its customer id) gets the fields that
 * differ through PUT /wc/v3/customers/<id>: WooCommerce keeps them in user meta it does not expose on
 * /wp/v2/users. A target without WooCommerce gets them as user meta where it registers the keys for REST
 * (`billing_city`, …); otherwise they are left out with `no_woocommerce`. Never throws: a refusal becomes a
 * `woocommerce_error` entry, the user's own sync stands.
 */
export async function writeWooCustomer(
	ctx: WooWriteContext,
	user: WpUser,
): Promise<WooWriteOutcome> {
	const woo = ctx.event.user.woo;
	if (!woo || ctx.event.action === 'delete') return NOTHING;
	const wanted: Wanted = {};
	for (const kind of KINDS) if (woo[kind] !== undefined) wanted[kind] = woo[kind];
	if (!Object.keys(wanted).length) return NOTHING;
	try {
		const current = withoutWoo.has(ctx.target) ? null : await readCustomer(ctx, user.id);
		if (current === null) {
			withoutWoo.set(ctx.target, true);
			return await writeAsMeta(ctx, user, wanted);
		}
		return await writeThroughWoo(ctx, user.id, wanted, current);
	} catch (error) {
		if (!(error instanceof WordPressApiError)) return Promise.reject(error);
		return { changes: [], notSynced: kindsOf(wanted).map((kind) => refusedNote(kind, error)) };
	}
}

/** The target's customer record, or null when the site has no WooCommerce (no /wc/v3 route). */
async function readCustomer(ctx: WooWriteContext, id: number): Promise<Wanted | null> {
	const reply = await ctx.client
		.request<{ billing?: WooAddress; shipping?: WooAddress }>({
			method: 'GET',
			path: `/wc/v3/customers/${id}`,
			params: { context: 'edit', _fields: 'id,billing,shipping' },
		})
		.catch((error: unknown) => {
			if (error instanceof WordPressApiError && error.kind === 'no_route') return null;
			throw error;
		});
	return reply === null
		? null
		: { billing: reply.data.billing ?? {}, shipping: reply.data.shipping ?? {} };
}

/** Only the fields that differ, per address; an empty result means the target already matches. */
function differences(wanted: Wanted, current: Wanted): Wanted {
	const out: Wanted = {};
	for (const kind of kindsOf(wanted)) {
		const changed: WooAddress = {};
		for (const field of addressFields(kind)) {
			const value = wanted[kind]?.[field];
			if (value !== undefined && value !== (current[kind]?.[field] ?? '')) changed[field] = value;
		}
		if (Object.keys(changed).length) out[kind] = changed;
	}
	return out;
}

async function writeThroughWoo(
	ctx: WooWriteContext,
	id: number,
	wanted: Wanted,
	current: Wanted,
): Promise<WooWriteOutcome> {
	const write = differences(wanted, current);
	if (!Object.keys(write).length) return NOTHING;
	// Only the addresses this write carries can be refused; the others already match.
	const refused = await ctx.client
		.request({
			method: 'PUT',
			path: `/wc/v3/customers/${id}`,
			params: { _fields: 'id' },
			data: write,
			headers: pathHeaders(ctx.path),
		})
		.then(
			() => undefined,
			(error: unknown) => {
				if (error instanceof WordPressApiError) return error;
				throw error;
			},
		);
	if (refused)
		return { changes: [], notSynced: kindsOf(write).map((kind) => refusedNote(kind, refused)) };
	return { changes: kindsOf(write), notSynced: [] };
}

/** No WooCommerce on the target: the `billing_*` / `shipping_*` meta keys it registers for REST, if any. */
async function writeAsMeta(
	ctx: WooWriteContext,
	user: WpUser,
	wanted: Wanted,
): Promise<WooWriteOutcome> {
	const meta: Record<string, string> = {};
	const notSynced: NotSynced[] = [];
	const changes: string[] = [];
	for (const kind of kindsOf(wanted)) {
		const address = wanted[kind] ?? {};
		const registered = addressFields(kind).filter((field) => `${kind}_${field}` in user.meta);
		let changed = false;
		for (const field of registered) {
			const value = address[field];
			if (value !== undefined && value !== String(user.meta[`${kind}_${field}`] ?? '')) {
				meta[`${kind}_${field}`] = value;
				changed = true;
			}
		}
		if (changed) changes.push(kind);
		const left = addressFields(kind).filter(
			(field) => !registered.includes(field) && (address[field] ?? '') !== '',
		);
		if (left.length) {
			notSynced.push({
				field: kind,
				reason: 'no_woocommerce',
				values: left.map((field) => `${kind}_${field}`),
				message: `the target runs no WooCommerce and registers no ${kind}_* user meta for REST: ${kind} address not written`,
			});
		}
	}
	if (Object.keys(meta).length) {
		await ctx.client.request({
			method: 'POST',
			path: `/wp/v2/users/${user.id}`,
			params: { _fields: 'id' },
			data: { meta },
			headers: pathHeaders(ctx.path),
		});
	}
	return { changes, notSynced };
}

function kindsOf(wanted: Wanted): WooAddressKind[] {
	return KINDS.filter((kind) => wanted[kind] !== undefined);
}

function refusedNote(kind: WooAddressKind, error: WordPressApiError): NotSynced {
	return {
		field: kind,
		reason: 'woocommerce_error',
		message: `WooCommerce refused the ${kind} address: ${error.message}`,
	};
}
