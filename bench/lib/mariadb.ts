/** Polling the lab's MariaDB from a benchmark without a process per query. */
import { spawn } from 'node:child_process';

// The lab's MariaDB account (lab/mariadb.js has no type declarations).
const { DB_USER, DB_PASSWORD } = require('../../lab/mariadb') as {
	DB_USER: string;
	DB_PASSWORD: string;
};

/** One long-lived `mariadb` client: a query costs a round trip on its socket, not a process start like lab.sql. */
export class MariaDbSession {
	// Bench-only: the lab's own MariaDB client, kept open for cheap polls.
	private readonly child = spawn(
		'mariadb',
		['-u', DB_USER, '--batch', '--skip-column-names', '--unbuffered', '--force'],
		{
			env: { ...process.env, MYSQL_PWD: DB_PASSWORD },
			stdio: ['pipe', 'pipe', 'inherit'],
		},
	);
	private buffer = '';
	private waiter?: () => void;

	constructor() {
		this.child.stdout.setEncoding('utf8');
		this.child.stdout.on('data', (chunk: string) => {
			this.buffer += chunk;
			this.waiter?.();
		});
	}

	/** Rows of one statement (tab-separated lines); a marker row ends every answer. */
	async query(sql: string): Promise<string[]> {
		const mark = '__hus_end__';
		this.buffer = '';
		const done = new Promise<void>(
			(resolve) => (this.waiter = () => this.buffer.endsWith(`${mark}\n`) && resolve()),
		);
		this.child.stdin.write(`${sql};\nSELECT '${mark}';\n`);
		await done;
		return this.buffer.split('\n').filter((line) => line && line !== mark);
	}

	close(): void {
		this.child.stdin.end();
		this.child.kill();
	}
}
