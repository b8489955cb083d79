/**
 * Real n8n (the `n8n start` server, 2.41.1) for end-to-end tests, benchmarks and the demo: installed once into a
 * cache by scripts/n8n.sh, this package installed into a temp user folder the way the Community Nodes installer
 * does (scripts/install-package.js), then started as a child process (Node 24) on free loopback ports, driven
 * through its REST API like the editor does, stopped and restarted on the same user folder. One module per job:
 *
 *   install.ts    installing n8n and this package
 *   process.ts    the n8n process: start, readiness, stop, restart, logs
 *   rest.ts       its REST API (RealN8n: the process with the API), example workflows
 *   e2e.ts        the end-to-end stage: n8n with this package, lab sites with the bridge, the Sync Log
 *   queueMode.ts  n8n's queue mode: a main process and workers on Redis and Postgres
 */
export { ensureN8nInstalled, installPackage, PACKAGE_NAME, ROOT } from './install';
export { freePort, N8nProcess, stopProcessGroup } from './process';
export {
	loadExample,
	RealN8n,
	webhookPathOf,
	type ExecutionSummary,
	type RestReply,
	type WorkflowJson,
} from './rest';
export { eventually } from '../wait';
