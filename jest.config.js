'use strict';
/**
 * Two test levels, as jest projects (`npm test` runs them all):
 *
 *   unit              needs nothing but Node: no WordPress lab, no database server, no build, no n8n. Seconds.
 *                     `npm run test:unit`
 *   integration       real WordPress sites (the lab, brought up once by this project's global setup, shared, so in
 *                     band): WordPress 6.1 under php -S, the machine's PostgreSQL, the built package in n8n's engine,
 *                     real n8n. `npm run test:integration` (with the next one)
 *   integration-wp68  the integration tests that talk to WordPress (reach the lab itself) again, on WordPress 6.8
 *                     under nginx + PHP-FPM in a lab of their own (lab/harness/labs.js), but the minutes of real n8n
 *                     in queue mode; plus the tests of test/modern/, which need that lab: cross-version (a 6.1 site
 *                     beside the 6.8 ones) and FPM tests.
 *
 * A test file's level follows from what it loads, directly or through test fixtures and the harness (lab/harness/):
 * a file that reaches one of NEEDS_SERVICES is an integration test, every other one is a unit test. `npx jest
 * --listTests --selectProjects unit` shows the split. Type-only imports (`import type`) load nothing and do not count.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = __dirname;

/**
 * Modules that need a service running, relative to the repository; a trailing slash means the whole folder. The
 * harness wing (HARNESS) is not part of the lab folder: its modules count by what they load, as tests do.
 */
const NEEDS_SERVICES = [
	'lab/', // the WordPress lab
	'lab/harness/postgres.ts', // the machine's PostgreSQL
	'lab/harness/engine/package.ts', // the built package (dist) in n8n's engine (engine/ but core.ts, poll.ts loads it)
	'lab/harness/n8n/', // real n8n
];
/** The helpers the tests, benchmarks and demo share (lab/harness/): in lab/, but not the lab itself. */
const HARNESS = path.join(ROOT, 'lab', 'harness') + path.sep;

// Relative specifiers of `import … from`, `export … from`, side-effect `import '…'`, `require('…')`, `import('…')`.
const STATIC =
	/(?:^|[\n;])\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/g;
const DYNAMIC = /\b(?:require|import)\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function resolve(from, spec) {
	const base = path.resolve(path.dirname(from), spec);
	for (const candidate of [
		base,
		`${base}.ts`,
		`${base}.js`,
		path.join(base, 'index.ts'),
		path.join(base, 'index.js'),
	]) {
		if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
	}
	return null;
}

function importsOf(file) {
	const text = fs.readFileSync(file, 'utf8');
	const specs = [];
	for (const m of text.matchAll(STATIC)) if (!m[1]) specs.push(m[2]);
	for (const m of text.matchAll(DYNAMIC)) specs.push(m[1]);
	return specs.map((s) => resolve(file, s)).filter(Boolean);
}

/**
 * Whether the file reaches one of `modules` (default NEEDS_SERVICES). Only test/ and lab/ are followed: the shipped
 * code starts no service.
 */
function reaches(file, modules = NEEDS_SERVICES, memo = reaches.memo) {
	const hit = (f) =>
		modules.some((m) => {
			const abs = path.join(ROOT, m);
			if (!m.endsWith('/')) return f === abs;
			// A folder holding the harness (lab/) does not take it in; a folder inside the harness is taken whole.
			return f.startsWith(abs) && (abs.startsWith(HARNESS) || !f.startsWith(HARNESS));
		});
	if (hit(file)) return true;
	if (memo.has(file)) return memo.get(file);
	memo.set(file, false); // import cycles
	const inHarness =
		file.startsWith(path.join(ROOT, 'test') + path.sep) ||
		file.startsWith(path.join(ROOT, 'lab') + path.sep);
	const result = inHarness && importsOf(file).some((f) => reaches(f, modules, memo));
	memo.set(file, result);
	return result;
}
reaches.memo = new Map();
const isIntegration = (file) => reaches(file);
/** Whether the file talks to WordPress (reaches the lab): those run again on 6.8 (integration-wp68). */
const labMemo = new Map();
const talksToWordPress = (file) => reaches(file, ['lab/'], labMemo);

const testFiles = fs
	.readdirSync(path.join(ROOT, 'test'), { recursive: true })
	.filter((f) => f.endsWith('.test.ts'))
	.map((f) => path.join(ROOT, 'test', f))
	.sort();
const integrationFiles = testFiles.filter(isIntegration);
/** Tests that need the integration-wp68 project's lab (a 6.8 and a 6.1 site, nginx + PHP-FPM): only there. */
const MODERN_ONLY = path.join(ROOT, 'test', 'modern') + path.sep;
/**
 * Left out of the 6.8 pass, to keep CI well under its budget: nothing in them depends on WordPress's release
 * (queue mode, manual/replay and the 10-site network mesh are minutes of real n8n, and that lab has 4 sites; the
 * examples still run on 6.8 under FPM), the lab's own mechanics, and the poll trigger's size runs (users seeded by
 * the thousand; polling reads no hash).
 */
const NOT_ON_WP68 = [
	'test/e2e/queueMode.test.ts',
	'test/e2e/networkMesh.test.ts',
	'test/e2e/manualAndReplay.test.ts',
	'test/lab/lab.test.ts',
	'test/nodes/HarmonyUserSyncPollTrigger/pollTrigger.test.ts',
].map((f) => path.join(ROOT, f));
const unitFiles = testFiles.filter((f) => !integrationFiles.includes(f));
// testMatch globs; an exact path is a glob matching itself (the repository's paths hold no glob characters).
const asGlobs = (files) => (files.length ? files : ['<rootDir>/no-such-test.test.ts']);

const common = {
	rootDir: ROOT,
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	transform: { '^.+\\.ts$': 'ts-jest' },
};

module.exports = {
	// The integration tests share the lab's sites; unit tests are quick enough that workers would not pay off.
	maxWorkers: 1,
	testTimeout: 60000, // jest reads it from here only, not per project
	projects: [
		{
			...common,
			displayName: 'unit',
			testMatch: asGlobs(unitFiles),
		},
		{
			...common,
			displayName: 'integration',
			testMatch: asGlobs(integrationFiles.filter((f) => !f.startsWith(MODERN_ONLY))),
			globalSetup: '<rootDir>/test/setup/globalSetup.js',
		},
		{
			...common,
			displayName: 'integration-wp68',
			testMatch: asGlobs(
				integrationFiles.filter((f) => talksToWordPress(f) && !NOT_ON_WP68.includes(f)),
			),
			globalSetup: '<rootDir>/test/setup/globalSetupWp68.js',
			setupFiles: ['<rootDir>/test/setup/wp68Env.js'],
		},
	],
};
