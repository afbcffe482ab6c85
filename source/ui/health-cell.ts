import type {HealthState, HealthVerdict} from '../services/health.js';
import type {Theme} from './theme.js';

/** Each state with a symbol that reads without colour (NO_COLOR, a monochrome SSH client). */
export const healthSymbols: Readonly<Record<HealthState, string>> = {healthy: '✓', degraded: '!', failing: '✕', unknown: '?', disabled: '–'};

/** "✓ healthy", "! degraded 4/5", "? unknown": the board's health cell. */
export function healthText(verdict: HealthVerdict): string {
	const counts = verdict.models.total > 1 && verdict.state !== 'disabled' && verdict.state !== 'unknown' ? ` ${verdict.models.ok}/${verdict.models.total}` : '';
	return `${healthSymbols[verdict.state]} ${verdict.state}${counts}`;
}

export function healthColor(state: HealthState, theme: Theme): string | undefined {
	return state === 'healthy' ? theme.ok : state === 'failing' ? theme.error : state === 'degraded' ? theme.warn : theme.muted;
}
