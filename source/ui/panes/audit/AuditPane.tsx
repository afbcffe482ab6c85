import {useEffect, useRef, useState} from 'react';
import type {ChainResult} from '../../../services/audit.js';
import type {AuditListItem} from '../../../services/audit-browse.js';
import {Pane} from '../../components/Pane.js';
import {useLive} from '../../hooks/use-live.js';
import {listCommands, useSelection} from '../../hooks/use-selection.js';
import {RELOAD_HOLD_MS, useHold} from '../../input/input-target.js';
import {useServices} from '../../services.js';
import {useClock, useCommands, useUi} from '../../ui-context.js';
import {AuditView} from './AuditView.js';

/** Every table a change to which appends an audit row. */
export const auditedTables = ['providers', 'provider_keys', 'models', 'settings', 'smoke_runs', 'comparison_runs', '*'];

const PAGE = 200;

/**
 * The audit log view (L, :audit): newest first, paging back through the whole log as the cursor
 * nears the end, narrowed by `/` (actor, action, target words); Enter opens a row; `v` verifies.
 */
export function AuditPane({active, width, height, filter}: {readonly active: boolean; readonly width: number; readonly height: number; readonly filter: string}) {
	const services = useServices();
	const ui = useUi();
	const now = useClock();
	const refresh = useLive(auditedTables);
	const [rows, setRows] = useState<AuditListItem[] | undefined>(undefined);
	const [error, setError] = useState<Error | undefined>(undefined);
	const [loading, setLoading] = useState(false);
	const [done, setDone] = useState(false);
	const loaded = useRef(0);
	const selection = useSelection(rows, (row) => String(row.seq));
	const [verification, setVerification] = useState<ChainResult | 'running' | undefined>(undefined);
	useHold(loading, RELOAD_HOLD_MS);

	/** Loads a page and hands it to `apply`, unless the effect that asked is gone by then. */
	const loadPage = (request: Parameters<typeof services.browseAudit>[0], apply: (page: AuditListItem[]) => void) => {
		let current = true;
		setLoading(true);
		services.browseAudit(request).then(
			(page) => {
				if (!current) return;
				apply(page);
				setDone(page.length < PAGE);
				setError(undefined);
				setLoading(false);
			},
			(failure: unknown) => {
				if (!current) return;
				setError(failure instanceof Error ? failure : new Error(String(failure)));
				setLoading(false);
			},
		);
		return () => {
			current = false;
		};
	};

	// The first page (again after a change or a new filter), as many rows as were loaded before.
	useEffect(
		() =>
			loadPage({filter, limit: Math.min(1000, Math.max(PAGE, loaded.current))}, (page) => {
				loaded.current = page.length;
				setRows(page);
			}),
		// eslint-disable-next-line react-hooks/exhaustive-deps -- loadPage reads only stable setters and services
		[services, filter, refresh],
	);

	// Older rows as the cursor nears the end of what is loaded.
	useEffect(() => {
		if (!rows || done || loading || selection.index < rows.length - 20) return;
		return loadPage({filter, beforeSeq: rows.at(-1)!.seq, limit: PAGE}, (page) => {
			setRows((previous) => [...(previous ?? []), ...page]);
			loaded.current += page.length;
		});
		// eslint-disable-next-line react-hooks/exhaustive-deps -- loadPage reads only stable setters and services
	}, [services, filter, rows, done, loading, selection.index]);

	useCommands(
		'audit',
		{
			...listCommands(selection, Math.max(1, height - 6)),
			open: () => selection.selected && ui.open({kind: 'auditRow', seq: selection.selected.seq}),
			filter: () => ui.editAuditFilter(),
			verify: () => {
				setVerification('running');
				services.verifyAudit().then(setVerification, (failure: unknown) => {
					setVerification(undefined);
					ui.flash(failure instanceof Error ? failure.message : String(failure), 'error');
				});
			},
		},
		active,
	);
	const count = rows?.length ?? 0;
	const footer = rows ? `${count === 0 ? 0 : selection.index + 1} of ${count}${done ? '' : '+'}${filter ? ` /${filter}` : ''}` : undefined;
	return (
		<Pane title="Audit log" focused theme={ui.theme} width={width} height={height} footer={footer}>
			<AuditView rows={rows} error={error} index={selection.index} width={width - 2} height={height - 3} theme={ui.theme} verification={verification} filter={filter} now={now} more={loading && rows !== undefined} />
		</Pane>
	);
}
