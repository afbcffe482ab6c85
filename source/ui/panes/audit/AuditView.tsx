import {Box} from 'ink';
import type {ChainResult, StoredAuditRow} from '../../../services/audit.js';
import {truncate} from '../../../lib/text.js';
import {listStatus} from '../../components/ListStatus.js';
import {Text} from '../../components/Text.js';
import {windowStart} from '../../hooks/use-selection.js';
import type {Theme} from '../../theme.js';

export interface AuditViewProps {
	readonly rows: readonly StoredAuditRow[] | undefined;
	readonly error: Error | undefined;
	readonly index: number;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
	readonly verification: ChainResult | 'running' | undefined;
}

export function AuditView({rows, error, index, width, height, theme, verification}: AuditViewProps) {
	const verifyLine =
		verification === undefined
			? 'v verifies the hash chain'
			: verification === 'running'
				? 'Verifying…'
				: verification.ok
					? `✓ chain verified: ${verification.rows} rows`
					: `✕ chain broken at seq ${verification.brokenSeq}: ${verification.reason}`;
	const status = listStatus({items: rows, error, noun: 'the audit log', empty: 'No audit rows yet.', theme});
	const visible = Math.max(1, height - 1);
	const start = rows ? windowStart(index, rows.length, visible) : 0;
	return (
		<Box flexDirection="column">
			<Text color={verification && verification !== 'running' ? (verification.ok ? theme.ok : theme.error) : theme.muted} wrap="wrap">
				{verifyLine}
			</Text>
			{status ??
				rows!.slice(start, start + visible).map((row, i) => {
					const line = `${start + i === index ? '›' : ' '}${String(row.seq).padStart(5)} ${row.at.toISOString().slice(0, 19).replace('T', ' ')} ${row.actor} ${row.action} ${row.targetType}:${row.targetId?.slice(0, 8) ?? '—'} ${JSON.stringify(row.details)}`;
					return (
						<Text key={row.seq} inverse={start + i === index} wrap="truncate">
							{truncate(line, width)}
						</Text>
					);
				})}
		</Box>
	);
}
