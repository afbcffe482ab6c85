import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openServer} from '../source/db/connect.js';
import type {Database} from '../source/db/types.js';
import {conflictSentence} from '../source/domain/conflict.js';
import {ConflictError} from '../source/errors.js';
import {tailAudit} from '../source/services/audit.js';
import {conflictOf, saveOverConflict} from '../source/services/conflicts.js';
import type {ServiceContext} from '../source/services/context.js';
import {presentError} from '../source/services/faults.js';
import {addKey, listKeys, setKeyPriority, setKeyStatus, updateKey} from '../source/services/keys.js';
import {addModel, listModels, updateModel} from '../source/services/models.js';
import {createProvider, getProvider, setProviderEnabled, updateProvider} from '../source/services/providers.js';
import {getSettings, setSetting} from '../source/services/settings.js';
import {runCli} from './support/cli.js';
import {databaseKind} from './support/db.js';
import {rowCounts, testContext, type TestContext} from './support/context.js';

/**
 * Two operators on one row (RELIABILITY case 28): both edit a provider, a model, a key and a
 * setting from the same version. On a real server they are two service contexts on two
 * connections of one database; on the embedded database (one process by design) two contexts
 * in this process. Every race ends with both changes intact or an explicit conflict that says
 * who changed what and when — and nothing written by the loser. Saving over the conflict puts
 * only the loser's fields over the row as the conflict found it.
 */

let c: TestContext;
/** The second operator's database: its own connections on a server, the same database embedded. */
let second: Database;
let alice: ServiceContext;
let bob: ServiceContext;
let counter = 0;

beforeAll(async () => {
	c = await testContext();
	second = c.t.url ? await openServer(c.t.url) : c.t.db;
	alice = c.as('alice@ops');
	bob = {...c.as('bob@ops'), db: second};
});

afterAll(async () => {
	if (second !== c.t.db) await second.close();
	await c.t.drop();
});

function unique(prefix: string): string {
	return `${prefix}-${++counter}`;
}

async function lost(work: () => Promise<unknown>): Promise<ConflictError> {
	const error = await work().then(
		() => undefined,
		(caught: unknown) => caught,
	);
	expect(error).toBeInstanceOf(ConflictError);
	return error as ConflictError;
}

