'use strict';
/**
 * Which WordPress a lab site runs. Two releases, side by side on one machine:
 *
 *   6.1  Debian bookworm's `wordpress` package (6.1.9), installed by scripts/lab-deps.sh in /usr/share/wordpress
 *        (HUS_WP_ROOT moves it).
 *   6.8  Debian trixie's `wordpress_6.8.7+dfsg1-0+deb13u1_all.deb`, downloaded once from Debian's pool into the
 *        cache (HUS_CACHE, default ~/.cache/harmonyuser-sync), checked against its sha256 and unpacked there with
 *        `dpkg-deb -x`: never installed, so the system's 6.1.9 stays as it is. The package links its getID3 and a
 *        few JavaScript libraries to Debian's own packages by relative paths, which dangle outside /usr/share: the
 *        links are pointed at bookworm's (php-getid3, libjs-*) where those exist.
 *
 * Both run on the same PHP 8.2 and honour Debian's WORDPRESS_CONFIG, so a site's config and content dir do not
 * depend on its release; its database does (6.1 cannot read 6.8's schema, and 6.8 would upgrade 6.1's).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { LabError, run, tailText } = require('./util');

const cacheDir = () =>
	process.env.HUS_CACHE ||
	path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'harmonyuser-sync');

const DEB_POOL = 'https://deb.debian.org/debian/pool/main/w/wordpress/';

/** The releases the lab knows, by family ("6.1", "6.8"). */
const RELEASES = {
	6.1: { family: '6.1', systemRoot: () => process.env.HUS_WP_ROOT || '/usr/share/wordpress' },
	6.8: {
		family: '6.8',
		version: '6.8.7',
		deb: 'wordpress_6.8.7+dfsg1-0+deb13u1_all.deb',
		size: 8922732,
		sha256: 'b6716bf40142516c0120cebb63c4cb323354277dbf90aa0e9a5d9bae3fca2d38',
	},
};
const DEFAULT_FAMILY = '6.1';

/** "6.8", "6.8.7", "68" or "wp6.8" → "6.8"; throws on a release the lab does not have. */
function family(spec) {
	const m = String(spec ?? '')
		.trim()
		.match(/^(?:wp)?(\d)\.?(\d+)(?:\.\d+)?$/i);
	const key = m ? `${m[1]}.${m[2]}` : '';
	if (!RELEASES[key])
		throw new LabError(
			`WordPress "${spec}": the lab runs ${Object.keys(RELEASES).join(' and ')} (HUS_LAB_WP, --wp)`,
		);
	return key;
}

/**
 * Each site's release from a spec: undefined, one release for every site ("6.8") or one per site
 * ("6.1,6.8,6.8" or an array). Sites the spec does not name get `fallback(i)`.
 */
function perSite(spec, count, fallback) {
	const list =
		spec === undefined || spec === null || spec === ''
			? []
			: Array.isArray(spec)
				? spec
				: String(spec).split(',');
	const names = list.map((s) => String(s).trim()).filter(Boolean);
	return Array.from({ length: count }, (_, i) => {
		if (names.length === 1) return family(names[0]);
		if (i < names.length) return family(names[i]);
		return fallback(i);
	});
}

/** $wp_version and $wp_db_version of a WordPress root (read from wp-includes/version.php). */
function versionOf(root) {
	const text = fs.readFileSync(path.join(root, 'wp-includes', 'version.php'), 'utf8');
	const version = text.match(/\$wp_version\s*=\s*'([^']+)'/)?.[1];
	const dbVersion = Number(text.match(/\$wp_db_version\s*=\s*(\d+)/)?.[1]);
	if (!version || !dbVersion)
		throw new LabError(`${root}/wp-includes/version.php names no $wp_version / $wp_db_version`);
	return { version, dbVersion };
}

const unpackedRoot = (release) => path.join(cacheDir(), `wordpress-${release.version}`);

