import {randomBytes} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ConflictError, NotFoundError, UserError, ValidationError} from '../source/errors.js';
import {tailAudit} from '../source/services/audit.js';
import {addKey, deleteKey, keyForCall, listKeys, recordValidation, resolveKey, setKeyPriority, setKeyStatus} from '../source/services/keys.js';
import {createProvider} from '../source/services/providers.js';
import type {Provider} from '../source/domain/provider.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext, expectRefused} from './support/context.js';

let c: TestContext;
let provider: Provider;
let serial = 0;

beforeAll(async () => {
	c = await testContext();
	provider = await createProvider(c.ctx, {name: 'OpenAI', type: 'openai'});
});

afterAll(async () => {
	await c.t.drop();
});

function secret(prefix = 'sk-proj-'): string {
	return `${prefix}${randomBytes(18).toString('hex')}`;
}

async function newProvider(): Promise<Provider> {
	serial++;
	return createProvider(c.ctx, {name: `keys-provider-${serial}`, type: 'groq'});
}

const refused = (work: () => Promise<unknown>, field: string, message: RegExp) => expectRefused(c.ctx, work, field, message);

describe(`keys (${databaseKind})`, () => {
	it('adds a key encrypted, shows only its hint, and audits hint and label only', async () => {
		const plain = secret();
		const key = await addKey(c.ctx, 'openai', {secret: `${plain}\n`, label: 'ci'});
		expect(key).toMatchObject({providerId: provider.id, label: 'ci', status: 'active', priority: 0, version: 1, displayHint: `sk-proj-…${plain.slice(-4)}`, lastValidation: null});
		expect(JSON.stringify(key)).not.toContain(plain);
		const [row] = await c.ctx.db.sql<{ciphertext: string}[]>`select ciphertext from provider_keys where id = ${key.id}`;
		expect(row!.ciphertext).toMatch(/^v1:/);
		expect(row!.ciphertext).not.toContain(plain);
		const [audit] = await tailAudit(c.ctx, 1);
		expect(audit).toMatchObject({action: 'key.add', targetType: 'key', targetId: key.id});
		expect(audit!.details).toEqual({provider: 'OpenAI', providerId: provider.id, after: {label: 'ci', displayHint: key.displayHint, status: 'active', priority: 0}});
	});

	it('refuses the same secret anywhere, naming where it is stored, without writing', async () => {
		const plain = secret();
		const first = await addKey(c.ctx, provider.id, {secret: plain, label: 'team budget'});
		const other = await newProvider();
		const before = await rowCounts(c.ctx);
		await expect(addKey(c.ctx, other.name, {secret: ` ${plain} `})).rejects.toThrow(`This key is already stored as team budget (${first.id.slice(0, 8)}) on provider OpenAI`);
		expect(await rowCounts(c.ctx)).toEqual(before);
		const unlabelled = await addKey(c.ctx, other.name, {secret: secret('gsk_')});
		const error = await addKey(c.ctx, provider.name, {secret: await keyForCall(c.ctx, other.id, unlabelled.id).then((call) => call!.secret)}).catch((caught: unknown) => caught);
		expect((error as Error).message).toBe(`This key is already stored as ${unlabelled.id.slice(0, 8)} on provider ${other.name}`);
	});

	it('lists active keys first, then by priority, then oldest', async () => {
		const p = await newProvider();
		const a = await addKey(c.ctx, p.id, {secret: secret(), label: 'a', priority: 5});
		const b = await addKey(c.ctx, p.id, {secret: secret(), label: 'b', priority: 1});
		const d = await addKey(c.ctx, p.id, {secret: secret(), label: 'd', priority: 0, status: 'disabled'});
		const e = await addKey(c.ctx, p.id, {secret: secret(), label: 'e', priority: 5});
		expect((await listKeys(c.ctx, p.id)).map((key) => key.label)).toEqual(['b', 'a', 'e', 'd']);
		expect(d.disabledAt).toBeInstanceOf(Date);
		expect([a, b, e].every((key) => key.disabledAt === null)).toBe(true);
	});

	it('resolves a key by id or unambiguous prefix of 4+ characters', async () => {
		const key = await addKey(c.ctx, provider.id, {secret: secret()});
		expect((await resolveKey(c.ctx, key.id)).id).toBe(key.id);
		expect((await resolveKey(c.ctx, key.id.slice(0, 8).toUpperCase())).id).toBe(key.id);
		await expect(resolveKey(c.ctx, key.id.slice(0, 3))).rejects.toThrow(ValidationError);
		await expect(resolveKey(c.ctx, 'ffffffff-ffff-4fff-bfff-ffffffffffff')).rejects.toThrow(NotFoundError);
		await expect(resolveKey(c.ctx, "abcd'; --")).rejects.toThrow(/first 4 or more characters/);
		// 16 keys share every 1-hex-digit prefix with high probability: a 4-char prefix that matches two is refused.
		const ids = (await c.ctx.db.sql<{id: string}[]>`select id::text as id from provider_keys`).map((row) => row.id);
		const shared = ids.map((id) => id.slice(0, 4)).find((prefix, index, all) => all.indexOf(prefix) !== index);
		if (shared) await expect(resolveKey(c.ctx, shared)).rejects.toThrow(/matches \d/);
	});

	it('disables and enables with a version check, audited, refusing a no-op', async () => {
		const key = await addKey(c.ctx, provider.id, {secret: secret(), label: 'rotating'});
		const disabled = await setKeyStatus(c.as('alice@ops'), key.id, 'disabled', 1);
		expect(disabled).toMatchObject({status: 'disabled', version: 2});
		expect(disabled.disabledAt).toBeInstanceOf(Date);
		const [audit] = await tailAudit(c.ctx, 1);
		expect(audit).toMatchObject({action: 'key.disable', actor: 'alice@ops', details: {label: 'rotating', displayHint: key.displayHint, before: {status: 'active'}, after: {status: 'disabled'}}});
		await expect(setKeyStatus(c.ctx, key.id, 'disabled')).rejects.toThrow(/already disabled/);
		const conflict = await setKeyStatus(c.as('bob@ops'), key.id, 'active', 1).catch((caught: unknown) => caught);
		expect(conflict).toBeInstanceOf(ConflictError);
		expect((conflict as ConflictError).changedBy).toBe('alice@ops');
		const enabled = await setKeyStatus(c.ctx, key.id, 'active');
		expect(enabled).toMatchObject({status: 'active', disabledAt: null, version: 3});
		expect((await tailAudit(c.ctx, 1))[0]!.action).toBe('key.enable');
	});

	it('deletes only a disabled key unless forced', async () => {
		const key = await addKey(c.ctx, provider.id, {secret: secret(), label: 'old'});
		const before = await rowCounts(c.ctx);
		await expect(deleteKey(c.ctx, key.id)).rejects.toThrow(`Key old (${key.id.slice(0, 8)}) is active`);
		expect(await rowCounts(c.ctx)).toEqual(before);
		await deleteKey(c.ctx, key.id, {force: true});
		expect((await rowCounts(c.ctx))['provider_keys']).toBe(before['provider_keys']! - 1);
		const [audit] = await tailAudit(c.ctx, 1);
		expect(audit).toMatchObject({action: 'key.delete', targetId: key.id, details: {before: {label: 'old', displayHint: key.displayHint}}});
		const disabled = await addKey(c.ctx, provider.id, {secret: secret(), status: 'disabled'});
		await deleteKey(c.ctx, disabled.id);
		await expect(resolveKey(c.ctx, disabled.id)).rejects.toThrow(NotFoundError);
		await expect(deleteKey(c.ctx, disabled.id)).rejects.toThrow(/no longer exists/);
	});

	it('sets priority; calls use the active key with the lowest priority', async () => {
		const p = await newProvider();
		expect(await keyForCall(c.ctx, p.id)).toBeNull();
		const first = secret('gsk_');
		const second = secret('gsk_');
		const a = await addKey(c.ctx, p.id, {secret: first, priority: 1});
		const b = await addKey(c.ctx, p.id, {secret: second, priority: 2});
		expect((await keyForCall(c.ctx, p.id))).toEqual({key: expect.objectContaining({id: a.id}), secret: first});
		const moved = await setKeyPriority(c.ctx, b.id, 0, 1);
		expect(moved).toMatchObject({priority: 0, version: 2});
		expect((await tailAudit(c.ctx, 1))[0]).toMatchObject({action: 'key.priority', details: {before: {priority: 2}, after: {priority: 0}}});
		expect((await keyForCall(c.ctx, p.id))!.secret).toBe(second);
		expect((await keyForCall(c.ctx, p.id, a.id.slice(0, 8)))!.secret).toBe(first);
		await setKeyStatus(c.ctx, b.id, 'disabled');
		expect((await keyForCall(c.ctx, p.id))!.key.id).toBe(a.id);
		const other = await addKey(c.ctx, provider.id, {secret: secret()});
		await expect(keyForCall(c.ctx, p.id, other.id)).rejects.toThrow(/belongs to another provider/);
	});

	it('records a validation result without bumping the version; one audit row when standalone, none inside a caller\'s transaction', async () => {
		const key = await addKey(c.ctx, provider.id, {secret: secret()});
		const at = new Date().toISOString();
		const before = await rowCounts(c.ctx);
		await recordValidation(c.ctx, key.id, {outcome: 'failed', errorClass: 'auth', message: 'Provider OpenAI rejects the key', model: 'gpt-4o-mini', at});
		expect((await rowCounts(c.ctx))['audit_log']).toBe(before['audit_log']! + 1);
		const after = await resolveKey(c.ctx, key.id);
		expect(after).toMatchObject({version: 1, lastValidation: {outcome: 'failed', errorClass: 'auth', model: 'gpt-4o-mini', at}});
		expect(after.lastValidatedAt!.toISOString()).toBe(at);
		await c.ctx.db.sql.begin(async (tx) => {
			await recordValidation(tx, key.id, {outcome: 'ok', errorClass: null, message: null, model: 'gpt-4o-mini', at});
		});
		expect((await resolveKey(c.ctx, key.id)).lastValidation!.outcome).toBe('ok');
		expect((await rowCounts(c.ctx))['audit_log']).toBe(before['audit_log']! + 1);
		await expect(recordValidation(c.ctx, key.id, {outcome: 'maybe'} as never)).rejects.toThrow(ValidationError);
	});

	it('refuses to store a key without a usable ENCRYPTION_KEY', async () => {
		const missing = {...c.ctx, keys: {status: 'missing' as const, message: 'ENCRYPTION_KEY is not set'}};
		const before = await rowCounts(c.ctx);
		await expect(addKey(missing, provider.id, {secret: secret()})).rejects.toThrow(UserError);
		expect(await rowCounts(c.ctx)).toEqual(before);
	});
});

