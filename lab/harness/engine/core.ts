/**
 * n8n-core for the engine harness, loaded with the environment it reads at load time, and the execution context
 * (additional data) that every run, credential test and trigger call of the harness gives it.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as N8nCore from 'n8n-core';
import type { ICredentialsHelper, IWorkflowExecuteAdditionalData } from 'n8n-workflow';

// n8n-core reads these when it loads: they must be set before it is required.
process.env.N8N_USER_FOLDER ??= mkdtempSync(path.join(tmpdir(), 'n8n-harness-'));
process.env.N8N_ENCRYPTION_KEY ??= randomBytes(24).toString('hex');
process.env.N8N_LOG_LEVEL ??= 'silent'; // n8n logs node errors it also reports in the run data; set it to see them
export const core = require('n8n-core') as typeof N8nCore;

/** What n8n-core's contexts read of the running instance: credentials helper, hooks, URLs (localhost:5678), no runners. */
export function additionalDataFor(
	helper: ICredentialsHelper,
	hooks?: N8nCore.ExecutionLifecycleHooks,
	overrides: Partial<IWorkflowExecuteAdditionalData> = {},
): IWorkflowExecuteAdditionalData {
	const base = 'http://localhost:5678';
	const unavailable = (what: string) => async () => {
		throw new Error(`${what} is not available in the test harness`);
	};
	return {
		credentialsHelper: helper,
		hooks,
		externalSecretsProxy: new core.ExternalSecretsProxy(),
		userId: 'harness-user',
		executionId: 'harness-execution',
		encryptedRunnerIdentity: undefined,
		currentNodeExecutionIndex: 0,
		variables: {},
		logAiEvent: () => {},
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: `${base}/`,
		formBaseUrl: `${base}/form`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		formTestBaseUrl: `${base}/form-test`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		executeWorkflow: unavailable('executeWorkflow'),
		startRunnerTask: unavailable('startRunnerTask'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		...overrides,
	} as IWorkflowExecuteAdditionalData;
}

/** n8n's Logger, as nodes get it from `this.logger` (through n8n-core's own copies of @n8n/di and backend-common). */
export function n8nLogger(): { warn: (message: string, metadata?: object) => void } {
	const from = { paths: [path.dirname(require.resolve('n8n-core'))] };
	const { Container } = require(require.resolve('@n8n/di', from)) as {
		Container: { get: (type: unknown) => unknown };
	};
	const { Logger } = require(require.resolve('@n8n/backend-common', from)) as { Logger: unknown };
	return Container.get(Logger) as { warn: (message: string, metadata?: object) => void };
}