describe(`case 28: two operators, one row (${databaseKind})`, () => {
	it('case 28: a provider edited by both from one version — the second hears who changed it, when and which fields; nothing of theirs is written; saving over it keeps both changes', async () => {
		const provider = await createProvider(c.ctx, {name: unique('groq-prod'), type: 'groq', rateLimits: {rpm: 30}});
		await updateProvider(bob, provider.id, 1, {baseUrl: 'https://gateway.example/groq/v1', rateLimits: {rpm: 5}});
		const before = await rowCounts(c.ctx);
		const conflict = await lost(() => updateProvider(alice, provider.id, 1, {capabilities: ['tools', 'streaming']}));
		expect(conflict.message).toMatch(new RegExp(`^Provider ${provider.name} was changed by bob@ops \\d+ s ago: base URL, rpm$`));
		expect(conflict.details).toMatchObject({targetType: 'provider', targetId: provider.id, expectedVersion: 1, currentVersion: 2, actors: ['bob@ops'], fields: ['base URL', 'rpm']});
		expect(conflict.details!.changedAt).toBeInstanceOf(Date);
		expect(conflict.hint).toBe('nothing was saved; review their values, then save yours over theirs (headless: run it again with --expect-version 2)');
		expect(presentError(conflict)).toMatchObject({unexpected: false});
		// Nothing of the loser's: no row, no audit row.
		expect(await rowCounts(c.ctx)).toEqual(before);
		expect((await getProvider(c.ctx, provider.id)).capabilities).toEqual([]);

		// "Your values over theirs": only the loser's fields, on top of the row as the conflict found it.
		const saved = await saveOverConflict(alice, conflict, {capabilities: ['tools', 'streaming']});
		expect(saved).toMatchObject({version: 3, capabilities: ['tools', 'streaming'], baseUrl: 'https://gateway.example/groq/v1', rateLimits: {rpm: 5}});
		const [audit] = await tailAudit(c.ctx, 1);
		expect(audit).toMatchObject({actor: 'alice@ops', action: 'provider.update', details: {version: 3, fields: ['capabilities']}});
	});

	it('case 28: the same field edited by both — saving over the conflict puts the loser’s value there, explicitly, and keeps every other field', async () => {
		const provider = await createProvider(c.ctx, {name: unique('same-field'), type: 'openai', rateLimits: {rpm: 30, rps: 2}});
		await updateProvider(bob, provider.id, 1, {rateLimits: {rpm: 5}});
		const conflict = await lost(() => updateProvider(alice, provider.id, 1, {rateLimits: {rpm: 90}}));
		expect(conflict.details?.fields).toEqual(['rpm']);
		const saved = await saveOverConflict(alice, conflict, {rateLimits: {rpm: 90}});
		expect(saved).toMatchObject({version: 3, rateLimits: {rpm: 90, rps: 2}});
	});

	it('case 28: a row that moved again after the conflict was shown is never overwritten: saving over it is a new conflict naming the new change', async () => {
		const provider = await createProvider(c.ctx, {name: unique('moved-again'), type: 'openai'});
		await updateProvider(bob, provider.id, 1, {rateLimits: {rpm: 5}});
		const conflict = await lost(() => updateProvider(alice, provider.id, 1, {capabilities: ['tools']}));
		// While alice looks at the conflict, carol disables the provider.
		await setProviderEnabled(c.as('carol@ops'), provider.id, false, 2);
		const again = await lost(() => saveOverConflict(alice, conflict, {capabilities: ['tools']}));
		expect(again.details).toMatchObject({expectedVersion: 2, currentVersion: 3, actors: ['carol@ops'], fields: ['enabled']});
		expect(again.message).toMatch(new RegExp(`^Provider ${provider.name} was changed by carol@ops \\d+ s ago: enabled$`));
		expect((await getProvider(c.ctx, provider.id)).capabilities).toEqual([]);
		// Seen now: saving over this one lands, with bob's and carol's changes intact.
		expect(await saveOverConflict(alice, again, {capabilities: ['tools']})).toMatchObject({version: 4, capabilities: ['tools'], enabled: false, rateLimits: {rpm: 5}});
	});

	it('case 28: the same for a model, a key (label, priority, status) and a setting', async () => {
		const provider = await createProvider(c.ctx, {name: unique('mixed'), type: 'openai'});

		const model = await addModel(c.ctx, provider.id, {modelName: 'gpt-4o-mini', alias: 'small'});
		await updateModel(bob, model.id, 1, {displayLabel: 'Mini'});
		const modelConflict = await lost(() => updateModel(alice, model.id, 1, {alias: 'tiny'}));
		expect(modelConflict.message).toMatch(/^Model gpt-4o-mini was changed by bob@ops \d+ s ago: display label$/);
		expect(await saveOverConflict(alice, modelConflict, {alias: 'tiny'})).toMatchObject({version: 3, alias: 'tiny', displayLabel: 'Mini'});

		const key = await addKey(c.ctx, provider.id, {secret: 'sk-fake-conflict-0123456789abcdef', label: 'ci'});
		await setKeyPriority(bob, key.id, 5, 1);
		await updateKey(bob, key.id, 2, {label: 'ci-old'});
		const keyConflict = await lost(() => setKeyStatus(alice, key.id, 'disabled', 1));
		expect(keyConflict.message).toMatch(/^Key ci-old \([0-9a-f]{8}\) was changed by bob@ops \d+ s ago: priority, label$/);
		expect(keyConflict.details).toMatchObject({targetType: 'key', currentVersion: 3});
		const savedKey = await saveOverConflict(alice, keyConflict, {status: 'disabled'});
		expect(savedKey).toMatchObject({version: 4, status: 'disabled', priority: 5, label: 'ci-old'});
		expect((await listKeys(c.ctx, provider.id))[0]).toMatchObject({status: 'disabled', priority: 5, label: 'ci-old'});

		await setSetting(bob, 'temperature', 0.5, 0);
		const settingConflict = await lost(() => setSetting(alice, 'temperature', 0.9, 0));
		expect(settingConflict.message).toMatch(/^Setting temperature was changed by bob@ops \d+ s ago: value$/);
		expect(conflictOf(settingConflict)).toMatchObject({targetType: 'setting', targetId: 'temperature', currentVersion: 1});
		await saveOverConflict(alice, settingConflict, 0.9);
		expect(await getSettings(c.ctx)).toMatchObject({values: {temperature: 0.9}, versions: {temperature: 2}});
	});

	it('case 28: edits racing at the same moment (on a server, on separate connections) — exactly one lands per row, the other is a conflict, never a silent overwrite', async () => {
		const provider = await createProvider(c.ctx, {name: unique('race'), type: 'openai', rateLimits: {rpm: 1}});
		const model = await addModel(c.ctx, provider.id, {modelName: 'race-model'});
		const key = await addKey(c.ctx, provider.id, {secret: 'sk-fake-race-0123456789abcdefghij', label: 'race'});
		const version = (await getSettings(c.ctx)).versions.max_output_tokens ?? 0;
		const races: Array<[() => Promise<unknown>, () => Promise<unknown>]> = [
			[() => updateProvider(alice, provider.id, 1, {rateLimits: {rpm: 10}}), () => updateProvider(bob, provider.id, 1, {capabilities: ['tools']})],
			[() => updateModel(alice, model.id, 1, {alias: 'a'}), () => updateModel(bob, model.id, 1, {displayLabel: 'B'})],
			[() => updateKey(alice, key.id, 1, {priority: 3}), () => updateKey(bob, key.id, 1, {label: 'b'})],
			[() => setSetting(alice, 'max_output_tokens', 100, version), () => setSetting(bob, 'max_output_tokens', 200, version)],
		];
		for (const [first, secondEdit] of races) {
			const results = await Promise.allSettled([first(), secondEdit()]);
			const rejected = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
			expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
			expect(rejected).toHaveLength(1);
			expect(rejected[0]!.reason).toBeInstanceOf(ConflictError);
			const details = (rejected[0]!.reason as ConflictError).details!;
			expect(details.actors).toHaveLength(1);
			expect(['alice@ops', 'bob@ops']).toContain(details.actors[0]);
			expect(details.fields.length).toBeGreaterThan(0);
		}
		// Each row moved exactly one version: the loser wrote nothing.
		expect((await getProvider(c.ctx, provider.id)).version).toBe(2);
		expect((await listModels(c.ctx, provider.id))[0]!.version).toBe(2);
		expect((await listKeys(c.ctx, provider.id))[0]!.version).toBe(2);
		expect((await getSettings(c.ctx)).versions.max_output_tokens).toBe(version + 1);
	});

	it('case 28: the sentence re-renders with the age as of now (the dashboard redraws it as seconds pass)', () => {
		const changedAt = new Date('2026-11-24T10:00:00Z');
		const details = {targetType: 'provider', targetId: 'x', subject: 'Provider groq-prod', expectedVersion: 1, currentVersion: 3, actors: ['bob@ops', 'alice@ops'], changedAt, fields: ['base URL', 'rpm']} as const;
		expect(conflictSentence(details, new Date('2026-11-24T10:00:12Z'))).toBe('Provider groq-prod was changed by bob@ops and alice@ops 12 s ago: base URL, rpm');
		expect(conflictSentence(details, new Date('2026-11-24T10:03:00Z'))).toBe('Provider groq-prod was changed by bob@ops and alice@ops 3 min ago: base URL, rpm');
		expect(conflictSentence({...details, actors: [], changedAt: null, fields: []})).toBe('Provider groq-prod was changed by someone else');
	});
});

