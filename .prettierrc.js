/**
 * Prettier: n8n-nodes-starter's settings (https://github.com/n8n-io/n8n-nodes-starter, .prettierrc.js), so the
 * code reads like every other n8n community node. `npx prettier --check .` shows what differs; files prettier
 * must not touch are listed in .prettierignore. .editorconfig tells editors the same.
 */
module.exports = {
	semi: true,
	trailingComma: 'all',
	bracketSpacing: true,
	useTabs: true,
	tabWidth: 2,
	arrowParens: 'always',
	singleQuote: true,
	quoteProps: 'as-needed',
	endOfLine: 'lf',
	printWidth: 100,
};
