import {Box} from 'ink';
import {age, layoutColumns, truncate, type ColumnSpec, layoutRow} from '../../../lib/text.js';
import type {ChainResult} from '../../../services/audit.js';
import {describeVerification} from '../../../services/audit.js';
import type {AuditListItem} from '../../../services/audit-browse.js';
import {listStatus} from '../../components/ListStatus.js';
import {TableHeader, TableRows} from '../../components/Table.js';
import {Text} from '../../components/Text.js';
import type {Theme} from '../../theme.js';

export interface AuditViewProps {
	readonly rows: readonly AuditListItem[] | undefined;
	readonly error: Error | undefined;
	readonly index: number;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
	readonly verification: ChainResult | 'running' | undefined;
	readonly filter: string;
	readonly now: Date;
	/** More rows are being fetched (the list pages through the whole log). */
	readonly more: boolean;
}

const columns: readonly ColumnSpec[] = [
	{header: 'SEQ', min: 5, max: 7, keep: 9},
	{header: 'AGE', min: 4, max: 4, keep: 3},
	{header: 'ACTOR', min: 8, max: 22, keep: 5},
	{header: 'ACTION', min: 12, max: 22, keep: 8},
	{header: 'TARGET', min: 10, max: Number.POSITIVE_INFINITY, keep: 7},
];

/** How many lines of a verification the view shows above the list. */
const VERIFY_LINES = 4;

export function AuditView({rows, error, index, width, height, theme, verification, filter, now, more}: AuditViewProps) {
	const verify =
		verification === undefined ? ['v verifies the chain (keyed hashes, head, anchors) · / filters · Enter opens a row'] : verification === 'running' ? ['Verifying the audit chain…'] : describeVerification(verification);
	const tone = verification === undefined || verification === 'running' ? theme.muted : verification.ok ? theme.ok : verification.kind === 'no-key' ? theme.warn : theme.error;
	const verifyShown = verify.slice(0, VERIFY_LINES);
	const empty = filter ? `No audit row matches “${filter}”. / changes the filter, Esc clears it.` : 'No audit rows yet.';
	const status = listStatus({items: rows, error, noun: 'the audit log', empty, theme});
	const widths = layoutColumns(width - 1, columns);
	const visible = Math.max(1, height - verifyShown.length - 1);
	return (
		<Box flexDirection="column">
			{verifyShown.map((line, i) => (
				<Text key={i} color={i === 0 ? tone : theme.muted} wrap="truncate">
					{truncate(line, width)}
				</Text>
			))}
			{status ?? (
				<>
					<TableHeader columns={columns} widths={widths} theme={theme} />
					<TableRows items={rows!} index={index} rows={visible - 1} keyOf={(row) => row.seq} line={(row) => layoutRow([String(row.seq), age(row.at, now), row.actor, row.action, row.target], widths)} />
					{more ? <Text color={theme.muted}>loading older rows…</Text> : null}
				</>
			)}
		</Box>
	);
}
