/** Bare WordPress REST calls for baselines: what a script with nothing but fetch would send. */
import type { Site } from '../../lab/lab';
import { WP_USER_FIELDS } from '../../core/schemas/wpUser';

export const basicAuth = (site: Site) => `Basic ${Buffer.from(`${site.admin.username}:${site.admin.appPassword}`).toString('base64')}`;

/**
 * A bare paged listing of one site's users, with the fields a diff needs (the same our client asks for), 100 a page,
 * the pages after the first all in parallel: the floor for reading a site.
 */
export async function listing(site: Site): Promise<void> {
	const get = async (page: number) => {
		const res = await fetch(`${site.url}/wp-json/wp/v2/users?context=edit&per_page=100&page=${page}&_fields=${WP_USER_FIELDS}`, {
			headers: { Authorization: basicAuth(site) },
		});
		await res.text();
		if (res.status !== 200) throw new Error(`listing ${site.name} page ${page} → ${res.status}`);
		return res;
	};
	const first = await get(1);
	const pages = Number(first.headers.get('x-wp-totalpages') ?? 1);
	await Promise.all(Array.from({ length: pages - 1 }, (_, i) => get(i + 2)));
}
