import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	...configWithoutCloudSupport,
	{
		// Development code, never shipped (only dist is published): tests, benchmarks, scripts and the lab (with
		// its harness, lab/harness/, the helpers they share) start processes, hold throwaway test secrets,
		// require CommonJS modules and print. The shipping rules above stay in force for core/, nodes/,
		// credentials/ and bin/.
		files: ['test/**', 'bench/**', 'scripts/**', 'lab/**'],
		rules: {
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'@n8n/community-nodes/no-hardcoded-secrets': 'off',
			'@typescript-eslint/no-require-imports': 'off',
			'@typescript-eslint/no-explicit-any': 'off',
			'no-console': 'off',
		},
	},
];
