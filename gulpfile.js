/**
 * Build: esbuild bundles each node, credential and command into dist/ (CommonJS, as n8n loads them), with
 * their libraries inside — n8n's community-node rules forbid runtime dependencies. n8n-workflow stays
 * external: n8n provides it, and its error classes must be n8n's own. Icons and codex files are copied beside,
 * and the bridge plugin is zipped for WordPress.
 */
const { series, src, dest } = require('gulp');
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = __dirname;
const DIST = path.join(ROOT, 'dist');

function listFiles(dir, test) {
	if (!fs.existsSync(dir)) return [];
	return fs
		.readdirSync(dir, { withFileTypes: true, recursive: true })
		.filter((entry) => entry.isFile() && test(entry.name))
		.map((entry) => path.relative(ROOT, path.join(entry.parentPath ?? entry.path, entry.name)));
}

function entryPoints() {
	return [
		...listFiles(path.join(ROOT, 'nodes'), (name) => name.endsWith('.node.ts')),
		...listFiles(path.join(ROOT, 'credentials'), (name) => name.endsWith('.credentials.ts')),
		...listFiles(path.join(ROOT, 'bin'), (name) => name.endsWith('.ts')),
	];
}

async function clean() {
	fs.rmSync(DIST, { recursive: true, force: true });
}

async function bundle() {
	await esbuild.build({
		entryPoints: entryPoints(),
		outdir: DIST,
		outbase: ROOT,
		bundle: true,
		platform: 'node',
		target: 'node20',
		format: 'cjs',
		external: ['n8n-workflow'],
		sourcemap: true,
		legalComments: 'linked',
		logLevel: 'warning',
	});
}

/** The bridge plugin, as a zip WordPress installs from wp-admin (Plugins → Add New → Upload). */
function bridgeZip() {
	return require('./bridge/build-zip').buildZip(path.join(DIST, 'harmonyuser-sync-bridge.zip'));
}

function copyAssets() {
	return src(['nodes/**/*.{svg,png,json}', 'credentials/**/*.{svg,png}'], {
		base: ROOT,
		encoding: false,
	}).pipe(dest(DIST));
}

exports.clean = clean;
exports.build = series(clean, bundle, copyAssets, bridgeZip);
exports.default = exports.build;
