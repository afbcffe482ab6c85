import {Box} from 'ink';
import {useState} from 'react';
import {ErrorText} from '../../components/ListStatus.js';
import {Pane} from '../../components/Pane.js';
import {Spinner} from '../../components/Spinner.js';
import {Text} from '../../components/Text.js';
import {wrapLines} from '../../components/Chrome.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useServices} from '../../services.js';
import {useCommands, useUi} from '../../ui-context.js';

/**
 * One audit row in full (Enter on the audit view): when, who, what, its target named, every
 * detail, and for an edit each changed field before → after. `g` goes to the provider it concerns.
 */
export function AuditRowView({seq, active, width, height}: {readonly seq: number; readonly active: boolean; readonly width: number; readonly height: number}) {
	const services = useServices();
	const ui = useUi();
	const entry = useAsyncResource(() => services.auditEntry(seq), [seq], 0);
	const [offset, setOffset] = useState(0);
	const inner = width - 4;
	const lines: {text: string; tone?: 'muted' | 'accent' | 'ok' | 'error'}[] = [];
	const data = entry.data;
	if (data) {
		lines.push({text: `seq ${data.seq} · ${data.at.toISOString().replace('T', ' ').slice(0, 23)} UTC`, tone: 'muted'});
		lines.push({text: `${data.actor} · ${data.action}`, tone: 'accent'});
		lines.push({text: data.target});
		lines.push({text: data.keyId ? `signed by key id ${data.keyId}` : 'written before keyed hashing', tone: 'muted'});
		if (data.changes.length > 0) {
			lines.push({text: ''});
			lines.push({text: 'Changed', tone: 'accent'});
			for (const change of data.changes) for (const line of wrapLines(`${change.field}: ${change.before} → ${change.after}`, inner - 2)) lines.push({text: `  ${line}`});
		}
		if (data.detailLines.length > 0) {
			lines.push({text: ''});
			lines.push({text: 'Details', tone: 'accent'});
			for (const detail of data.detailLines) for (const line of wrapLines(detail, inner - 2)) lines.push({text: `  ${line}`});
		}
	}
	const visible = Math.max(1, height - 4);
	const start = Math.max(0, Math.min(offset, lines.length - visible));
	useCommands(
		'detail',
		{
			down: () => setOffset((o) => Math.min(o + 1, Math.max(0, lines.length - visible))),
			up: () => setOffset((o) => Math.max(0, o - 1)),
			pageDown: () => setOffset((o) => Math.min(o + visible, Math.max(0, lines.length - visible))),
			pageUp: () => setOffset((o) => Math.max(0, o - visible)),
			jump: () => {
				if (data?.providerId) ui.open({kind: 'provider', providerId: data.providerId});
				else ui.flash(data ? `${data.target}: nothing to go to (not a provider, key or model that still exists)` : 'Still loading', 'info');
			},
			history: () => data?.providerId && ui.open({kind: 'runs', providerId: data.providerId}),
		},
		active,
	);
	const color = (tone: (typeof lines)[number]['tone']) => (tone === 'muted' ? ui.theme.muted : tone === 'accent' ? ui.theme.accent : undefined);
	return (
		<Pane title={`Audit row ${seq}`} focused theme={ui.theme} width={width} height={height} footer={data ? `${Math.min(lines.length, start + visible)} of ${lines.length} lines` : undefined}>
			{entry.error && !data ? <ErrorText error={entry.error} theme={ui.theme} /> : null}
			{!data && !entry.error ? <Spinner label="Loading the audit row…" /> : null}
			<Box flexDirection="column" paddingX={1}>
				{lines.slice(start, start + visible).map((line, i) => (
					<Text key={i} color={color(line.tone)} bold={line.tone === 'accent'} wrap="truncate">
						{line.text || ' '}
					</Text>
				))}
			</Box>
			{data?.providerId ? (
				<Text color={ui.theme.muted} wrap="truncate">
					{' '}g goes to the provider · Esc back
				</Text>
			) : null}
		</Pane>
	);
}
