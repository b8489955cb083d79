/** Counts the HTTP requests a lab site served, from the count-requests fixture mu-plugin. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as lab from '../lab';
import type { Site } from '../lab';

const PLUGIN = path.join(__dirname, 'mu-plugins', 'count-requests.php');

export class RequestLog {
	private mark = 0;

	constructor(private readonly site: Site) {
		lab.installMuPlugin(site, PLUGIN, 'count-requests.php');
	}

	remove(): void {
		lab.removeMuPlugin(this.site, 'count-requests.php');
	}

	/** Starts counting from now. */
	reset(): void {
		this.mark = this.lines().length;
	}

	/** "METHOD /uri" of every request since the last reset. */
	since(): string[] {
		return this.lines().slice(this.mark);
	}

	writes(): string[] {
		return this.since().filter((line) => !line.startsWith('GET ') && !line.startsWith('OPTIONS '));
	}

	private lines(): string[] {
		const file = path.join(this.site.contentDir, 'requests.log');
		return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
	}
}
