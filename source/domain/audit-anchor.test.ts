import {describe, expect, it} from 'vitest';
import {chainIdOf, formatAnchor, parseAnchors, type AuditAnchor} from './audit-anchor.js';

const ANCHOR: AuditAnchor = {chain: '0123456789abcdef', seq: 1200, rows: 1200, hash: 'ab'.repeat(32), at: '2026-11-24T09:10:02.123Z'};
const LINE = `eval752-audit-anchor v1 chain=0123456789abcdef seq=1200 rows=1200 hash=${'ab'.repeat(32)} at=2026-11-24T09:10:02.123Z`;

describe('audit anchors', () => {
	it('formats one line and parses it back', () => {
		expect(formatAnchor(ANCHOR)).toBe(LINE);
		expect(parseAnchors(LINE)).toEqual([ANCHOR]);
		expect(chainIdOf(Buffer.from('0123456789abcdef00', 'hex'))).toBe('0123456789abcdef');
	});

	it('finds anchors anywhere in a line (the JSON log file), each once, in order', () => {
		const other = {...ANCHOR, seq: 1300, rows: 1300};
		const text = [
			`{"at":"2026-11-24T09:10:02.200Z","level":"info","message":"audit anchor","anchor":"${LINE}"}`,
			'unrelated line',
			`syslog: ${formatAnchor(other)}`,
			LINE,
		].join('\n');
		expect(parseAnchors(text)).toEqual([ANCHOR, other]);
	});

	it('ignores anything that is not exactly an anchor', () => {
		for (const bad of [
			LINE.replace('v1', 'v2'),
			LINE.replace('chain=0123456789abcdef', 'chain=0123456789ABCDEF'),
			LINE.replace('seq=1200', 'seq=0'),
			LINE.replace('seq=1200', 'seq=-3'),
			LINE.replace(/hash=[0-9a-f]{64}/, `hash=${'ab'.repeat(31)}`),
			LINE.replace('at=2026-11-24T09:10:02.123Z', 'at=yesterday'),
			LINE.replace(' ', '\u001b[2J'),
		]) {
			expect(parseAnchors(bad), bad).toEqual([]);
		}
	});
});
