import {DetailView, type DetailLine} from '../../components/DetailView.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useServices} from '../../services.js';
import {useUi} from '../../ui-context.js';

/**
 * One audit row in full (Enter on the audit view): when, who, what, its target named, every
 * detail, and for an edit each changed field before → after. `g` goes to the provider it concerns.
 */
export function AuditRowView({seq, active, width, height}: {readonly seq: number; readonly active: boolean; readonly width: number; readonly height: number}) {
	const services = useServices();
	const ui = useUi();
	const entry = useAsyncResource(() => services.auditEntry(seq), [seq], 0);
	const data = entry.data;
	let lines: DetailLine[] | undefined;
	if (data) {
		lines = [
			{text: `seq ${data.seq} · ${data.at.toISOString().replace('T', ' ').slice(0, 23)} UTC`, tone: 'muted'},
			{text: `${data.actor} · ${data.action}`, tone: 'heading'},
			{text: data.target},
			{text: data.keyId ? `signed by key id ${data.keyId}` : 'written before keyed hashing', tone: 'muted'},
		];
		if (data.changes.length > 0) {
			lines.push({text: ''}, {text: 'Changed', tone: 'heading'});
			for (const change of data.changes) lines.push({text: `${change.field}: ${change.before} → ${change.after}`, indent: 2});
		}
		if (data.detailLines.length > 0) {
			lines.push({text: ''}, {text: 'Details', tone: 'heading'});
			for (const detail of data.detailLines) lines.push({text: detail, indent: 2});
		}
	}
	return (
		<DetailView
			title={`Audit row ${seq}`}
			lines={lines}
			error={entry.error}
			loading="Loading the audit row…"
			hint={data?.providerId ? 'g the provider · h its runs · Esc back' : 'Esc back'}
			active={active}
			width={width}
			height={height}
			commands={{
				jump: () => {
					if (data?.providerId) ui.open({kind: 'provider', providerId: data.providerId});
					else ui.flash(data ? `${data.target}: nothing to go to (not a provider, key or model that still exists)` : 'Still loading', 'info');
				},
				history: () => data?.providerId && ui.open({kind: 'runs', providerId: data.providerId}),
			}}
		/>
	);
}
