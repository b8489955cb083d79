#!/usr/bin/env node
'use strict';
/**
 * Installs THIS package (its built dist/) into an n8n user folder exactly the way n8n's Community Nodes installer
 * does (n8n 2.41 CommunityPackagesService.downloadPackage):
 *   npm pack → tar -xzf --strip-components=1 into <N8N_USER_FOLDER>/.n8n/nodes/node_modules/<name>
 *   → drop devDependencies, peerDependencies and optionalDependencies from its package.json
 *   → npm install --audit=false --fund=false --bin-links=false --install-strategy=shallow --ignore-scripts=true
 *     --package-lock=false (in the package folder)
 *   → record "<name>": "<version>" in <N8N_USER_FOLDER>/.n8n/nodes/package.json (n8n's ledger).
 * n8n loads packages from that node_modules at start; no database row is needed.
 *
 * Usage: node scripts/install-package.js <N8N_USER_FOLDER>      (or N8N_USER_FOLDER in the environment)
 * Build first (npx gulp build). Prints the installed package folder on stdout; progress goes to stderr.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

function run(cmd, args, cwd) {
	return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function main() {
	const userFolder = process.argv[2] || process.env.N8N_USER_FOLDER;
	if (!userFolder) throw new Error('usage: node scripts/install-package.js <N8N_USER_FOLDER>');
	const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	for (const file of [
		...manifest.n8n.nodes,
		...manifest.n8n.credentials,
		'dist/harmonyuser-sync-bridge.zip',
	]) {
		if (!fs.existsSync(path.join(ROOT, file)))
			throw new Error(`${file} is missing: build the package first (npx gulp build)`);
	}

	const nodesDir = path.join(path.resolve(userFolder), '.n8n', 'nodes');
	const packageDir = path.join(nodesDir, 'node_modules', manifest.name);
	fs.mkdirSync(nodesDir, { recursive: true });
	fs.rmSync(packageDir, { recursive: true, force: true });
	fs.mkdirSync(packageDir, { recursive: true });

	const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hus-pack-'));
	try {
		process.stderr.write(`==> npm pack ${manifest.name}@${manifest.version}\n`);
		const out = run(
			'npm',
			['pack', ROOT, '--quiet', '--ignore-scripts', '--pack-destination', packDir],
			packDir,
		);
		const tarball = out.trim().split('\n').pop();
		run(
			'tar',
			['-xzf', path.join(packDir, tarball), '-C', packageDir, '--strip-components=1'],
			packDir,
		);
	} finally {
		fs.rmSync(packDir, { recursive: true, force: true });
	}

	const pkgJsonPath = path.join(packageDir, 'package.json');
	const kept = JSON.parse(fs.readFileSync(pkgJsonPath, 'utf8'));
	delete kept.devDependencies;
	delete kept.peerDependencies;
	delete kept.optionalDependencies;
	fs.writeFileSync(pkgJsonPath, JSON.stringify(kept, null, 2), 'utf8');

	process.stderr.write(`==> npm install (ignore-scripts) in ${packageDir}\n`);
	run(
		'npm',
		[
			'install',
			'--audit=false',
			'--fund=false',
			'--bin-links=false',
			'--install-strategy=shallow',
			'--ignore-scripts=true',
			'--package-lock=false',
		],
		packageDir,
	);

	const ledgerPath = path.join(nodesDir, 'package.json');
	let ledger = { name: 'installed-nodes', private: true, dependencies: {} };
	try {
		ledger = { ...ledger, ...JSON.parse(fs.readFileSync(ledgerPath, 'utf8')) };
	} catch {
		// no ledger yet: n8n starts from an empty one too
	}
	ledger.dependencies = { ...ledger.dependencies, [manifest.name]: kept.version };
	fs.writeFileSync(ledgerPath, JSON.stringify(ledger, null, 2), 'utf8');

	process.stdout.write(`${packageDir}\n`);
}

try {
	main();
} catch (error) {
	process.stderr.write(
		`install-package: ${error instanceof Error ? error.message : String(error)}\n`,
	);
	process.exit(1);
}
