/** Raw REST calls to lab sites, for arranging and checking state independently of the code under test. */
import type { LabAccount, Site } from '../lab';

export interface RestReply {
	status: number;
	headers: Headers;
	// REST bodies are whatever JSON WordPress sends; tests assert on their shape.
	body: any;
}

export async function rest(
	site: Site,
	account: LabAccount | null,
	route: string,
	init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RestReply> {
	const headers: Record<string, string> = { 'Content-Type': 'application/json', ...init.headers };
	if (account)
		headers.Authorization = `Basic ${Buffer.from(`${account.username}:${account.appPassword}`).toString('base64')}`;
	const res = await fetch(`${site.url}/wp-json${route}`, {
		method: init.method ?? 'GET',
		headers,
		body: init.body === undefined ? undefined : JSON.stringify(init.body),
	});
	const text = await res.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// not JSON: keep the text
	}
	return { status: res.status, headers: res.headers, body };
}

/** Creates a subscriber as the site's admin (`fields` override the defaults); throws unless WordPress answers 201. */
export async function createUser(
	site: Site,
	login: string,
	fields: Record<string, unknown> = {},
): Promise<number> {
	const reply = await rest(site, site.admin, '/wp/v2/users', {
		method: 'POST',
		body: {
			username: login,
			email: `${login}@example.test`,
			password: `Pw-${login}-1`,
			roles: ['subscriber'],
			...fields,
		},
	});
	if (reply.status !== 201)
		throw new Error(
			`create ${login} on ${site.name}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`,
		);
	return reply.body.id as number;
}

/** The site's user with this login, as REST shows it to an admin (context=edit), or undefined. */
export async function findUser(
	site: Site,
	login: string,
): Promise<(Record<string, unknown> & { id: number }) | undefined> {
	const reply = await rest(
		site,
		site.admin,
		`/wp/v2/users?search=${encodeURIComponent(login)}&context=edit&per_page=100`,
	);
	return (reply.body as Array<{ id: number; username: string }>).find(
		(user) => user.username === login,
	) as (Record<string, unknown> & { id: number }) | undefined;
}
