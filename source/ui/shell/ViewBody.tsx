import type {AppState, View} from '../app-state.js';
import {AliasesPane} from '../panes/aliases/AliasesPane.js';
import {ComparisonPane} from '../panes/aliases/ComparisonPane.js';
import {AuditPane} from '../panes/audit/AuditPane.js';
import {AuditRowView} from '../panes/audit/AuditRowView.js';
import {ProviderView} from '../panes/provider/ProviderView.js';
import {RunsPane} from '../panes/runs/RunsPane.js';
import {RunView} from '../panes/runs/RunView.js';
import {SettingsPane} from '../panes/settings/SettingsPane.js';
import {StatusPane} from '../panes/status/StatusPane.js';

/** The open view (anything but the board), full width under the header. */
export function ViewBody({view, active, width, height, state}: {readonly view: View; readonly active: boolean; readonly width: number; readonly height: number; readonly state: AppState}) {
	const size = {active, width, height};
	switch (view.kind) {
		case 'settings':
			return <SettingsPane {...size} />;
		case 'audit':
			return <AuditPane {...size} filter={state.auditFilter} />;
		case 'auditRow':
			return <AuditRowView key={view.seq} seq={view.seq} {...size} />;
		case 'aliases':
			return <AliasesPane {...size} query={view.query} />;
		case 'compare':
			return <ComparisonPane width={width} height={height} />;
		case 'status':
			return <StatusPane {...size} />;
		case 'provider':
			return <ProviderView key={view.providerId} providerId={view.providerId} {...size} />;
		case 'runs':
			return <RunsPane key={`${view.providerId ?? ''}/${view.alias ?? ''}`} providerId={view.providerId} alias={view.alias} {...size} />;
		case 'run':
			return <RunView key={view.runId} runId={view.runId} {...size} />;
		case 'board':
			return null;
	}
}