/** The root of a release, unpacked when needed (network on first use only); cheap when it is in place. */
async function ensureRoot(familyKey) {
	const release = RELEASES[familyKey];
	if (release.systemRoot) return release.systemRoot();
	const root = unpackedRoot(release);
	if (fs.existsSync(path.join(root, 'wp-settings.php'))) return root;
	fs.mkdirSync(cacheDir(), { recursive: true });
	const deb = await fetchDeb(release);
	// Unpacked beside the final place, then renamed: a concurrent `up` (another lab) sees all or nothing.
	const tmp = fs.mkdtempSync(path.join(cacheDir(), `.wordpress-${release.version}-`));
	try {
		const r = await run('dpkg-deb', ['-x', deb, tmp], { timeoutMs: 120000 });
		if (r.code !== 0)
			throw new LabError(`dpkg-deb -x ${deb} failed`, tailText(r.stderr + r.stdout));
		const extracted = path.join(tmp, 'usr', 'share', 'wordpress');
		relinkToSystem(extracted);
		try {
			fs.renameSync(extracted, root);
		} catch (e) {
			if (!fs.existsSync(path.join(root, 'wp-settings.php'))) throw e; // another lab was quicker: use its copy
		}
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
	const { version } = versionOf(root);
	if (version !== release.version)
		throw new LabError(`${root} is WordPress ${version}, expected ${release.version}`);
	return root;
}

/** The .deb in the cache, downloaded from Debian's pool when missing; its size and sha256 are checked every time. */
async function fetchDeb(release) {
	const file = path.join(cacheDir(), release.deb);
	if (!fs.existsSync(file)) {
		const url = DEB_POOL + encodeURIComponent(release.deb).replace(/%2B/g, '+');
		let res;
		try {
			res = await fetch(url, { signal: AbortSignal.timeout(300000) });
		} catch (e) {
			throw new LabError(
				`downloading WordPress ${release.version} (${url}) failed: ${e.cause?.code || e.message}`,
			);
		}
		if (!res.ok)
			throw new LabError(`downloading WordPress ${release.version}: ${url} answered ${res.status}`);
		const body = Buffer.from(await res.arrayBuffer());
		const tmp = `${file}.${process.pid}.tmp`;
		fs.writeFileSync(tmp, body);
		fs.renameSync(tmp, file);
	}
	const body = fs.readFileSync(file);
	const sha256 = crypto.createHash('sha256').update(body).digest('hex');
	if (sha256 !== release.sha256 || body.length !== release.size) {
		fs.rmSync(file, { force: true }); // a broken download is fetched again next time
		throw new LabError(
			`${release.deb}: sha256 ${sha256} (${body.length} bytes), expected ${release.sha256} (${release.size} bytes); removed it`,
		);
	}
	return file;
}

/**
 * The package's links into other Debian packages are relative to /usr/share/wordpress (e.g.
 * wp-includes/ID3/getid3.php → ../../../php/getid3/getid3.php): unpacked elsewhere they dangle. Each is pointed at
 * the same file under /usr/share when it exists there (getID3 from php-getid3, which the REST API loads through
 * wp-includes/media.php; JavaScript libraries for wp-admin); the others are left as they are (lodash is not in
 * bookworm, and nothing the lab does reads it).
 */
function relinkToSystem(root) {
	const walk = (dir) => {
		for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
			const file = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(file);
			else if (entry.isSymbolicLink()) {
				const target = fs.readlinkSync(file);
				if (path.isAbsolute(target)) continue;
				const intended = path.resolve(
					'/usr/share/wordpress',
					path.relative(root, path.dirname(file)),
					target,
				);
				if (!fs.existsSync(path.resolve(path.dirname(file), target)) && fs.existsSync(intended)) {
					fs.rmSync(file);
					fs.symlinkSync(intended, file);
				}
			}
		}
	};
	walk(root);
}

/** What a site of this release records: { wpVersion: '6.8.7', wpRoot, wpDbVersion }. */
async function release(familyKey) {
	const root = await ensureRoot(familyKey);
	const { version, dbVersion } = versionOf(root);
	return { wpVersion: version, wpRoot: root, wpDbVersion: dbVersion };
}

/** The family of a recorded version string ('6.1.9' → '6.1'), or the default for sites recorded before versions were. */
function familyOfVersion(version) {
	if (!version) return DEFAULT_FAMILY;
	try {
		return family(version);
	} catch {
		return DEFAULT_FAMILY;
	}
}

module.exports = {
	RELEASES,
	DEFAULT_FAMILY,
	family,
	familyOfVersion,
	perSite,
	release,
	ensureRoot,
	versionOf,
	cacheDir,
};
