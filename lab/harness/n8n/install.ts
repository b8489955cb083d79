/**
 * Installing real n8n (2.41.1) and this package for it: n8n once into a cache by scripts/n8n.sh, this package into
 * a user folder the way the Community Nodes installer does (scripts/install-package.js).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-harmonyuser-sync';
/** Runs its arguments under Node 24 (n8n 2.x's runtime). */
export const WITH_NODE24 = path.join(ROOT, 'scripts', 'with-node24.sh');

/** The n8n bin, installing n8n into the cache first when it is missing (minutes, once). */
export function ensureN8nInstalled(): string {
	// Test-only: running the project's own install script is the point of this helper.
	const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'n8n.sh')], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const bin = out.trim().split('\n').pop() ?? '';
	if (!existsSync(bin)) throw new Error(`scripts/n8n.sh printed no usable n8n bin (${bin})`);
	return bin;
}

/** Installs the built package into <userFolder>/.n8n/nodes/node_modules (scripts/install-package.js); returns its folder. */
export function installPackage(userFolder: string): string {
	// Test-only: the install script is what is under test (the Community Nodes installer's steps).
	const out = execFileSync(
		'bash',
		[WITH_NODE24, 'node', path.join(ROOT, 'scripts', 'install-package.js'), userFolder],
		{
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	return out.trim().split('\n').pop() ?? '';
}
