import {
	classifyStatus,
	noRouteAsNull,
	WordPressApiError,
	type WordPressErrorDetails,
} from '../../../core/wordpress/errors';

describe('classifyStatus', () => {
	it.each([
		[401, undefined, 'auth'],
		[401, 'rest_not_logged_in', 'auth'],
		[403, 'rest_cannot_create_user', 'forbidden'],
		[404, undefined, 'not_found'],
		[404, 'rest_user_invalid_id', 'not_found'],
		[404, 'rest_no_route', 'no_route'],
		[500, 'existing_user_email', 'conflict'],
		[500, 'existing_user_login', 'conflict'],
		[400, 'rest_user_invalid_email', 'conflict'],
		[409, undefined, 'conflict'],
		[429, undefined, 'unavailable'],
		[500, undefined, 'unavailable'],
		[503, 'maintenance', 'unavailable'],
		[503, undefined, 'unavailable'],
		[400, 'rest_invalid_param', 'invalid'],
		[400, undefined, 'invalid'],
		[422, undefined, 'invalid'],
	] as const)('%i with code %p is %s', (status, code, kind) => {
		expect(classifyStatus(status, code)).toBe(kind);
	});
});

describe('WordPressApiError', () => {
	const details: WordPressErrorDetails = {
		kind: 'invalid',
		site: 'https://target.example',
		method: 'POST',
		path: '/wp/v2/users',
		status: 400,
		code: 'rest_invalid_param',
		wpMessage: 'Invalid parameter(s): <strong>email</strong>',
	};

	it("names the site, method, path, status and code, with WordPress's message stripped of tags", () => {
		const error = new WordPressApiError(details);
		expect(error.message).toBe(
			'WordPress https://target.example answered 400 to POST /wp/v2/users (rest_invalid_param): Invalid parameter(s): email',
		);
		expect(error.message).not.toMatch(/[<>]/);
	});

	it('keeps the details as properties and is an Error', () => {
		const error = new WordPressApiError(details);
		expect(error).toBeInstanceOf(Error);
		expect(error.name).toBe('WordPressApiError');
		expect([error.kind, error.site, error.method, error.path, error.status, error.code]).toEqual([
			'invalid',
			'https://target.example',
			'POST',
			'/wp/v2/users',
			400,
			'rest_invalid_param',
		]);
		expect(error.toJSON()).toEqual({
			kind: 'invalid',
			status: 400,
			code: 'rest_invalid_param',
			message: error.message,
		});
	});

	it('strips multi-line HTML and caps a long message', () => {
		const wpMessage = `<p class="x">\n<a href="/wp-admin">Critical</a> error</p>${'x'.repeat(1_000)}`;
		const error = new WordPressApiError({
			...details,
			kind: 'unavailable',
			status: 500,
			code: undefined,
			wpMessage,
		});
		expect(error.message).toContain(': \nCritical error');
		expect(error.message).not.toContain('<');
		expect(error.message.length).toBeLessThan(450);
	});

	it('adds a hint for auth and says "failed" without a status', () => {
		const auth = new WordPressApiError({
			kind: 'auth',
			site: 'https://t.example',
			method: 'GET',
			path: '/wp/v2/users/me',
			status: 401,
		});
		expect(auth.message).toBe(
			'WordPress https://t.example answered 401 to GET /wp/v2/users/me — check the username and application password',
		);
		const network = new WordPressApiError({
			kind: 'network',
			site: 'https://t.example',
			method: 'GET',
			path: '/',
		});
		expect(network.message).toBe(
			'WordPress https://t.example failed to GET / — the site could not be reached',
		);
	});
});

describe('noRouteAsNull', () => {
	const base = { site: 'https://t.example', method: 'GET', path: '/harmonyuser/v1/x' };

	it('turns a missing route into null', () => {
		expect(
			noRouteAsNull(
				new WordPressApiError({ ...base, kind: 'no_route', status: 404, code: 'rest_no_route' }),
			),
		).toBeNull();
	});

	it('throws any other error unchanged', () => {
		const notFound = new WordPressApiError({ ...base, kind: 'not_found', status: 404 });
		expect(() => noRouteAsNull(notFound)).toThrow(notFound);
		const plain = new Error('boom');
		expect(() => noRouteAsNull(plain)).toThrow(plain);
	});
});