describe(`key input hardening (${databaseKind})`, () => {
	it.each([
		['empty', '', /The key is empty/],
		['whitespace only', ' \n\t ', /The key is empty/],
		['too long', `sk-${'a'.repeat(8200)}`, /longer than 8192/],
		['wrong type', 12345, /The key must be text/],
		['a space inside', 'sk-abc def-123456789', /spaces, line breaks or control characters/],
		['a line break inside', 'sk-abc\ndef-123456789', /spaces, line breaks or control characters/],
		['an escape sequence', 'sk-abc\x1b[2Jdef123456', /control characters/],
		['a zero-width space', 'sk-abc\u200Bdef123456', /control characters/],
	])('secret: %s is refused without quoting it', async (_case, value, message) => {
		await refused(() => addKey(c.ctx, provider.id, {secret: value as string}), 'secret', message);
		const error = await addKey(c.ctx, provider.id, {secret: value as string}).catch((caught: Error) => caught);
		if (typeof value === 'string' && value.trim().length > 4) expect((error as Error).message).not.toContain(value.trim().slice(0, 6));
	});

	it.each([
		['unicode', `sk-ünïcødé-${randomBytes(8).toString('hex')}`],
		['SQL metacharacters', `sk-'";drop-table-provider_keys;--${randomBytes(8).toString('hex')}`],
	])('secret: %s is stored and decrypts exactly', async (_case, value) => {
		const key = await addKey(c.ctx, provider.id, {secret: value});
		expect((await keyForCall(c.ctx, provider.id, key.id))!.secret).toBe(value);
	});

	it.each([
		['too long', 'l'.repeat(65), /Label is 65 characters long; the limit is 64/],
		['wrong type', 5, /Label must be text/],
		['escape sequence', 'ci\x1b]0;pwned\x07', /Label can't contain control or escape characters \(found U\+001B\)/],
		['bidi override', 'ci\u202E', /found U\+202E/],
	])('label: %s is refused', async (_case, label, message) => {
		await refused(() => addKey(c.ctx, provider.id, {secret: secret(), label: label as string}), 'label', message);
	});

	it.each([
		['empty', '', ''],
		['whitespace only', '   ', ''],
		['unicode', 'équipe 東京', 'équipe 東京'],
		['SQL metacharacters', `ci'); delete from provider_keys; --`, `ci'); delete from provider_keys; --`],
	])('label: %s is stored as %j', async (_case, label, stored) => {
		const key = await addKey(c.ctx, provider.id, {secret: secret(), label});
		const [row] = await c.ctx.db.sql<{label: string}[]>`select label from provider_keys where id = ${key.id}`;
		expect(row!.label).toBe(stored);
	});

	it.each([
		['empty', ''],
		['whitespace', ' '],
		['too large', 1001],
		['negative', -1],
		['a fraction', 1.5],
		['wrong type', true],
		['unicode digits', '３'],
		['SQL metacharacters', '1; drop table x'],
		['escape sequence', '1\x1b'],
	])('priority: %s is refused', async (_case, priority) => {
		await refused(() => addKey(c.ctx, provider.id, {secret: secret(), priority: priority as number}), 'priority', /Priority must be a whole number from 0 to 1000 \(lower is used first\)/);
		const key = (await listKeys(c.ctx, provider.id))[0]!;
		await refused(() => setKeyPriority(c.ctx, key.id, priority as number), 'priority', /Priority must be a whole number/);
	});

	it('status: anything but active or disabled is refused', async () => {
		await refused(() => addKey(c.ctx, provider.id, {secret: secret(), status: 'paused' as never}), 'status', /active or disabled/);
	});
});