describe(`case 28: headless edits keep --expect-version (${databaseKind})`, () => {
	const env = () => ({ENCRYPTION_KEY: c.keyHex, EVAL752_ACTOR: 'alice@ops'});
	const cli = (...argv: string[]) => runCli(argv, {database: c.t.db, env: env()});

	it('case 28: a stale --expect-version names who changed what and the version to give; run again with it, only the given flags land', async () => {
		const provider = await createProvider(c.ctx, {name: unique('headless'), type: 'groq', rateLimits: {rpm: 30}});
		await updateProvider(bob, provider.id, 1, {baseUrl: 'https://gateway.example/v1', rateLimits: {rpm: 5}});
		const stale = await cli('providers', 'edit', provider.name, '--rps', '3', '--expect-version', '1');
		expect(stale.code).toBe(1);
		expect(stale.stdout).toBe('');
		expect(stale.stderr).toMatch(
			new RegExp(`^eval752: Provider ${provider.name} was changed by bob@ops \\d+ s ago: base URL, rpm — nothing was saved; review their values, then save yours over theirs \\(headless: run it again with --expect-version 2\\)\\n$`),
		);
		const again = await cli('providers', 'edit', provider.name, '--rps', '3', '--expect-version', '2');
		expect(again).toMatchObject({code: 0, stdout: `Provider ${provider.name} updated (version 3)\n`});
		expect(await getProvider(c.ctx, provider.id)).toMatchObject({baseUrl: 'https://gateway.example/v1', rateLimits: {rpm: 5, rps: 3}});

		const model = await addModel(c.ctx, provider.id, {modelName: unique('m')});
		await updateModel(bob, model.id, 1, {alias: 'theirs'});
		expect((await cli('models', 'edit', model.id, '--label', 'Mine', '--expect-version', '1')).stderr).toMatch(/was changed by bob@ops \d+ s ago: alias — nothing was saved; .* --expect-version 2\)$/m);
		expect((await cli('models', 'edit', model.id, '--label', 'Mine', '--expect-version', '2')).code).toBe(0);
		expect((await listModels(c.ctx, provider.id)).find((entry) => entry.id === model.id)).toMatchObject({alias: 'theirs', displayLabel: 'Mine'});

		const key = await addKey(c.ctx, provider.id, {secret: 'sk-fake-headless-0123456789abcdef', label: 'ci'});
		await setKeyPriority(bob, key.id, 9, 1);
		const staleKey = await cli('keys', 'edit', key.id.slice(0, 8), '--label', 'prod', '--expect-version', '1');
		expect(staleKey.stderr).toMatch(/^eval752: Key ci \([0-9a-f]{8}\) was changed by bob@ops \d+ s ago: priority — nothing was saved; .* --expect-version 2\)$/m);
		const editedKey = await cli('keys', 'edit', key.id.slice(0, 8), '--label', 'prod', '--expect-version', '2');
		expect(editedKey.stdout).toBe(`Key ${key.displayHint} (${key.id.slice(0, 8)}) updated: label "prod", priority 9 (version 3)\n`);

		await setSetting(bob, 'smoke_prompt', 'Say pong.', (await getSettings(c.ctx)).versions.smoke_prompt ?? 0);
		const settingVersion = (await getSettings(c.ctx)).versions.smoke_prompt!;
		const staleSetting = await cli('settings', 'set', 'smoke_prompt', 'Say ping.', '--expect-version', String(settingVersion - 1));
		expect(staleSetting.stderr).toMatch(new RegExp(`^eval752: Setting smoke_prompt was changed by bob@ops \\d+ s ago: value — nothing was saved; .* --expect-version ${settingVersion}\\)$`, 'm'));
		expect((await cli('settings', 'set', 'smoke_prompt', 'Say ping.', '--expect-version', String(settingVersion))).code).toBe(0);
		expect((await getSettings(c.ctx)).values.smoke_prompt).toBe('Say ping.');
	});
});
