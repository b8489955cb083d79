#!/usr/bin/env node
/**
 * harmonyuser-connect: creates an application password for the n8n credential from an administrator's login.
 * The login password is read from a hidden prompt or from stdin — never from argv or the environment, where
 * shell history, `ps` and process listings would keep it.
 */
import {
	AppPasswordError,
	createApplicationPassword,
	refuseInsecure,
} from '../core/wordpress/appPassword';

const COMMAND = 'harmonyuser-connect';
const DEFAULT_NAME = 'n8n HarmonyUser Sync';

const HELP = `Usage: ${COMMAND} --url <site URL> --user <admin username> [--name <label>] [--json] [--password-stdin] [--insecure]

Logs in to a WordPress site once as an administrator and creates an application password for
n8n's "WordPress Application Password API" credential. The login password is used for this one
login only and is never stored.

The password is read from a prompt that does not echo, or from stdin when stdin is not a terminal:
  printf '%s\\n' "$ADMIN_PASSWORD" | ${COMMAND} --url https://shop.example.com --user admin

Options:
  --url <URL>          the site's base URL (where /wp-json lives)
  --user <login>       an administrator's username or email (alias: --username)
  --name <label>       the application password's name in wp-admin (default: "${DEFAULT_NAME}")
  --json               print {"url","username","applicationPassword","uuid","name"} as JSON
  --password-stdin     read the password from stdin even when it is a terminal
  --insecure           allow plain http:// to a host other than this machine (the password crosses the network in clear)
  -h, --help           show this help

Exit codes: 0 created, 1 failed (message on stderr), 2 usage error.
`;

interface Args {
	url?: string;
	user?: string;
	name: string;
	json: boolean;
	passwordStdin: boolean;
	insecure: boolean;
	help: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
	const args: Args = {
		name: DEFAULT_NAME,
		json: false,
		passwordStdin: false,
		insecure: false,
		help: false,
	};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
		const flag = eq > 0 ? arg.slice(0, eq) : arg;
		const value = (): string => {
			const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
			if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
			return v;
		};
		switch (flag) {
			case '--url':
				args.url = value();
				break;
			case '--user':
			case '--username':
				args.user = value();
				break;
			case '--name':
				args.name = value();
				break;
			case '--json':
				args.json = true;
				break;
			case '--password-stdin':
				args.passwordStdin = true;
				break;
			case '--insecure':
				args.insecure = true;
				break;
			case '-h':
			case '--help':
				args.help = true;
				break;
			case '-p':
			case '--password':
				throw new UsageError(
					'the password is never taken from the command line: type it at the prompt or pipe it on stdin',
				);
			default:
				throw new UsageError(`unknown argument "${arg}"`);
		}
	}
	return args;
}

/** All of stdin, without the trailing newline `echo` and `printf '%s\n'` add; the chunks are zeroed after. */
async function readStdin(): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of process.stdin)
		chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
	const all = Buffer.concat(chunks);
	const text = all.toString('utf8').replace(/\r?\n$/, '');
	for (const buffer of [all, ...chunks]) buffer.fill(0);
	return text;
}

/** A prompt on stderr that echoes nothing; Ctrl-C aborts with exit code 130. */
function promptHidden(question: string): Promise<string> {
	const stdin = process.stdin;
	process.stderr.write(question);
	stdin.setRawMode(true);
	stdin.resume();
	stdin.setEncoding('utf8');
	return new Promise((resolve) => {
		let typed = '';
		const done = (): void => {
			stdin.setRawMode(false);
			stdin.pause();
			stdin.removeListener('data', onData);
			process.stderr.write('\n');
		};
		const onData = (data: string): void => {
			for (const char of data) {
				if (char === '\r' || char === '\n' || char === '\u0004') {
					done();
					resolve(typed);
					return;
				}
				if (char === '\u0003') {
					done();
					process.exit(130);
				}
				if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
				else typed += char;
			}
		};
		stdin.on('data', onData);
	});
}

function fail(message: string): void {
	process.stderr.write(`${COMMAND}: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
}

async function main(argv: string[]): Promise<number> {
	let args: Args;
	try {
		args = parseArgs(argv);
	} catch (error) {
		fail(`${(error as Error).message} (see --help)`);
		return 2;
	}
	if (args.help) {
		process.stdout.write(HELP);
		return 0;
	}
	if (!args.url || !args.user) {
		fail(`${args.url ? '--user' : '--url'} is required (see --help)`);
		return 2;
	}

	// Refused before the password is asked for: it would cross the network in clear.
	try {
		refuseInsecure(args.url, args.insecure);
	} catch (error) {
		fail((error as Error).message);
		return 2;
	}
	const fromStdin = args.passwordStdin || !process.stdin.isTTY;
	let password = fromStdin
		? await readStdin()
		: await promptHidden(`Password for ${args.user} at ${args.url}: `);
	if (!password) {
		fail(
			fromStdin
				? 'no password on stdin (pipe it in, or run in a terminal to be prompted)'
				: 'no password entered',
		);
		return 2;
	}
	const created = await createApplicationPassword({
		url: args.url,
		username: args.user,
		password,
		appName: args.name,
		allowInsecure: args.insecure,
	}).then(
		(result) => result,
		(error: unknown) => error as Error,
	);
	password = '';

	if (created instanceof Error) {
		fail(created.message);
		return created instanceof AppPasswordError && created.code === 'invalid_url' ? 2 : 1;
	}
	if (args.json) {
		process.stdout.write(`${JSON.stringify(created)}\n`);
		return 0;
	}
	process.stdout.write(
		[
			`Created the application password "${created.name}" for ${created.username} on ${created.url}.`,
			`Enter these in n8n's "WordPress Application Password API" credential:`,
			'',
			`  Site URL:              ${created.url}`,
			`  Username:              ${created.username}`,
			`  Application Password:  ${created.applicationPassword}`,
			'',
			'WordPress shows this password only once. Revoke it any time in wp-admin → Users → Profile → Application Passwords.',
			'',
		].join('\n'),
	);
	return 0;
}

main(process.argv.slice(2)).then(
	(code) => {
		process.exitCode = code;
	},
	(error: unknown) => {
		fail(`unexpected error: ${(error as Error)?.message ?? String(error)}`);
		process.exitCode = 1;
	},
);
