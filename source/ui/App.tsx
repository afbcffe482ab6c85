import {Box, Text, useApp} from 'ink';
import {TextField} from './components/TextField.js';
import {KeyRouter, useKeys} from './keys.js';
import {useCallback, useEffect, useMemo, useReducer, useState} from 'react';
import type {ChainResult} from '../services/audit.js';
import type {Settings} from '../domain/settings.js';
import {truncate} from '../lib/text.js';
import {FlashLine, Header, HelpOverlay, HintBar} from './components/Chrome.js';
import {Pane} from './components/Pane.js';
import {KeyForm, ModelForm, ProviderForm, SettingForm} from './forms.js';
import {keymap, resolve, type Binding, type Scope} from './keymap.js';
import {AuditView} from './panes/AuditView.js';
import {AliasList, ComparisonView} from './panes/ComparisonView.js';
import {KeysView} from './panes/KeysView.js';
import {ModelsView} from './panes/ModelsView.js';
import {ProvidersView} from './panes/ProvidersView.js';
import {RotationWizard} from './panes/RotationWizard.js';
import {SettingsView, settingKeys} from './panes/SettingsView.js';
import {SmokeView} from './panes/SmokeView.js';
import {useServices} from './services.js';
import {initialUiState, uiReducer, type ListId, type PaneId} from './state.js';
import type {Theme} from './theme.js';
import {useAsyncResource, useRefreshCounter} from './use-async-resource.js';
import {useComparison} from './use-comparison.js';
import {useDatabaseHealth} from './use-database-health.js';
import {useSmoke} from './use-smoke.js';
import {useTerminalSize} from './use-terminal-size.js';

const FLASH_MS = 4000;

export interface AppProps {
	readonly theme: Theme;
	/** Called when the operator quits; the runner restores the terminal. */
	readonly onQuit?: () => void;
}

function describeError(error: unknown): string {
	const hint = (error as {hint?: string}).hint;
	return `${error instanceof Error ? error.message : String(error)}${hint ? ` — ${hint}` : ''}`;
}

/** The dashboard, with every key routed through one subscription (see keys.tsx). */
export function App(props: AppProps) {
	return (
		<KeyRouter>
			<Dashboard {...props} />
		</KeyRouter>
	);
}

