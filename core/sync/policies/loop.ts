import type { Policy } from './types';

/** A change never returns to a site it has already passed through: chains end, rings stop. */
export const notInPropagationPath: Policy = ({ event, config }) => {
	if (!event.path.includes(config.target)) return undefined;
	return {
		status: 'skipped',
		reason: 'loop_detected',
		message: `${config.target} is already in the propagation path (${event.path.join(' → ')})`,
	};
};
