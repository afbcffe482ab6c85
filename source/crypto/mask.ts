/**
 * The display hint: the only form in which a stored key is ever shown. It is
 * computed once at entry and stored, so lists and status never need to decrypt.
 * It keeps just enough to tell keys apart — the vendor prefix and the last four
 * characters — and shows nothing at all for short secrets, where four characters
 * would be a large share of the key.
 */

/** Shown for secrets too short to hint at; fixed so it reveals neither length nor content. */
export const FULL_MASK = '••••••••';

const MIN_HINTED_LENGTH = 12;
const SHOWN_TAIL = 4;
const MIN_HIDDEN = 8;
const PREFIX_WINDOW = 8;
/**
 * What a vendor prefix looks like (`sk-`, `sk-proj-`, `sk-ant-`, `gsk_`, `xai-`, `r8_`):
 * lowercase words ending in a separator. A mixed-case or symbol-laden start is
 * more likely random key material than a prefix, so it is not shown.
 */
const VENDOR_PREFIX = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*[-_]$/;

/**
 * `sk-proj-…1234`: the vendor prefix (up to the last `-` or `_` in the first 8
 * characters), an ellipsis and the last 4 characters. Secrets under 12
 * characters are fully masked; the prefix is dropped when showing it would leave
 * fewer than 8 characters hidden.
 */
export function displayHint(secret: string): string {
	// Code points, so a non-ASCII character is never cut in half.
	const chars = Array.from(secret);
	if (chars.length < MIN_HINTED_LENGTH) return FULL_MASK;
	const window = chars.slice(0, PREFIX_WINDOW).join('');
	const cut = Math.max(window.lastIndexOf('-'), window.lastIndexOf('_'));
	let prefix = cut >= 0 ? window.slice(0, cut + 1) : '';
	if (!VENDOR_PREFIX.test(prefix)) prefix = '';
	if (chars.length - Array.from(prefix).length - SHOWN_TAIL < MIN_HIDDEN) prefix = '';
	return `${prefix}…${chars.slice(-SHOWN_TAIL).join('')}`;
}
