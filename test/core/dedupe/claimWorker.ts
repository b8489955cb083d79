/** A separate process for the dedupe race test: claims ids 0..99 and prints the ones it won. */
import { PostgresDedupeStore } from '../../../core/dedupe/postgresDedupe';
import { SqliteDedupeStore } from '../../../core/dedupe/sqliteDedupe';

async function main(): Promise<void> {
	const [kind, target] = process.argv.slice(2);
	const store =
		kind === 'sqlite' ? new SqliteDedupeStore(target) : new PostgresDedupeStore(JSON.parse(target));
	const won: string[] = [];
	await Promise.all(
		Array.from({ length: 100 }, async (_, i) => {
			if (await store.claim('procs', `id-${i}`, 86_400_000)) won.push(`id-${i}`);
		}),
	);
	await store.close();
	process.stdout.write(won.map((id) => `${id}\n`).join(''));
}

void main();
