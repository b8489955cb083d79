/** Bare WordPress REST calls for baselines: what a script with nothing but fetch would send. */
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { removeBridge } from '../../lab/harness/bridge';
import { WP_USER_FIELDS } from '../../core/schemas/wpUser';

/** As our client's default concurrency. */
const IN_FLIGHT = 4;

export const basicAuth = (site: Site) =>
	`Basic ${Buffer.from(`${site.admin.username}:${site.admin.appPassword}`).toString('base64')}`;

/**
 * A bare paged listing of one site's users, with the fields a diff needs (the same our client asks for), 100 a page,
 * 4 pages in flight after the first (as our client), the floor for reading a site. More in flight is slower: a lab
 * site has 4 PHP workers and the rest only queue.
 */
export async function listing(site: Site): Promise<void> {
	const get = async (page: number) => {
		const res = await fetch(
			`${site.url}/wp-json/wp/v2/users?context=edit&per_page=100&page=${page}&_fields=${WP_USER_FIELDS}`,
			{
				headers: { Authorization: basicAuth(site) },
			},
		);
		await res.text();
		if (res.status !== 200) throw new Error(`listing ${site.name} page ${page} → ${res.status}`);
		return res;
	};
	const first = await get(1);
	const pages = Number(first.headers.get('x-wp-totalpages') ?? 1);
	const queue = Array.from({ length: pages - 1 }, (_, i) => i + 2);
	const worker = async () => {
		for (let page = queue.shift(); page !== undefined; page = queue.shift()) await get(page);
	};
	await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/**
 * Plain WordPress sites with no users but the lab's: the bridge plugin off (an earlier run's, with a subscription
 * to an n8n long gone, would queue and try to deliver an event for every user written: a rerun was 35% slower).
 */
export async function plainSites(...sites: Site[]): Promise<void> {
	for (const site of sites) await removeBridge(site).catch(() => undefined);
	await Promise.all(sites.map((site) => lab.resetSite(site)));
}
