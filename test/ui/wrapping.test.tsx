import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {tailTable} from '../../source/cli/commands/audit.js';
import {stripTerminalControls} from '../../source/lib/sanitize.js';
import {width} from '../../source/lib/text.js';
import {tailAudit} from '../../source/services/audit.js';
import {createProvider, updateProvider} from '../../source/services/providers.js';
import {DetailView} from '../../source/ui/components/DetailView.js';
import {databaseKind} from '../support/db.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderComponent, renderDashboard} from '../render.js';

/**
 * Detail views wrap what they show without losing a character at any break (an audit row's
 * details read back whole at 80 columns), and `audit tail` chooses columns that fit 80 without
 * cutting the time, the action or the target.
 */
let c: TestContext;

beforeAll(async () => {
	c = await testContext({actor: 'a-rather-long-operator-name@bastion-host.example (ssh 10.0.4.2)'});
});
afterAll(async () => {
	await c.t.drop();
});

/** The view's body rows, their hanging indents and frame borders taken off, joined again. */
function bodyText(frame: string): string {
	return frame
		.split('\n')
		.slice(2, -2)
		.map((line) => line.replace(/^[│┃] ?/, '').replace(/ ?[│┃]$/, '').trim())
		.join('');
}

describe(`wrapping keeps every character (${databaseKind})`, () => {
	it('a long line with no spaces, one with words and one with an escape sequence read back whole', async () => {
		const json = '{"after":{"name":"groq-prod","baseUrl":"https://api.groq.com/openai/v1","model":"gpt-4o-mini","capabilities":["system_prompt","streaming","reasoning"]}}';
		const words = 'a line of words long enough to wrap twice at this width, and every one of them must be there';
		const hostile = `before \u001B[31mred\u001B[0m after ${'x'.repeat(90)}`;
		const screen = await renderComponent(<DetailView title="Row" active width={60} height={24} lines={[{text: json, indent: 2}, {text: words}, {text: hostile}]} />, {columns: 60, rows: 24});
		try {
			const frame = await screen.waitFor(/Row/);
			const body = bodyText(frame);
			expect(body).toContain(json);
			expect(body.replace(/ /g, '')).toContain(words.replace(/ /g, ''));
			// Shown as the render boundary shows it (the escape character removed), and whole.
			expect(body.replace(/ /g, '')).toContain(stripTerminalControls(hostile).replace(/ /g, ''));
			expect(frame).not.toContain('…');
			for (const line of frame.split('\n')) expect(width(line)).toBeLessThanOrEqual(60);
		} finally {
			screen.unmount();
		}
	});

	it('an audit row in full at 80×24: its details, before → after, every character there', async () => {
		const created = await createProvider(c.ctx, {name: 'wrap-me', type: 'openai-compatible', baseUrl: 'https://gateway.internal.example/llm/openai/v1'});
		await updateProvider(c.ctx, created.id, created.version, {baseUrl: 'https://gateway-two.internal.example/llm/openai/v1'});
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/wrap-me/);
			await ui.press('L');
			await ui.waitFor(/provider\.update/);
			await ui.press('enter');
			const frame = await ui.waitFor(/Audit row/);
			const body = bodyText(frame).replace(/\s+/g, '');
			expect(body).toContain('https://gateway.internal.example/llm/openai/v1'.replace(/\s+/g, ''));
			expect(body).toContain('https://gateway-two.internal.example/llm/openai/v1');
			for (const line of frame.split('\n')) expect(width(line)).toBeLessThanOrEqual(80);
		} finally {
			ui.unmount();
		}
	});
});

describe(`audit tail at 80 columns (${databaseKind})`, () => {
	it('every line fits; seq, time, action and target are whole; the actor is cut last, the details take what is left', async () => {
		const rows = await tailAudit(c.ctx, 5);
		expect(rows.length).toBeGreaterThan(0);
		const text = tailTable(rows, 80);
		const lines = text.trimEnd().split('\n');
		for (const line of lines) expect(width(line), line).toBeLessThanOrEqual(80);
		expect(lines[0]).toMatch(/^SEQ\s+AT \(UTC\)\s+ACTOR\s+ACTION\s+TARGET/);
		for (const [i, row] of rows.entries()) {
			const iso = row.at.toISOString();
			expect(lines[i + 1]).toContain(`${iso.slice(5, 10)} ${iso.slice(11, 19)}`);
			expect(lines[i + 1]).toContain(row.action);
			expect(lines[i + 1]).toContain(`${row.targetType} ${row.targetId!.slice(0, 8)}`);
			expect(lines[i + 1]).toMatch(/a-rather-lo…/);
		}
		// Wide enough, the year and the whole actor come back.
		const wide = tailTable(rows, 200).split('\n');
		expect(wide[1]).toContain(rows[0]!.at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'));
		expect(wide[1]).toContain('a-rather-long-operator-name@bastion-host.example (ssh 10.0.4.2)');
	});
});
