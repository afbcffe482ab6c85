import {describe, expect, it} from 'vitest';
import {appReducer, currentView, initialAppState, type AppAction, type AppState} from './app-state.js';

function run(...actions: AppAction[]): AppState {
	return actions.reduce(appReducer, initialAppState);
}

describe('the App reducer', () => {
	it('cycles focus through the board panes in both directions, wrapping', () => {
		expect(run({type: 'cycle', step: 1}).focus).toBe('keys');
		expect(run({type: 'cycle', step: -1}).focus).toBe('smoke');
		expect(run({type: 'cycle', step: 1}, {type: 'cycle', step: 1}, {type: 'cycle', step: 1}, {type: 'cycle', step: 1}).focus).toBe('providers');
	});

	it('keeps views as a stack: open pushes, replace swaps the top, back pops but never the board', () => {
		const opened = run({type: 'open', view: {kind: 'provider', providerId: 'p1'}}, {type: 'open', view: {kind: 'runs', providerId: 'p1'}});
		expect(opened.views.map((view) => view.kind)).toEqual(['board', 'provider', 'runs']);
		const replaced = appReducer(opened, {type: 'open', view: {kind: 'run', runId: 'r1', runKind: 'smoke'}, replace: true});
		expect(replaced.views.map((view) => view.kind)).toEqual(['board', 'provider', 'run']);
		expect(currentView(appReducer(replaced, {type: 'back'}))).toEqual({kind: 'provider', providerId: 'p1'});
		expect(appReducer(initialAppState, {type: 'back'})).toBe(initialAppState);
		// Replacing with only the board below pushes instead: the board stays.
		expect(run({type: 'open', view: {kind: 'audit'}, replace: true}).views.map((view) => view.kind)).toEqual(['board', 'audit']);
	});

	it('show jumps from anywhere to board + one view; focus returns to the board', () => {
		const deep = run({type: 'open', view: {kind: 'provider', providerId: 'p1'}}, {type: 'open', view: {kind: 'auditRow', seq: 4}});
		expect(appReducer(deep, {type: 'show', view: {kind: 'settings'}}).views).toEqual([{kind: 'board'}, {kind: 'settings'}]);
		expect(appReducer(deep, {type: 'show', view: {kind: 'board'}}).views).toEqual([{kind: 'board'}]);
		expect(appReducer(deep, {type: 'focus', pane: 'models'})).toMatchObject({focus: 'models', views: [{kind: 'board'}], mode: {kind: 'normal'}});
	});

	it('opening or leaving a view ends any line input', () => {
		const typing = run({type: 'mode', mode: {kind: 'line', line: 'command'}});
		expect(typing.mode).toEqual({kind: 'line', line: 'command'});
		expect(appReducer(typing, {type: 'open', view: {kind: 'audit'}}).mode).toEqual({kind: 'normal'});
		expect(appReducer(appReducer(typing, {type: 'open', view: {kind: 'audit'}}), {type: 'back'}).mode).toEqual({kind: 'normal'});
	});

	it('a provider request is a new ask each time, even for the same id', () => {
		const once = run({type: 'selectProvider', id: 'p1'});
		const twice = appReducer(once, {type: 'selectProvider', id: 'p1'});
		expect(once.providerRequest).toEqual({id: 'p1', seq: 1});
		expect(twice.providerRequest).toEqual({id: 'p1', seq: 2});
	});

	it('clears a flash only if it is still the one shown', () => {
		const first = run({type: 'flash', text: 'Key rotated', tone: 'ok'});
		const second = appReducer(first, {type: 'flash', text: 'Settings saved', tone: 'ok'});
		expect(appReducer(second, {type: 'clearFlash', id: first.flash!.id})).toBe(second);
		expect(appReducer(second, {type: 'clearFlash', id: second.flash!.id}).flash).toBeNull();
	});

	it('keeps the two filters apart', () => {
		expect(run({type: 'filter', filter: 'groq'}, {type: 'auditFilter', filter: 'actor:alice'})).toMatchObject({filter: 'groq', auditFilter: 'actor:alice'});
	});
});
