'use strict';
/** Small process/file helpers shared by the lab modules (Node stdlib only). */
const { spawn } = require('node:child_process');
const fs = require('node:fs');

class LabError extends Error {
	constructor(message, detail) {
		super(detail ? `${message}\n${indent(detail)}` : message);
		this.name = 'LabError';
	}
}

function indent(text) {
	return String(text)
		.trimEnd()
		.split('\n')
		.map((l) => `    | ${l}`)
		.join('\n');
}

/** Secrets (application passwords) that must never appear in error messages. */
const secrets = new Set();
function addSecret(s) {
	if (s) secrets.add(String(s));
}
function redact(text) {
	let out = String(text);
	for (const s of secrets) out = out.split(s).join('***');
	return out;
}

/** Runs a command; resolves { code, stdout, stderr } (never rejects on a non-zero exit). */
function run(cmd, args, { input, env, cwd, timeoutMs = 120000 } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, {
			env: env || process.env,
			cwd,
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		const out = [];
		const err = [];
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, timeoutMs);
		child.stdout.on('data', (d) => out.push(d));
		child.stderr.on('data', (d) => err.push(d));
		child.on('error', (e) => {
			clearTimeout(timer);
			reject(new LabError(`could not run ${cmd}: ${e.message}`));
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			const stderr =
				Buffer.concat(err).toString() + (timedOut ? `\n(killed after ${timeoutMs} ms)` : '');
			resolve({
				code: code === null ? `signal ${signal}` : code,
				stdout: Buffer.concat(out).toString(),
				stderr,
			});
		});
		child.stdin.on('error', () => {}); // the child may exit before reading all of its input
		child.stdin.end(input === undefined ? '' : input);
	});
}

/** Last `lines` lines of a file ('' when missing). */
function tailFile(file, lines = 20) {
	try {
		const text = fs.readFileSync(file, 'utf8');
		return text.trimEnd().split('\n').slice(-lines).join('\n');
	} catch {
		return '';
	}
}

function tailText(text, lines = 20) {
	return String(text).trimEnd().split('\n').slice(-lines).join('\n');
}

function pidAlive(pid) {
	if (!pid) return false;
	try {
		process.kill(pid, 0);
	} catch (e) {
		if (e.code !== 'EPERM') return false;
	}
	// A zombie (exited, not yet reaped) still answers kill(0).
	try {
		return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return true;
	}
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { LabError, run, tailFile, tailText, pidAlive, sleep, addSecret, redact };
