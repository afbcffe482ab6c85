import type {AppAction, AppState} from '../app-state.js';
import {LineInput, ConfirmLine} from '../components/BottomLine.js';
import {HintBar} from '../components/Chrome.js';
import {Text} from '../components/Text.js';
import {runCommand, completeCommand} from '../command-line.js';
import {useHoldWhile} from '../input/input-target.js';
import {bindingsOf, type Scope} from '../keymap.js';
import type {DashboardServices} from '../services.js';
import type {Theme} from '../theme.js';
import type {Ui} from '../ui-context.js';

export interface BottomBarProps {
	readonly state: AppState;
	readonly dispatch: React.Dispatch<AppAction>;
	readonly theme: Theme;
	readonly columns: number;
	readonly scopes: readonly Scope[];
	readonly readOnly: boolean;
	readonly ui: Ui;
	readonly prompt: React.MutableRefObject<(prompt: string | undefined) => void>;
	readonly services: DashboardServices;
	readonly leave: () => void;
}

type LineKind = Extract<AppState['mode'], {kind: 'line'}>['line'];

/** The bottom row: the line being typed (filter, `:`, prompt), a y/N question, or the key hints. */
export function BottomBar(props: BottomBarProps) {
	const {state, dispatch, theme, columns, scopes, readOnly, ui} = props;
	const mode = state.mode;
	const normal = () => dispatch({type: 'mode', mode: {kind: 'normal'}});
	if (mode.kind === 'line') return <Line {...props} line={mode.line} normal={normal} />;
	if (mode.kind === 'confirm') {
		return (
			<ConfirmLine
				message={mode.confirmation.message}
				theme={theme}
				onAnswer={(yes) => {
					normal();
					if (yes) ui.act(mode.confirmation.run);
					else ui.flash('Nothing changed', 'info');
				}}
			/>
		);
	}
	if (mode.kind === 'modal' || mode.kind === 'help') {
		// The dialog or overlay owns the keys and says which; board keys would mislead here.
		const close = bindingsOf('help').find((b) => b.id === 'helpClose')!;
		return (
			<Text color={theme.muted} wrap="truncate">
				{mode.kind === 'help' ? `j/k scroll · ${close.keys.replaceAll('/', ' or ')} closes` : 'Esc cancels'}
			</Text>
		);
	}
	return <HintBar scopes={scopes} readOnly={readOnly} theme={theme} width={columns} />;
}

/** Which field the line edits, what it says, and what Enter and Esc do with it. */
function Line({state, dispatch, theme, ui, prompt, services, leave, line, normal}: BottomBarProps & {readonly line: LineKind; readonly normal: () => void}) {
	const holdWhile = useHoldWhile();
	const filterLine = (kind: 'filter' | 'auditFilter', label: string, placeholder: string) => (
		<LineInput
			prompt={label}
			initial={state[kind]}
			theme={theme}
			placeholder={placeholder}
			onChange={(filter) => dispatch({type: kind, filter})}
			onSubmit={normal}
			onCancel={() => {
				dispatch({type: kind, filter: ''});
				normal();
			}}
		/>
	);
	switch (line) {
		case 'filter':
			return filterLine('filter', '/', 'name or type · Enter keeps it · Esc clears it');
		case 'auditFilter':
			return filterLine('auditFilter', 'filter audit › ', 'actor, action or target words · Enter applies · Esc clears');
		case 'prompt':
			return (
				<LineInput
					prompt="prompt › "
					initial=""
					theme={theme}
					placeholder="Enter runs it (empty: the smoke_prompt setting) · Esc cancels"
					onSubmit={(value) => {
						normal();
						prompt.current(value.trim() === '' ? undefined : value);
					}}
					onCancel={normal}
				/>
			);
		case 'command':
			return (
				<LineInput
					prompt=":"
					initial=""
					theme={theme}
					placeholder="provider NAME · alias NAME · status · settings · audit · aliases · q (Tab completes)"
					complete={(text) => completeCommand(services, text)}
					onSubmit={(value) => {
						normal();
						void holdWhile(runCommand(value, {services, ui, dispatch, quit: leave}));
					}}
					onCancel={normal}
				/>
			);
	}
}
