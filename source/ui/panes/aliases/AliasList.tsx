import {Box} from 'ink';
import {plural} from '../../../lib/metrics.js';
import {pad, truncate} from '../../../lib/text.js';
import type {AliasOverview} from '../../../services/compare.js';
import {ErrorText} from '../../components/ListStatus.js';
import {Spinner} from '../../components/Spinner.js';
import {Text} from '../../components/Text.js';
import {windowStart} from '../../hooks/use-selection.js';
import type {Theme} from '../../theme.js';

export interface AliasListProps {
	readonly aliases: readonly AliasOverview[] | undefined;
	readonly error: Error | undefined;
	readonly cursor: number;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
}

function counts(entry: AliasOverview): string {
	const providers = `${plural(entry.providers, 'provider')}${entry.enabledProviders < entry.providers ? ` (${entry.enabledProviders} on)` : ''}`;
	return `${providers} · ${plural(entry.models, 'model')}`;
}

/**
 * Every alias with how many providers and models serve it and its capability drift (a capability
 * some of those providers have and others lack); below, who serves the selected one.
 */
export function AliasList({aliases, error, cursor, width, height, theme}: AliasListProps) {
	if (!aliases) return error ? <ErrorText error={error} theme={theme} /> : <Spinner label="Loading aliases…" />;
	if (aliases.length === 0) return <Text color={theme.muted}>No aliases yet: give models an alias (focus [3], e) to line up the same family across vendors.</Text>;
	const detail = 2;
	const rows = Math.max(1, height - detail);
	const start = windowStart(cursor, aliases.length, rows);
	const selected = aliases[Math.min(cursor, aliases.length - 1)];
	const aliasWidth = Math.min(24, Math.max(8, ...aliases.map((a) => a.alias.length)));
	return (
		<Box flexDirection="column">
			{aliases.slice(start, start + rows).map((entry, i) => {
				const isSelected = start + i === cursor;
				const left = `${isSelected ? '›' : ' '}${pad(truncate(entry.alias, aliasWidth), aliasWidth)}  ${pad(counts(entry), 28)}`;
				const drift = entry.drift.length === 0 ? '' : `⚠ ${entry.drift.map((flag) => flag.text).join(', ')}`;
				return (
					<Text key={entry.alias} inverse={isSelected} wrap="truncate">
						{left}
						<Text color={theme.warn}>{truncate(drift, Math.max(0, width - left.length - 1))}</Text>
					</Text>
				);
			})}
			{selected ? (
				<>
					<Text color={theme.muted} wrap="truncate">
						{truncate(`${selected.alias}: ${selected.entries.map((e) => `${e.providerName}${e.providerEnabled ? '' : ' (off)'} · ${e.modelName}`).join(', ')}`, width)}
					</Text>
					<Text color={theme.muted} wrap="truncate">
						{selected.targets === 0 ? 'No enabled provider serves it: enable one to compare.' : `c or Enter compares it on ${plural(selected.targets, 'target')} at once · p types a prompt first · h its history`}
					</Text>
				</>
			) : null}
		</Box>
	);
}