function Dashboard({theme, onQuit}: AppProps) {
	const services = useServices();
	const {exit} = useApp();
	const {columns, rows} = useTerminalSize();
	const [ui, dispatch] = useReducer(uiReducer, initialUiState);
	const [refresh, bump] = useRefreshCounter();
	const [now, setNow] = useState(() => new Date());
	const [verification, setVerification] = useState<ChainResult | 'running' | undefined>(undefined);
	const [commandText, setCommandText] = useState('');
	const [promptText, setPromptText] = useState('');
	const [helpOffset, setHelpOffset] = useState(0);
	const readOnly = services.info.readOnly;

	const flash = useCallback((text: string, tone: 'ok' | 'error' | 'info' = 'info') => dispatch({type: 'flash', text, tone}), []);
	const health = useDatabaseHealth(services, () => {
		flash('Database reachable again — reloaded', 'ok');
		bump();
	});

	useEffect(() => services.onChange(bump), [services, bump]);
	useEffect(() => {
		const timer = setInterval(() => setNow(new Date()), 30_000);
		return () => clearInterval(timer);
	}, []);
	useEffect(() => {
		if (!ui.flash) return;
		const id = ui.flash.id;
		const timer = setTimeout(() => dispatch({type: 'clearFlash', id}), FLASH_MS);
		return () => clearTimeout(timer);
	}, [ui.flash]);

	// Data: the board always; the selected provider's keys and models; views when open.
	const providers = useAsyncResource(() => services.listProviders(), ['providers'], refresh);
	const filtered = useMemo(() => {
		const all = providers.data;
		if (!all || !ui.filter) return all;
		const needle = ui.filter.toLowerCase();
		return all.filter((p) => p.name.toLowerCase().includes(needle) || p.type.includes(needle));
	}, [providers.data, ui.filter]);
	const selected = filtered?.[Math.min(ui.cursor.providers, Math.max(0, filtered.length - 1))];
	const keys = useAsyncResource(selected ? () => services.listKeys(selected.id) : undefined, [selected?.id], refresh);
	const models = useAsyncResource(selected ? () => services.listModels(selected.id) : undefined, [selected?.id], refresh);
	const settings = useAsyncResource(ui.view === 'settings' ? () => services.getSettings() : undefined, [ui.view], refresh);
	const audit = useAsyncResource(ui.view === 'audit' ? () => services.auditTail(500) : undefined, [ui.view], refresh);
	const aliases = useAsyncResource(ui.view === 'aliases' ? () => services.aliasOverview() : undefined, [ui.view], refresh);

	useEffect(() => {
		const error = providers.error ?? keys.error ?? models.error;
		if (error) health.check();
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [providers.error, keys.error, models.error]);

	const selectedKey = keys.data?.[Math.min(ui.cursor.keys, Math.max(0, (keys.data?.length ?? 1) - 1))];
	const selectedModel = models.data?.[Math.min(ui.cursor.models, Math.max(0, (models.data?.length ?? 1) - 1))];

	const smoke = useSmoke(services, (result) => {
		bump();
		if (result.status === 'ok') flash(`Smoke test passed: ${result.title}`, 'ok');
		else if (result.status === 'cancelled') flash('Smoke test cancelled; the request was closed', 'info');
		else flash(`Smoke test failed: ${result.error?.message ?? 'error'}`, 'error');
	});

	const comparison = useComparison(services, (outcome) => {
		bump();
		if (outcome.status === 'cancelled') return flash(`Comparison of ${outcome.alias} cancelled: every request was closed and the run stored as cancelled`, 'info');
		if (outcome.status === 'failed') return flash(`Comparison of ${outcome.alias} not run: ${outcome.error?.message ?? 'error'}${outcome.error?.hint ? ` — ${outcome.error.hint}` : ''}`, 'error');
		const ok = outcome.results.filter((r) => r.outcome === 'ok').length;
		const failed = outcome.results.length - ok;
		flash(`Comparison of ${outcome.alias} finished: ${ok} ok${failed > 0 ? `, ${failed} failed` : ''} (stored)`, failed > 0 ? 'info' : 'ok');
	});

	const quit = useCallback(() => {
		smoke.cancel();
		comparison.cancel();
		onQuit?.();
		exit();
	}, [exit, onQuit, smoke, comparison]);

	/** Runs a mutation, reports the outcome on the flash line, reloads. A lost race reloads and says so. */
	const act = useCallback(
		(run: () => Promise<string>) => {
			run().then(
				(message) => {
					flash(message, 'ok');
					bump();
				},
				(error: unknown) => {
					const name = (error as {name?: string}).name;
					if (name === 'ConflictError') flash(describeError(error), 'error');
					else flash(describeError(error), 'error');
					bump();
					health.check();
				},
			);
		},
		[bump, flash, health],
	);

	const listFor = (): {id: ListId; count: number} | undefined => {
		if (ui.view === 'settings') return {id: 'settings', count: settingKeys().length};
		if (ui.view === 'audit') return {id: 'audit', count: audit.data?.length ?? 0};
		if (ui.view === 'aliases') return {id: 'aliases', count: aliases.data?.length ?? 0};
		if (ui.focus === 'providers') return {id: 'providers', count: filtered?.length ?? 0};
		if (ui.focus === 'keys') return {id: 'keys', count: keys.data?.length ?? 0};
		if (ui.focus === 'models') return {id: 'models', count: models.data?.length ?? 0};
		return undefined;
	};

	const scopes: Scope[] = ui.view === 'board' ? ['global', ui.focus] : ['global', ui.view];

	/** Runs the selected alias's comparison (c / Enter, or after typing a prompt with p). */
	const startComparison = (prompt?: string) => {
		if (readOnly) return flash('Read-only: comparisons store a run and are unavailable', 'error');
		const entry = aliases.data?.[Math.min(ui.cursor.aliases, Math.max(0, (aliases.data?.length ?? 1) - 1))];
		if (!entry) return flash('No alias to compare: give models an alias first (focus [3], e)', 'error');
		if (entry.targets === 0) return flash(`No enabled provider serves ${entry.alias}: enable one first (focus [1], t)`, 'error');
		if (comparison.running) return flash('A comparison is running: Esc cancels it', 'info');
		comparison.start(entry.alias, prompt);
		dispatch({type: 'view', view: 'compare'});
	};

	const runCommandLine = (text: string) => {
		const [verb = '', ...restWords] = text.trim().split(/\s+/);
		const rest = restWords.join(' ');
		switch (verb) {
			case 'q':
			case 'quit':
				return quit();
			case 'provider':
			case 'p': {
				const index = (providers.data ?? []).findIndex((p) => p.name.toLowerCase() === rest.toLowerCase() || p.id === rest);
				const fuzzy = index >= 0 ? index : (providers.data ?? []).findIndex((p) => p.name.toLowerCase().startsWith(rest.toLowerCase()));
				if (!rest || fuzzy < 0) return flash(`No provider named “${rest}” — :provider NAME selects one`, 'error');
				dispatch({type: 'filter', filter: ''});
				dispatch({type: 'focus', pane: 'providers'});
				return dispatch({type: 'select', list: 'providers', index: fuzzy});
			}
			case 'alias':
			case 'aliases':
				return dispatch({type: 'view', view: 'aliases', aliasQuery: rest || null});
			case 'settings':
				return dispatch({type: 'view', view: 'settings'});
			case 'audit':
				return dispatch({type: 'view', view: 'audit'});
			case 'help':
				return dispatch({type: 'mode', mode: {kind: 'help'}});
			case '':
				return;
			default:
				return flash(`Unknown command “:${verb}” — try :provider NAME, :alias NAME, :settings, :audit, :q`, 'error');
		}
	};

	// Select the alias asked for with :alias once the list is loaded.
	useEffect(() => {
		if (ui.view !== 'aliases' || !ui.aliasQuery || !aliases.data) return;
		const index = aliases.data.findIndex((a) => a.alias === ui.aliasQuery!.toLowerCase() || a.alias.startsWith(ui.aliasQuery!.toLowerCase()));
		if (index >= 0) dispatch({type: 'select', list: 'aliases', index});
		else flash(`No alias “${ui.aliasQuery}”`, 'error');
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [ui.view, ui.aliasQuery, aliases.data]);

	const handle = (b: Binding) => {
		if (b.mutating && readOnly) return flash(`Read-only: “${b.description}” is unavailable`, 'error');
		const list = listFor();
		switch (b.id) {
			case 'quit':
				return quit();
			case 'help':
				return dispatch({type: 'mode', mode: {kind: 'help'}});
			case 'command':
				setCommandText('');
				return dispatch({type: 'mode', mode: {kind: 'command'}});
			case 'filter':
				return dispatch({type: 'mode', mode: {kind: 'filter'}});
			case 'focus1':
			case 'focus2':
			case 'focus3':
			case 'focus4':
				return dispatch({type: 'focus', pane: (['providers', 'keys', 'models', 'smoke'] as PaneId[])[Number(b.id.slice(-1)) - 1]!});
			case 'nextPane':
				return dispatch({type: 'cycle', step: 1});
			case 'prevPane':
				return dispatch({type: 'cycle', step: -1});
			case 'down':
			case 'up':
				if (list) dispatch({type: 'move', list: list.id, step: b.id === 'down' ? 1 : -1, count: list.count});
				return;
			case 'refresh':
				bump();
				return flash('Reloaded', 'info');
			case 'back':
				if (smoke.cancel()) return;
				if (comparison.cancel()) return;
				if (ui.view === 'compare') return dispatch({type: 'view', view: 'aliases'});
				if (ui.view !== 'board') return dispatch({type: 'view', view: 'board'});
				if (ui.filter) return dispatch({type: 'filter', filter: ''});
				return;
			case 'settings':
				return dispatch({type: 'view', view: 'settings'});
			case 'audit':
				setVerification(undefined);
				return dispatch({type: 'view', view: 'audit'});
			case 'aliases':
				return dispatch({type: 'view', view: 'aliases'});
			case 'verify':
				setVerification('running');
				services.verifyAudit().then(setVerification, (error: unknown) => {
					setVerification(undefined);
					flash(describeError(error), 'error');
				});
				return;
			case 'open':
				if (ui.view === 'settings') return editSetting();
				if (ui.view === 'aliases') return startComparison();
				if (ui.view === 'board' && ui.focus === 'providers' && selected) return dispatch({type: 'focus', pane: 'keys'});
				return;
			case 'add':
				if (ui.view !== 'board') return;
				if (ui.focus === 'providers') return dispatch({type: 'mode', mode: {kind: 'form', form: {type: 'provider'}}});
				if (!selected) return flash('Add a provider first (focus [1] and press a)', 'error');
				if (ui.focus === 'keys') return dispatch({type: 'mode', mode: {kind: 'form', form: {type: 'key', providerId: selected.id}}});
				if (ui.focus === 'models') return dispatch({type: 'mode', mode: {kind: 'form', form: {type: 'model', providerId: selected.id}}});
				return;
			case 'edit':
				if (ui.view === 'settings') return editSetting();
				if (ui.view !== 'board' || !selected) return;
				if (ui.focus === 'providers') return dispatch({type: 'mode', mode: {kind: 'form', form: {type: 'provider', providerId: selected.id}}});
				if (ui.focus === 'models' && selectedModel) return dispatch({type: 'mode', mode: {kind: 'form', form: {type: 'model', providerId: selected.id, modelId: selectedModel.id}}});
				return;
			case 'toggle':
				if (ui.view !== 'board' || !selected) return;
				if (ui.focus === 'providers') {
					const target = selected;
					return act(async () => {
						await services.setProviderEnabled(target.id, !target.enabled, target.version);
						return `Provider ${target.name} ${target.enabled ? 'disabled' : 'enabled'}`;
					});
				}
				if (ui.focus === 'keys' && selectedKey) {
					const key = selectedKey;
					const next = key.status === 'active' ? 'disabled' : 'active';
					return act(async () => {
						await services.setKeyStatus(key.id, next, key.version);
						return `Key ${key.displayHint} ${next === 'active' ? 'enabled' : 'disabled'}`;
					});
				}
				return;
			case 'delete':
				if (ui.view !== 'board' || !selected) return;
				if (ui.focus === 'providers') {
					const target = selected;
					return dispatch({
						type: 'mode',
						mode: {
							kind: 'confirm',
							confirmation: {
								message: `Delete provider ${target.name}${target.keysTotal > 0 ? ` and its ${target.keysTotal} key${target.keysTotal === 1 ? '' : 's'}` : ''}${target.models > 0 ? ` and ${target.models} model${target.models === 1 ? '' : 's'}` : ''}?`,
								run: async () => {
									await services.deleteProvider(target.id);
									return `Provider ${target.name} deleted`;
								},
							},
						},
					});
				}
				if (ui.focus === 'keys' && selectedKey) {
					const key = selectedKey;
					return dispatch({
						type: 'mode',
						mode: {
							kind: 'confirm',
							confirmation: {
								message: `Delete key ${key.displayHint}${key.label ? ` (${key.label})` : ''}${key.status === 'active' ? ' — it is ACTIVE; calls will stop using it' : ''}? This cannot be undone.`,
								run: async () => {
									await services.deleteKey(key.id);
									return `Key ${key.displayHint} deleted`;
								},
							},
						},
					});
				}
				if (ui.focus === 'models' && selectedModel) {
					const model = selectedModel;
					return dispatch({
						type: 'mode',
						mode: {
							kind: 'confirm',
							confirmation: {
								message: `Detach model ${model.modelName} from ${selected.name}?`,
								run: async () => {
									await services.deleteModel(model.id);
									return `Model ${model.modelName} detached`;
								},
							},
						},
					});
				}
				return;
			case 'priorityUp':
			case 'priorityDown':
				if (ui.focus !== 'keys' || !selectedKey) return;
				{
					const key = selectedKey;
					const priority = Math.max(0, key.priority + (b.id === 'priorityUp' ? -1 : 1));
					if (priority === key.priority) return flash(`Key ${key.displayHint} already has the top priority (0 is used first)`, 'info');
					return act(async () => {
						await services.setKeyPriority(key.id, priority, key.version);
						return `Key ${key.displayHint} priority ${priority} (lower is used first)`;
					});
				}
			case 'compare':
				return startComparison();
			case 'comparePrompt':
				if (!aliases.data?.length) return flash('No alias to compare: give models an alias first (focus [3], e)', 'error');
				setPromptText('');
				return dispatch({type: 'mode', mode: {kind: 'prompt'}});
			case 'rotate': {
				if (ui.view !== 'board') return flash('Rotate from the board: select a provider [1] or a key [2], then R', 'error');
				if (!selected) return flash('Add a provider first (focus [1] and press a)', 'error');
				// On the keys pane the selected key is the one replaced; elsewhere the service takes the first active key.
				const oldKeyId = ui.focus === 'keys' ? selectedKey?.id : undefined;
				return dispatch({type: 'mode', mode: {kind: 'form', form: {type: 'rotate', providerId: selected.id, oldKeyId}}});
			}
			case 'smoke': {
				if (!selected) return flash('Select a provider to smoke-test', 'error');
				if (smoke.running) return flash('A smoke test is running — Esc cancels it', 'info');
				// The service picks the provider's first model unless one is selected: a list still
				// loading must not turn a smoke test into a wrong "no models" refusal.
				const modelName = ui.focus === 'models' ? selectedModel?.modelName : undefined;
				if (models.data && models.data.length === 0) return flash(`Attach a model to ${selected.name} first (focus [3], press a)`, 'error');
				const keyId = ui.focus === 'keys' ? selectedKey?.id : undefined;
				smoke.start({providerId: selected.id, modelName, keyId}, modelName ? `${selected.name} · ${modelName}` : selected.name);
				return;
			}
		}
	};

	function editSetting() {
		const key = settingKeys()[ui.cursor.settings];
		if (!key || !settings.data) return;
		if (readOnly) return flash('Read-only: settings cannot be changed', 'error');
		dispatch({type: 'mode', mode: {kind: 'form', form: {type: 'setting', key}}});
	}

	// Exactly one layer per mode, gated by isActive: useKeys subscribes in the same commit that
	// shows the mode (see keys.tsx), so no key falls between two layers.
	useKeys(
		(input, key) => {
			const b = resolve(input, key, scopes);
			if (b) handle(b);
		},
		{isActive: ui.mode.kind === 'normal'},
	);
	useKeys(
		(input, key) => {
			if (key.escape || input === '?' || input === 'q') {
				setHelpOffset(0);
				dispatch({type: 'mode', mode: {kind: 'normal'}});
			}
			if (input === 'j' || key.downArrow) setHelpOffset((o) => Math.min(o + 1, Math.max(0, keymap.length - 1)));
			if (input === 'k' || key.upArrow) setHelpOffset((o) => Math.max(0, o - 1));
		},
		{isActive: ui.mode.kind === 'help'},
	);
	useKeys(
		(input, key) => {
			if (ui.mode.kind !== 'confirm') return;
			if (input === 'y' || input === 'Y') {
				const {run} = ui.mode.confirmation;
				dispatch({type: 'mode', mode: {kind: 'normal'}});
				act(run);
			} else if (input === 'n' || input === 'N' || key.escape || key.return) {
				dispatch({type: 'mode', mode: {kind: 'normal'}});
				flash('Nothing changed', 'info');
			}
		},
		{isActive: ui.mode.kind === 'confirm'},
	);
	useKeys(
		(_input, key) => {
			if (key.escape) {
				if (ui.mode.kind === 'filter') dispatch({type: 'filter', filter: ''});
				dispatch({type: 'mode', mode: {kind: 'normal'}});
			}
		},
		{isActive: ui.mode.kind === 'filter' || ui.mode.kind === 'command' || ui.mode.kind === 'prompt'},
	);

	const banner = health.lost ? `database unreachable — retrying (${health.reason ?? 'no answer'})` : services.info.keyStatus === 'wrong' ? `${services.info.keyMessage ?? 'wrong ENCRYPTION_KEY'} — changes are refused` : null;
	// A flash that does not fit one line (a rotation's closing sentence names both keys) gets a
	// second line rather than losing its end; the body gives that line back while it shows.
	const flashLines = ui.flash && ui.flash.text.length + 2 > columns ? 2 : 1;
	const available = Math.max(10, rows - 3 - (banner ? 1 : 0) - (flashLines - 1));
	const width = columns;

	const closeForm = () => dispatch({type: 'mode', mode: {kind: 'normal'}});
	const formDone = (message: string) => {
		closeForm();
		flash(message, 'ok');
		bump();
	};

	let body;
	if (ui.mode.kind === 'help') {
		body = <HelpOverlay theme={theme} readOnly={readOnly} width={width} height={available} offset={helpOffset} />;
	} else if (ui.mode.kind === 'form') {
		const form = ui.mode.form;
		const shell = {services, theme, width, onDone: formDone, onCancel: closeForm};
		const provider = providers.data?.find((p) => p.id === ('providerId' in form ? form.providerId : undefined));
		if (form.type === 'provider') body = <ProviderForm {...shell} provider={form.providerId ? provider : undefined} />;
		else if (form.type === 'key') body = <KeyForm {...shell} providerId={form.providerId} providerName={provider?.name ?? ''} />;
		else if (form.type === 'model') body = <ModelForm {...shell} providerId={form.providerId} providerName={provider?.name ?? ''} model={form.modelId ? models.data?.find((m) => m.id === form.modelId) : undefined} />;
		else if (form.type === 'rotate') {
			const oldKey = form.oldKeyId ? keys.data?.find((k) => k.id === form.oldKeyId) : [...(keys.data ?? [])].filter((k) => k.status === 'active').sort((a, b) => a.priority - b.priority)[0];
			body = (
				<RotationWizard
					services={services}
					theme={theme}
					width={width}
					height={available}
					providerName={provider?.name ?? ''}
					oldKeyHint={oldKey?.displayHint ?? null}
					target={{providerId: form.providerId, oldKeyId: form.oldKeyId}}
					onClose={(message, tone) => {
						closeForm();
						flash(message, tone);
						bump();
					}}
				/>
			);
		} else if (form.type === 'setting' && settings.data) {
			const key = form.key as keyof Settings;
			body = <SettingForm {...shell} settingKey={key} value={settings.data.values[key]} version={settings.data.versions[key]} />;
		}
	} else if (ui.view === 'settings') {
		body = (
			<Pane title="Settings" focused theme={theme} width={width} height={available}>
				<SettingsView values={settings.data?.values} error={settings.error} cursor={ui.cursor.settings} width={width - 2} theme={theme} />
			</Pane>
		);
	} else if (ui.view === 'audit') {
		body = (
			<Pane title="Audit log" focused theme={theme} width={width} height={available} footer={audit.data ? `last ${audit.data.length}` : undefined}>
				<AuditView rows={audit.data} error={audit.error} cursor={ui.cursor.audit} width={width - 2} height={available - 3} theme={theme} verification={verification} />
			</Pane>
		);
	} else if (ui.view === 'aliases') {
		const list = aliases.data;
		body = (
			<Pane title="Aliases" focused theme={theme} width={width} height={available} footer={list ? `${list.length === 0 ? 0 : Math.min(ui.cursor.aliases + 1, list.length)} of ${list.length}` : undefined}>
				<AliasList aliases={list} error={aliases.error} cursor={ui.cursor.aliases} width={width - 2} height={available - 3} theme={theme} />
			</Pane>
		);
	} else if (ui.view === 'compare') {
		body = (
			<Pane title={`Compare · ${comparison.state.alias}`} focused theme={theme} width={width} height={available} footer={comparison.state.targets.length > 0 ? `${comparison.state.targets.length} targets` : undefined}>
				<ComparisonView state={comparison.state} width={width - 2} height={available - 3} theme={theme} />
			</Pane>
		);
	} else {
		const providersH = Math.max(6, Math.floor(available * 0.42));
		const middleH = Math.max(5, Math.floor(available * 0.3));
		const smokeH = Math.max(4, available - providersH - middleH);
		const half = Math.floor(width / 2);
		const total = providers.data?.length ?? 0;
		const shown = filtered?.length ?? 0;
		body = (
			<Box flexDirection="column">
				<Pane title={`Providers${ui.filter ? ` /${ui.filter}` : ''}`} number={1} focused={ui.focus === 'providers'} theme={theme} width={width} height={providersH} footer={providers.data ? `${shown === 0 ? 0 : Math.min(ui.cursor.providers + 1, shown)} of ${shown}${ui.filter ? ` (${total} in all)` : ''}` : undefined}>
					<ProvidersView providers={filtered} error={providers.error} cursor={ui.cursor.providers} focused={ui.focus === 'providers'} width={width - 2} height={providersH - 3} theme={theme} filter={ui.filter} now={now} />
				</Pane>
				<Box>
					<Pane title={`Keys${selected ? ` · ${selected.name}` : ''}`} number={2} focused={ui.focus === 'keys'} theme={theme} width={half} height={middleH} footer={keys.data ? `${keys.data.length}` : undefined}>
						<KeysView keys={keys.data} error={keys.error} providerName={selected?.name} cursor={ui.cursor.keys} focused={ui.focus === 'keys'} width={half - 2} height={middleH - 3} theme={theme} now={now} />
					</Pane>
					<Pane title="Models" number={3} focused={ui.focus === 'models'} theme={theme} width={width - half} height={middleH} footer={models.data ? `${models.data.length}` : undefined}>
						<ModelsView models={models.data} error={models.error} providerName={selected?.name} cursor={ui.cursor.models} focused={ui.focus === 'models'} width={width - half - 2} height={middleH - 3} theme={theme} />
					</Pane>
				</Box>
				<Pane title={`Smoke output${smoke.state.title ? ` · ${smoke.state.title}` : ''}`} number={4} focused={ui.focus === 'smoke'} theme={theme} width={width} height={smokeH}>
					<SmokeView state={smoke.state} width={width - 2} height={smokeH - 3} theme={theme} />
				</Pane>
			</Box>
		);
	}

	let bottom;
	if (ui.mode.kind === 'filter') {
		bottom = (
			<Box>
				<Text color={theme.accent}>/</Text>
				<TextField focus value={ui.filter} onChange={(value) => dispatch({type: 'filter', filter: value})} onSubmit={() => dispatch({type: 'mode', mode: {kind: 'normal'}})} />
			</Box>
		);
	} else if (ui.mode.kind === 'command') {
		bottom = (
			<Box>
				<Text color={theme.accent}>:</Text>
				<TextField
					focus
					value={commandText}
					onChange={setCommandText}
					onSubmit={(value) => {
						dispatch({type: 'mode', mode: {kind: 'normal'}});
						runCommandLine(value);
					}}
				/>
			</Box>
		);
	} else if (ui.mode.kind === 'prompt') {
		bottom = (
			<Box>
				<Text color={theme.accent}>prompt › </Text>
				<TextField
					focus
					value={promptText}
					onChange={setPromptText}
					placeholder="Enter runs it (empty: the smoke_prompt setting) · Esc cancels"
					onSubmit={(value) => {
						dispatch({type: 'mode', mode: {kind: 'normal'}});
						startComparison(value.trim() === '' ? undefined : value);
					}}
				/>
			</Box>
		);
	} else if (ui.mode.kind === 'confirm') {
		bottom = (
			<Text color={theme.warn} bold wrap="truncate">
				{ui.mode.confirmation.message} y/N
			</Text>
		);
	} else if (ui.mode.kind === 'form' || ui.mode.kind === 'help') {
		// The form, wizard or overlay owns the keys and says which; board keys would mislead here.
		bottom = (
			<Text color={theme.muted} wrap="truncate">
				{ui.mode.kind === 'help' ? 'j/k scroll · ? or Esc closes' : 'Esc cancels'}
			</Text>
		);
	} else {
		bottom = <HintBar scopes={scopes} readOnly={readOnly} theme={theme} width={width} />;
	}

	return (
		<Box flexDirection="column" width={width} height={rows}>
			<Header info={services.info} theme={theme} width={width} banner={banner} />
			{body}
			{flashLines === 1 || !ui.flash ? (
				<FlashLine flash={ui.flash} theme={theme} />
			) : (
				<Box height={2} width={width} overflow="hidden">
					<Text color={ui.flash.tone === 'ok' ? theme.ok : ui.flash.tone === 'error' ? theme.error : undefined} wrap="wrap">
						{truncate(`${ui.flash.tone === 'error' ? '✕ ' : ui.flash.tone === 'ok' ? '✓ ' : ''}${ui.flash.text}`, width * 2 - 2)}
					</Text>
				</Box>
			)}
			{bottom}
		</Box>
	);
}
