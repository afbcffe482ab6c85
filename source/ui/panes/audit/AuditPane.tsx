import {useState} from 'react';
import type {ChainResult} from '../../../services/audit.js';
import {Pane} from '../../components/Pane.js';
import {useAsyncResource} from '../../hooks/use-async-resource.js';
import {useLive} from '../../hooks/use-live.js';
import {listCommands, useSelection} from '../../hooks/use-selection.js';
import {useServices} from '../../services.js';
import {useCommands, useUi} from '../../ui-context.js';
import {AuditView} from './AuditView.js';

/** Every table a change to which appends an audit row. */
export const auditedTables = ['providers', 'provider_keys', 'models', 'settings', 'smoke_runs', 'comparison_runs'];

/** The audit log view (L, :audit): newest rows, and `v` verifies the chain. */
export function AuditPane({active, width, height}: {readonly active: boolean; readonly width: number; readonly height: number}) {
	const services = useServices();
	const ui = useUi();
	const refresh = useLive(auditedTables);
	// Newest first: what just happened is what an operator opens the log for.
	const audit = useAsyncResource(async () => (await services.auditTail(500)).reverse(), [], refresh);
	const selection = useSelection(audit.data, (row) => String(row.seq));
	const [verification, setVerification] = useState<ChainResult | 'running' | undefined>(undefined);
	useCommands(
		'audit',
		{
			...listCommands(selection, Math.max(1, height - 4)),
			verify: () => {
				setVerification('running');
				services.verifyAudit().then(setVerification, (error: unknown) => {
					setVerification(undefined);
					ui.flash(error instanceof Error ? error.message : String(error), 'error');
				});
			},
		},
		active,
	);
	return (
		<Pane title="Audit log" focused theme={ui.theme} width={width} height={height} footer={audit.data ? `last ${audit.data.length}` : undefined}>
			<AuditView rows={audit.data} error={audit.error} index={selection.index} width={width - 2} height={height - 3} theme={ui.theme} verification={verification} />
		</Pane>
	);
}
