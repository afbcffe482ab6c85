import {describe, expect, it} from 'vitest';
import {appReducer, currentView, initialAppState, scopesFor, type AppState} from './app-state.js';

const after = (...actions: Parameters<typeof appReducer>[1][]): AppState => actions.reduce(appReducer, initialAppState);

describe('the dashboard reducer, as a plain function', () => {
	it('opens views on a stack and Esc goes back where the operator came from, never past the board', () => {
		const state = after({type: 'open', view: {kind: 'provider', providerId: 'p1'}}, {type: 'open', view: {kind: 'runs', providerId: 'p1'}});
		expect(state.views.map((view) => view.kind)).toEqual(['board', 'provider', 'runs']);
		const back = appReducer(appReducer(appReducer(state, {type: 'back'}), {type: 'back'}), {type: 'back'});
		expect(back.views).toEqual([{kind: 'board'}]);
	});

	it('`show` (S, L, A, :) puts one view over the board; `replace` swaps the top view', () => {
		const state = after({type: 'open', view: {kind: 'provider', providerId: 'p1'}}, {type: 'show', view: {kind: 'audit'}});
		expect(state.views).toEqual([{kind: 'board'}, {kind: 'audit'}]);
		const swapped = appReducer(after({type: 'open', view: {kind: 'auditRow', seq: 1}}), {type: 'open', view: {kind: 'auditRow', seq: 2}, replace: true});
		expect(swapped.views).toEqual([{kind: 'board'}, {kind: 'auditRow', seq: 2}]);
	});

	it('focus goes back to the board and ends a dialog; the pane cycle wraps both ways', () => {
		const state = after({type: 'open', view: {kind: 'audit'}}, {type: 'mode', mode: {kind: 'help'}}, {type: 'focus', pane: 'models'});
		expect(state).toMatchObject({focus: 'models', views: [{kind: 'board'}], mode: {kind: 'normal'}});
		expect(appReducer(initialAppState, {type: 'cycle', step: -1}).focus).toBe('smoke');
		expect(after({type: 'focus', pane: 'smoke'}, {type: 'cycle', step: 1}).focus).toBe('providers');
	});

	it('a flash is cleared only by its own timer, not by an older one', () => {
		const first = after({type: 'flash', text: 'Saved', tone: 'ok'});
		const second = appReducer(first, {type: 'flash', text: 'Deleted', tone: 'ok'});
		expect(appReducer(second, {type: 'clearFlash', id: first.flash!.id}).flash?.text).toBe('Deleted');
		expect(appReducer(second, {type: 'clearFlash', id: second.flash!.id}).flash).toBeNull();
	});

	it('`:provider NAME` asked twice for the same provider is two asks', () => {
		const once = after({type: 'selectProvider', id: 'p1'});
		const twice = appReducer(once, {type: 'selectProvider', id: 'p1'});
		expect(twice.providerRequest).toEqual({id: 'p1', seq: once.providerRequest!.seq + 1});
	});

	it('the live key scopes: the focused pane or the open view first, then lists, then global keys', () => {
		expect(scopesFor(currentView(initialAppState), 'keys')).toEqual(['keys', 'list', 'global']);
		expect(scopesFor({kind: 'auditRow', seq: 3}, 'providers')).toEqual(['detail', 'list', 'global']);
		expect(scopesFor({kind: 'compare'}, 'providers')).toEqual(['compare', 'global']);
		expect(scopesFor({kind: 'audit'}, 'providers')).toEqual(['audit', 'list', 'global']);
	});
});
