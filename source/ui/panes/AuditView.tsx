import {Box, Text} from 'ink';
import {truncate} from '../../lib/text.js';
import type {ChainResult, StoredAuditRow} from '../../services/audit.js';
import {sanitizeText} from '../../lib/sanitize.js';
import type {Theme} from '../theme.js';
import {windowStart} from '../state.js';

export interface AuditViewProps {
	readonly rows: readonly StoredAuditRow[] | undefined;
	readonly error: Error | undefined;
	readonly cursor: number;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
	readonly verification: ChainResult | 'running' | undefined;
}

export function AuditView({rows, error, cursor, width, height, theme, verification}: AuditViewProps) {
	if (error && !rows) return <Text color={theme.error}>✕ {error.message}</Text>;
	if (!rows) return <Text color={theme.muted}>Loading the audit log…</Text>;
	const verifyLine =
		verification === undefined
			? 'v verifies the hash chain'
			: verification === 'running'
				? 'Verifying…'
				: verification.ok
					? `✓ chain verified: ${verification.rows} rows`
					: `✕ chain broken at seq ${verification.brokenSeq}: ${verification.reason}`;
	const visible = Math.max(1, height - 1);
	const start = windowStart(cursor, rows.length, visible);
	return (
		<Box flexDirection="column">
			<Text color={verification && verification !== 'running' ? (verification.ok ? theme.ok : theme.error) : theme.muted}>{verifyLine}</Text>
			{rows.length === 0 ? <Text color={theme.muted}>No audit rows yet.</Text> : null}
			{rows.slice(start, start + visible).map((row, i) => {
				const line = `${start + i === cursor ? '›' : ' '}${String(row.seq).padStart(5)} ${row.at.toISOString().slice(0, 19).replace('T', ' ')} ${row.actor} ${row.action} ${row.targetType}:${row.targetId?.slice(0, 8) ?? '—'} ${JSON.stringify(row.details)}`;
				return (
					<Text key={row.seq} inverse={start + i === cursor} wrap="truncate">
						{truncate(sanitizeText(line), width)}
					</Text>
				);
			})}
		</Box>
	);
}
