import type { IDataObject, INodeProperties } from 'n8n-workflow';
import type { LogFilter } from '../../../core/log/types';

const STATUSES = ['synced', 'skipped', 'rejected', 'failed', 'planned', 'resolved', 'unknown'];
const ACTIONS = ['create', 'update', 'delete', 'none'];
const choices = (values: string[]) =>
	values.map((value) => ({ name: value[0].toUpperCase() + value.slice(1), value }));

/** Filters shared by Query and Replay Failed (Replay always selects failed entries: no status filter there). */
export const filtersProperty: INodeProperties = {
	displayName: 'Filters',
	name: 'filters',
	type: 'collection',
	placeholder: 'Add Filter',
	default: {},
	displayOptions: { show: { operation: ['query', 'replayFailed'] } },
	options: [
		{
			displayName: 'Action',
			name: 'action',
			type: 'multiOptions',
			options: choices(ACTIONS),
			default: [],
		},
		{ displayName: 'Event ID', name: 'eventId', type: 'string', default: '' },
		{
			displayName: 'Since',
			name: 'since',
			type: 'dateTime',
			default: '',
			description: 'Only entries written at or after this time',
		},
		{
			displayName: 'Site',
			name: 'site',
			type: 'string',
			default: '',
			description: 'Entries whose source or target is this site URL',
		},
		{ displayName: 'Source Site', name: 'source', type: 'string', default: '' },
		{
			displayName: 'Status',
			name: 'status',
			type: 'multiOptions',
			options: choices(STATUSES),
			default: [],
			displayOptions: { show: { '/operation': ['query'] } },
		},
		{ displayName: 'Target Site', name: 'target', type: 'string', default: '' },
		{
			displayName: 'Until',
			name: 'until',
			type: 'dateTime',
			default: '',
			description: 'Only entries written at or before this time',
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			description: 'A login or an email',
		},
	],
};

/** The filter of one item's parameters; an unreadable date is an error, not an ignored filter. */
export function toLogFilter(raw: IDataObject): LogFilter {
	const date = (name: string) => {
		if (!raw[name]) return undefined;
		const value = new Date(raw[name] as string);
		if (Number.isNaN(value.getTime()))
			throw new Error(`The filter "${name}" is not a date: ${String(raw[name])}`);
		return value;
	};
	const text = (name: string) =>
		typeof raw[name] === 'string' && raw[name] !== '' ? (raw[name] as string).trim() : undefined;
	const list = (name: string) =>
		Array.isArray(raw[name]) && raw[name].length ? (raw[name] as string[]) : undefined;
	return {
		status: list('status'),
		action: list('action'),
		site: text('site'),
		source: text('source'),
		target: text('target'),
		user: text('user'),
		eventId: text('eventId'),
		since: date('since'),
		until: date('until'),
	};
}
