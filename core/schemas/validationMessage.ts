import type { ZodError } from 'zod';

/** Turns a zod error into one specific, human-readable sentence: which field, what is wrong. */
export function describeZodError(error: ZodError, subject: string): string {
	const issues = error.issues.slice(0, 5).map((issue) => {
		const where = issue.path.length ? issue.path.join('.') : '(root)';
		return `${where}: ${issue.message}`;
	});
	const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
	return `Invalid ${subject}: ${issues.join('; ')}${more}`;
}
