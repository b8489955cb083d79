#!/usr/bin/env node
'use strict';
/**
 * Builds dist/harmonyuser-sync-bridge.zip — the installable plugin, with the folder harmonyuser-sync-bridge/
 * inside, as wp-admin's "Upload Plugin" expects. Usage: node bridge/build-zip.js [outFile]
 */
const fs = require('node:fs');
const path = require('node:path');
const yazl = require('yazl');

const SLUG = 'harmonyuser-sync-bridge';
const SRC = path.join(__dirname, SLUG);

/** Files under the plugin folder, sorted, '/'-separated; dot files left out. */
function listFiles(dir = SRC) {
	return fs
		.readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
		.map((entry) =>
			path.relative(SRC, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
		)
		.sort();
}

function buildZip(outFile = path.join(__dirname, '..', 'dist', `${SLUG}.zip`)) {
	fs.mkdirSync(path.dirname(outFile), { recursive: true });
	const zip = new yazl.ZipFile();
	for (const file of listFiles()) zip.addFile(path.join(SRC, file), `${SLUG}/${file}`);
	zip.end();
	return new Promise((resolve, reject) => {
		zip.outputStream
			.pipe(fs.createWriteStream(outFile))
			.on('close', () => resolve(outFile))
			.on('error', reject);
	});
}

if (require.main === module) {
	buildZip(process.argv[2] && path.resolve(process.argv[2])).then(
		(file) => process.stdout.write(`${path.relative(process.cwd(), file)}\n`),
		(error) => {
			process.stderr.write(`build-zip: ${error.message}\n`);
			process.exit(1);
		},
	);
}
module.exports = { buildZip, listFiles };
