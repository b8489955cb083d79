import { identifiedUser } from './identifiedUser';
import { notInPropagationPath } from './loop';
import { propagationAllowed } from './propagation';
import { targetWritable } from './readOnly';
import { targetUserAcceptsChanges } from './rejectIncoming';
import { targetAccountNotProtected } from './protectedAccount';
import { roleAllowed } from './roleFilter';
import { sourceWhitelisted } from './sourceWhitelist';
import type { Policy, PolicyContext, Refusal } from './types';

export type { Policy, PolicyContext, Refusal } from './types';

/** Checked before the target is asked anything: a refusal here costs no request. */
export const POLICIES_BEFORE_LOOKUP: readonly Policy[] = [
	identifiedUser,
	notInPropagationPath,
	sourceWhitelisted,
	targetWritable,
	roleAllowed,
	propagationAllowed,
];

/** Checked once the target's copy of the user is known. */
export const POLICIES_AFTER_LOOKUP: readonly Policy[] = [
	targetUserAcceptsChanges,
	targetAccountNotProtected,
];

/** The first refusal, in order, or undefined when every policy lets the change through. */
export function firstRefusal(
	policies: readonly Policy[],
	context: PolicyContext,
): Refusal | undefined {
	for (const policy of policies) {
		const refusal = policy(context);
		if (refusal) return refusal;
	}
	return undefined;
}
