/**
 * The engine harness: runs a node package inside n8n's real engine, without a server. The package is loaded from
 * its BUILT files with n8n-core's PackageDirectoryLoader (as n8n loads community packages), workflows run through
 * n8n-core's WorkflowExecute, credential tests follow n8n's CredentialsTester (RoutingNode + `rules`), webhook
 * triggers go through HookContext and WebhookContext, and polls through PollContext. One module per job:
 *
 *   package.ts      loading the package (and the "Test Items" source node)
 *   workflow.ts     running workflows and single nodes
 *   credentials.ts  credentials as n8n's CredentialsHelper keeps them, and credential tests
 *   trigger.ts      webhook triggers: activation lifecycle and webhook calls
 *   poll.ts         a poll as an active workflow runs it
 *   core.ts         n8n-core itself, with the environment and execution context the others share
 */
export { loadPackage, TEST_ITEMS_NODE_TYPE, type LoadedPackage } from './package';
export {
	runNode,
	runWorkflow,
	type RunNodeOptions,
	type WorkflowNode,
	type WorkflowSpec,
} from './workflow';
export { testCredential, type StoredCredentials } from './credentials';
export {
	recordWarnings,
	serveTrigger,
	TriggerHarness,
	type TriggerSpec,
	type WebhookCallResult,
	type WebhookRequestInit,
} from './trigger';
