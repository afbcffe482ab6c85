import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openServer} from '../../source/db/connect.js';
import type {Database} from '../../source/db/types.js';
import {addKey, listKeys, updateKey} from '../../source/services/keys.js';
import {addModel, listModels, updateModel} from '../../source/services/models.js';
import {createProvider, getProvider, updateProvider} from '../../source/services/providers.js';
import {getSettings, setSetting} from '../../source/services/settings.js';
import type {ServiceContext} from '../../source/services/context.js';
import type {Provider} from '../../source/domain/provider.js';
import {databaseKind} from '../support/db.js';
import {testContext, type TestContext} from '../support/context.js';
import {renderDashboard, type Dashboard} from '../render.js';

/**
 * RELIABILITY case 28, the dashboard's half: a form holds the version it opened with, even after
 * live refresh has shown another operator's newer row. Saving then is an explicit conflict that
 * names who changed which fields; Enter puts the operator's own fields over theirs (theirs stay
 * on every other field), Esc keeps theirs. Never a silent overwrite. On a real server the other
 * operator is a second connection; on the embedded database, a second context in this process.
 */
let c: TestContext;
let bob: ServiceContext;
let second: Database | undefined;
let provider: Provider;

beforeAll(async () => {
	c = await testContext();
	if (c.t.url) {
		second = await openServer(c.t.url);
		bob = {...c.ctx, db: second, actor: 'bob@ops'};
	} else {
		bob = c.as('bob@ops');
	}
	provider = await createProvider(c.ctx, {name: 'conflicted', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', rateLimits: {rpm: 10}});
	await addModel(c.ctx, provider.id, {modelName: 'conf-model', alias: 'before'});
	await addKey(c.ctx, provider.id, {secret: 'sk-conf-0123456789abcdefghijkl', label: 'ci'});
});
afterAll(async () => {
	await second?.close();
	await c.t.drop();
});

async function openForm(ui: Dashboard, keys: string[], title: RegExp): Promise<void> {
	await ui.waitFor(/conflicted/);
	await ui.press(...keys);
	await ui.waitFor(title);
}

describe(`a form meets another operator's save (case 28, ${databaseKind})`, () => {
	it('case 28: provider — the conflict names bob and the field; Enter keeps both changes', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await openForm(ui, ['1', 'e'], /Edit provider conflicted/);
			// Our change: rpm 10 → 25 (Requests/min is the sixth field).
			await ui.press('tab', 'tab', 'tab', 'tab', 'tab');
			await ui.waitFor(/› Requests\/min/);
			await ui.press('ctrl-u');
			await ui.type('25');
			// Theirs, meanwhile: the base URL.
			await updateProvider(bob, provider.id, (await getProvider(c.ctx, provider.id)).version, {baseUrl: 'http://127.0.0.1:10/v1'});
			await ui.press('enter');
			const shown = await ui.waitFor(/changed by bob@ops/);
			expect(shown).toMatch(/Provider conflicted was changed by bob@ops \d+ s ago: base URL/);
			expect(shown).toContain('Enter saves your values over theirs');
			// Nothing was written by that save.
			expect((await getProvider(c.ctx, provider.id)).rateLimits.rpm).toBe(10);
			await ui.press('enter');
			await ui.waitFor('Provider conflicted saved');
			const now = await getProvider(c.ctx, provider.id);
			expect(now.baseUrl).toBe('http://127.0.0.1:10/v1');
			expect(now.rateLimits.rpm).toBe(25);
		} finally {
			ui.unmount();
		}
	});

	it('case 28: model — Esc after the conflict keeps their values and writes nothing of ours', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await openForm(ui, ['3', 'e'], /Edit model conf-model/);
			await ui.press('tab', 'tab', 'ctrl-u');
			await ui.type('ours');
			const [model] = await listModels(c.ctx, provider.id);
			await updateModel(bob, model!.id, model!.version, {displayLabel: 'theirs'});
			await ui.press('enter');
			await ui.waitFor(/Model conf-model was changed by bob@ops \d+ s ago: display label/);
			await ui.press('escape');
			await ui.waitFor(/\[3\] Models/);
			const [after] = await listModels(c.ctx, provider.id);
			expect(after).toMatchObject({alias: 'before', displayLabel: 'theirs'});
		} finally {
			ui.unmount();
		}
	});

	it('case 28: key — our label over their priority change: both stay', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await openForm(ui, ['2', 'e'], /Edit key sk-conf-…ijkl/);
			await ui.press('ctrl-u');
			await ui.type('renamed');
			const [key] = await listKeys(c.ctx, provider.id);
			await updateKey(bob, key!.id, key!.version, {priority: 7});
			await ui.press('enter');
			await ui.waitFor(/changed by bob@ops \d+ s ago: priority/);
			await ui.press('enter');
			await ui.waitFor(/Key sk-conf-…ijkl saved/);
			const [after] = await listKeys(c.ctx, provider.id);
			expect(after).toMatchObject({label: 'renamed', priority: 7});
		} finally {
			ui.unmount();
		}
	});

	it('case 28: setting — the form keeps the version it opened with after live refresh showed theirs', async () => {
		const ui = await renderDashboard(c.ctx);
		try {
			await ui.waitFor(/conflicted/);
			await ui.press('S');
			await ui.waitFor('timeout_ms');
			await ui.press('enter');
			await ui.waitFor('Setting timeout_ms');
			await ui.press('ctrl-u');
			await ui.type('45000');
			await setSetting(bob, 'timeout_ms', 50000, (await getSettings(c.ctx)).versions.timeout_ms ?? 0);
			await ui.press('enter');
			await ui.waitFor(/Setting timeout_ms was changed by bob@ops \d+ s ago: value/);
			expect((await getSettings(c.ctx)).values.timeout_ms).toBe(50000);
			await ui.press('enter');
			await ui.waitFor('Setting timeout_ms saved');
			expect((await getSettings(c.ctx)).values.timeout_ms).toBe(45000);
		} finally {
			ui.unmount();
		}
	});
});
