import { z } from 'zod';
import { describeZodError } from '../../../core/schemas/validationMessage';

describe('describeZodError', () => {
	it('names the subject, the field path and the problem', () => {
		const result = z.object({ a: z.object({ b: z.string() }) }).safeParse({ a: { b: 1 } });
		expect(!result.success && describeZodError(result.error, 'thing')).toBe(
			'Invalid thing: a.b: Expected string, received number',
		);
	});

	it('names the root when there is no path', () => {
		const result = z.string().safeParse(1);
		expect(!result.success && describeZodError(result.error, 'thing')).toBe(
			'Invalid thing: (root): Expected string, received number',
		);
	});

	it('lists at most five issues and counts the rest', () => {
		const schema = z.object(
			Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((key) => [key, z.string()])),
		);
		const result = schema.safeParse({});
		const message = !result.success ? describeZodError(result.error, 'thing') : '';
		expect(message.split('; ')).toHaveLength(5);
		expect(message).toContain('e: Required');
		expect(message).not.toContain('f: Required');
		expect(message.endsWith(' (and 2 more)')).toBe(true);
	});
});
