import { hashFormat } from '../../../core/wordpress/bridge';

describe('hashFormat', () => {
	it.each([
		['$P$BsecretPortableHashValue1abcdef', 'phpass'],
		['$H$9abcdefghijklmnopqrstuvwxyz01234', 'phpass'],
		[`$wp$2y$10$${'a'.repeat(53)}`, 'wp-bcrypt'],
		[`$2y$10$${'a'.repeat(53)}`, 'bcrypt'],
		['$argon2id$v=19$m=65536,t=4,p=1$c2FsdA$aGFzaA', 'argon2'],
		['hus1:ciphertext', undefined],
		['plain', undefined],
	])('%s is %s', (hash, format) => {
		expect(hashFormat(hash)).toBe(format);
	});
});
