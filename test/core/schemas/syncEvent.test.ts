import { parseSyncEvent, SYNC_ACTIONS } from '../../../core/schemas/syncEvent';

function validInput(): Record<string, unknown> {
	return {
		id: 'evt-42',
		action: 'update',
		time: '2024-05-01T10:00:00Z',
		source: { url: 'https://source.example', ip: '10.0.0.1' },
		path: [],
		user: { login: 'alice', email: 'alice@example.com' },
	};
}

function errorOf(input: unknown): string {
	const result = parseSyncEvent(input);
	if (result.ok) throw new Error('expected the event to be invalid');
	return result.error;
}

describe('parseSyncEvent: valid events', () => {
	it('parses a minimal event and fills the defaults', () => {
		const result = parseSyncEvent(validInput());
		expect(result).toEqual({
			ok: true,
			value: {
				id: 'evt-42',
				action: 'update',
				time: '2024-05-01T10:00:00Z',
				source: { url: 'https://source.example', ip: '10.0.0.1' },
				path: ['https://source.example'],
				user: {
					login: 'alice',
					email: 'alice@example.com',
					roles: [],
					meta: {},
					flags: { prohibitPropagation: false, rejectIncoming: false },
				},
			},
		});
	});

	it.each(SYNC_ACTIONS)('accepts the action %s', (action) => {
		expect(parseSyncEvent({ ...validInput(), action }).ok).toBe(true);
	});

	it('accepts a time with an offset', () => {
		expect(parseSyncEvent({ ...validInput(), time: '2024-05-01T12:00:00.123+02:00' }).ok).toBe(
			true,
		);
	});

	it('puts the source at the front of the path', () => {
		const result = parseSyncEvent({ ...validInput(), path: ['https://hop.example'] });
		expect(result.ok && result.value.path).toEqual([
			'https://source.example',
			'https://hop.example',
		]);
	});

	it('does not add the source twice when the path already holds it', () => {
		const result = parseSyncEvent({
			...validInput(),
			path: ['https://SOURCE.example/', 'https://hop.example'],
		});
		expect(result.ok && result.value.path).toEqual([
			'https://source.example',
			'https://hop.example',
		]);
	});

	it('leaves the path alone when the source has no URL', () => {
		const result = parseSyncEvent({
			...validInput(),
			source: { ip: '10.0.0.1' },
			path: ['https://hop.example'],
		});
		expect(result.ok && result.value.path).toEqual(['https://hop.example']);
	});

	it('defaults a missing path to just the source', () => {
		const input = validInput();
		delete input.path;
		const result = parseSyncEvent(input);
		expect(result.ok && result.value.path).toEqual(['https://source.example']);
	});

	it('normalizes the source and path URLs', () => {
		const result = parseSyncEvent({
			...validInput(),
			source: { url: 'HTTPS://Source.Example:443/' },
			path: ['http://Hop.Example/site/'],
		});
		expect(result.ok && result.value.source.url).toBe('https://source.example');
		expect(result.ok && result.value.path).toEqual([
			'https://source.example',
			'http://hop.example/site',
		]);
	});

	it('trims the id, login and email', () => {
		const result = parseSyncEvent({
			...validInput(),
			id: ' evt-1 ',
			user: { login: ' alice ', email: ' alice@example.com ' },
		});
		expect(
			result.ok && [result.value.id, result.value.user.login, result.value.user.email],
		).toEqual(['evt-1', 'alice', 'alice@example.com']);
	});

	it('strips unknown fields at every level', () => {
		const result = parseSyncEvent({
			...validInput(),
			extra: 'x',
			source: { url: 'https://source.example', port: 80 },
			user: {
				login: 'alice',
				email: 'alice@example.com',
				password: 'hunter2',
				flags: { admin: true },
			},
		});
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.value).not.toHaveProperty('extra');
		expect(result.value.source).not.toHaveProperty('port');
		expect(result.value.user).not.toHaveProperty('password');
		expect(result.value.user.flags).toEqual({ prohibitPropagation: false, rejectIncoming: false });
	});

	it('keeps scalar and null meta values', () => {
		const meta = { a: 'x', b: 2, c: true, d: null };
		const result = parseSyncEvent({
			...validInput(),
			user: { login: 'alice', email: 'alice@example.com', meta },
		});
		expect(result.ok && result.value.user.meta).toEqual(meta);
	});
});

describe('parseSyncEvent: invalid events name the field', () => {
	const user = { login: 'alice', email: 'alice@example.com' };

	it.each([
		[
			'a bad email',
			{ user: { ...user, email: 'alice-at-example' } },
			'user.email: not a valid email address',
		],
		[
			'a bad previous email',
			{ user: { ...user, previousEmail: 'nope' } },
			'user.previousEmail: not a valid email address',
		],
		['an empty login', { user: { ...user, login: '   ' } }, 'user.login: the login is empty'],
		[
			'a login over 60 characters',
			{ user: { ...user, login: 'x'.repeat(61) } },
			'user.login: a WordPress login has at most 60 characters',
		],
		['an unknown action', { action: 'upsert' }, 'action: must be one of create, update, delete'],
		['a missing action', { action: undefined }, 'action: must be one of create, update, delete'],
		['a bad time', { time: 'yesterday' }, 'time: not an ISO 8601 date-time'],
		['a time without a zone', { time: '2024-05-01 10:00' }, 'time: not an ISO 8601 date-time'],
		['a bad source URL', { source: { url: 'source.example' } }, 'source.url: not an http(s) URL'],
		[
			'a non-http source URL',
			{ source: { url: 'ftp://source.example' } },
			'source.url: not an http(s) URL',
		],
		['a bad source IP', { source: { ip: '10.0.0.999' } }, 'source.ip: not an IP address'],
		[
			'a path that is not an array',
			{ path: 'https://hop.example' },
			'path: Expected array, received string',
		],
		[
			'a bad URL in the path',
			{ path: ['https://ok.example', 'nope'] },
			'path.1: not an http(s) URL',
		],
		['a missing user', { user: undefined }, 'user: Required'],
		['an empty id', { id: ' ' }, 'id: the event id is empty'],
		[
			'meta holding a nested object',
			{ user: { ...user, meta: { prefs: { theme: 'dark' } } } },
			'user.meta.prefs:',
		],
		['meta holding an array', { user: { ...user, meta: { tags: ['a'] } } }, 'user.meta.tags:'],
		['an empty role', { user: { ...user, roles: ['editor', ''] } }, 'user.roles.1:'],
		[
			'a non-boolean flag',
			{ user: { ...user, flags: { prohibitPropagation: 'yes' } } },
			'user.flags.prohibitPropagation:',
		],
	])('%s', (_name, patch, message) => {
		const error = errorOf({ ...validInput(), ...patch });
		expect(error.startsWith('Invalid sync event: ')).toBe(true);
		expect(error).toContain(message);
	});

	it('accepts a login of exactly 60 characters', () => {
		expect(parseSyncEvent({ ...validInput(), user: { ...user, login: 'x'.repeat(60) } }).ok).toBe(
			true,
		);
	});

	it.each([null, 'an event', 42, ['a']])('rejects the non-object input %p at the root', (input) => {
		expect(errorOf(input)).toMatch(/^Invalid sync event: \(root\): Expected object, received /);
	});

	it('reports several problems in one message', () => {
		const error = errorOf({ ...validInput(), action: 'x', user: { login: '', email: 'bad' } });
		expect(error).toContain('action: must be one of');
		expect(error).toContain('user.login: the login is empty');
		expect(error).toContain('user.email: not a valid email address');
	});
});
