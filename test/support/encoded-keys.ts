/**
 * A key as a hostile provider echoes it back disguised (RELIABILITY case 48), and the check
 * that finds any of those disguises in text: an attacker's view of what we show and store.
 */

export const keyEncodings = ['base64', 'base64url', 'hex', 'HEX', 'reversed', 'json-escapes', 'JSON-ESCAPES', 'html-decimal', 'html-hex', 'html-named', 'full-width'] as const;
export type KeyEncoding = (typeof keyEncodings)[number];

const named: Readonly<Record<string, string>> = {'_': '&lowbar;', '.': '&period;', '+': '&plus;', '/': '&sol;', '=': '&equals;', ':': '&colon;'};

/** The key written in one of the disguises. */
export function encodeKey(key: string, encoding: KeyEncoding): string {
	const bytes = Buffer.from(key, 'utf8');
	const chars = Array.from(key);
	switch (encoding) {
		case 'base64':
			return bytes.toString('base64');
		case 'base64url':
			return bytes.toString('base64url');
		case 'hex':
			return bytes.toString('hex');
		case 'HEX':
			return bytes.toString('hex').toUpperCase();
		case 'reversed':
			return chars.reverse().join('');
		case 'json-escapes':
			return chars.map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
		case 'JSON-ESCAPES':
			return chars.map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`).join('');
		case 'html-decimal':
			return chars.map((char) => `&#${char.codePointAt(0)};`).join('');
		case 'html-hex':
			return chars.map((char) => `&#x${char.codePointAt(0)!.toString(16)};`).join('');
		case 'html-named':
			// Letters and digits as they are, punctuation by name: how an HTML encoder writes it.
			return chars.map((char) => named[char] ?? (char === '-' ? '&#45;' : char)).join('');
		case 'full-width':
			return chars.map((char) => (char >= '!' && char <= '~' ? String.fromCodePoint(char.codePointAt(0)! - 0x21 + 0xff01) : char)).join('');
	}
}

/** The text decoded the ways a reader could decode it: JSON/JS escapes, HTML references, NFKC. */
function decodedViews(text: string): string[] {
	const unescaped = text
		.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
		.replace(/&#x([0-9a-fA-F]+);/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
		.replace(/&#([0-9]+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
		.replace(/&([a-zA-Z]+);/g, (whole, name: string) => Object.entries(named).find(([, entity]) => entity === whole)?.[0] ?? `&${name};`);
	return [text, unescaped, text.normalize('NFKC'), unescaped.normalize('NFKC')];
}

/**
 * Every 12-character run of a key's whole-key disguises (base64, base64url, hex either case,
 * reversed) and every 8-character run of the key itself in any decoded view of the text.
 * Empty when the text holds nothing of any of the keys.
 */
export function encodedLeaks(text: string, secrets: readonly string[]): string[] {
	const leaks = new Set<string>();
	const views = decodedViews(text);
	for (const secret of secrets) {
		for (const view of views) {
			for (let index = 0; index + 8 <= secret.length; index++) {
				const fragment = secret.slice(index, index + 8);
				if (view.includes(fragment)) leaks.add(fragment);
			}
		}
		for (const encoding of ['base64', 'base64url', 'hex', 'HEX', 'reversed'] as const) {
			const form = encodeKey(secret, encoding).replace(/=+$/, '');
			for (let index = 0; index + 12 <= form.length; index++) {
				const fragment = form.slice(index, index + 12);
				if (text.includes(fragment)) leaks.add(`${encoding}:${fragment}`);
			}
		}
	}
	return [...leaks];
}
