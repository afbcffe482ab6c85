import {expect} from 'vitest';

/**
 * What must never reach a terminal: C0 controls other than line feed and tab (ESC, BEL, CR,
 * backspace…), DEL, C1 controls (8-bit CSI/OSC/ST), format characters (bidi, zero-width, tag
 * characters, soft hyphen), line/paragraph separators and lone surrogates.
 */
export const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** The text, and its UTF-8 bytes, hold nothing a terminal acts on or hides. */
export function expectInert(text: string, label: string): void {
	const found = TERMINAL_UNSAFE.exec(text);
	expect(found && `${label}: U+${found[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${found.index}: ${JSON.stringify(text.slice(Math.max(0, found.index - 40), found.index + 20))}`).toBeNull();
	const bytes = Buffer.from(text, 'utf8');
	expect(bytes.includes(0x1b), `${label}: ESC byte`).toBe(false);
	expect(bytes.includes(0x07), `${label}: BEL byte`).toBe(false);
	for (let index = 0; index + 1 < bytes.length; index++) {
		if (bytes[index] === 0xc2 && bytes[index + 1]! >= 0x80 && bytes[index + 1]! <= 0x9f) throw new Error(`${label}: C1 control in the bytes at ${index}`);
	}
}

/** Both streams of a command's output are inert. */
export function expectInertOutput(result: {stdout: string; stderr: string}, label: string): void {
	expectInert(result.stdout, `${label} stdout`);
	expectInert(result.stderr, `${label} stderr`);
}

/** The text as a reader (or a terminal) would piece it together: percent escapes decoded, invisible characters dropped. */
function undisguised(text: string): string {
	return text.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/[\p{Cf}\p{Zl}\p{Zp}]/gu, '');
}

/** Every 8-character run of any of the secrets found in the text, as written or undisguised. */
export function keyLeaks(text: string, secrets: readonly string[]): string[] {
	const leaks: string[] = [];
	for (const view of [text, undisguised(text)]) {
		for (const secret of secrets) {
			for (let index = 0; index + 8 <= secret.length; index++) {
				const fragment = secret.slice(index, index + 8);
				if (view.includes(fragment)) leaks.push(fragment);
			}
		}
	}
	return [...new Set(leaks)];
}
