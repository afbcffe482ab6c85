/**
 * A lost race on one row, as an operator reads it: "Provider groq-prod was changed by bob@ops
 * 12 s ago: base URL, rpm". Pure: the services fill the details from the audit log, both front
 * ends render them with {@link conflictSentence} (the dashboard again as the seconds pass).
 */

export type ConflictTarget = 'provider' | 'model' | 'key' | 'setting';

export interface ConflictDetails {
	readonly targetType: ConflictTarget;
	readonly targetId: string;
	/** How the sentence starts: "Provider groq-prod", "Key ci (3f2a9c1b)", "Setting timeout_ms". */
	readonly subject: string;
	/** The version the edit started from. */
	readonly expectedVersion: number;
	/** The version now in the database (0: a setting never written). Saving over theirs uses this one. */
	readonly currentVersion: number;
	/** Who changed the row since the expected version, oldest first; empty when nobody can tell. */
	readonly actors: readonly string[];
	/** When it was last changed; null when unknown. */
	readonly changedAt: Date | null;
	/** The fields changed since, as operators read them ("base URL", "rpm"); empty when the audit log can't say. */
	readonly fields: readonly string[];
}

/** Field names as the audit log records them (dotted for one nested level), as operators read them. */
const LABELS: Record<ConflictTarget, Record<string, string>> = {
	provider: {
		name: 'name',
		type: 'family',
		baseUrl: 'base URL',
		capabilities: 'capabilities',
		rateLimits: 'rate limits',
		'rateLimits.rpm': 'rpm',
		'rateLimits.rps': 'rps',
		'rateLimits.concurrency': 'concurrency',
		extraHeaders: 'extra headers',
		enabled: 'enabled',
	},
	model: {modelName: 'model id', displayLabel: 'display label', alias: 'alias'},
	key: {label: 'label', priority: 'priority', status: 'status'},
	setting: {value: 'value'},
};

/** The operator's name for a recorded field; undefined for a name we did not write (an edited audit row). */
export function fieldLabel(target: ConflictTarget, field: string): string | undefined {
	return Object.prototype.hasOwnProperty.call(LABELS[target], field) ? LABELS[target][field] : undefined;
}

/** Labels of several recorded fields, in the order given, each once; unknown names are left out. */
export function fieldLabels(target: ConflictTarget, fields: readonly string[]): string[] {
	const out: string[] = [];
	for (const field of fields) {
		const label = fieldLabel(target, field);
		if (label !== undefined && !out.includes(label)) out.push(label);
	}
	return out;
}

function same(a: unknown, b: unknown): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The names of the fields that differ between two projections, in the order of `after`. Fields
 * listed in `nested` that hold objects are compared one level down (`rateLimits.rpm`), so a
 * conflict can say "rpm" rather than "rate limits".
 */
export function changedFields(before: object, after: object, nested: readonly string[] = []): string[] {
	const b = before as Record<string, unknown>;
	const a = after as Record<string, unknown>;
	const out: string[] = [];
	for (const key of Object.keys(a)) {
		if (same(b[key], a[key])) continue;
		const inner = a[key];
		const outer = b[key];
		if (nested.includes(key) && isPlainObject(inner) && isPlainObject(outer)) {
			for (const sub of new Set([...Object.keys(outer), ...Object.keys(inner)])) if (!same(outer[sub], inner[sub])) out.push(`${key}.${sub}`);
		} else out.push(key);
	}
	return out;
}

/** "12 s", "3 min", "2 h", "5 d". */
export function elapsed(from: Date, now: Date): string {
	const seconds = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
	if (seconds < 60) return `${seconds} s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
	if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
	return `${Math.floor(seconds / 86_400)} d`;
}

function whom(actors: readonly string[]): string {
	if (actors.length === 0) return 'someone else';
	if (actors.length === 1) return actors[0]!;
	if (actors.length === 2) return `${actors[0]} and ${actors[1]}`;
	return `${actors[0]}, ${actors[1]} and ${actors.length - 2} other${actors.length === 3 ? '' : 's'}`;
}

/** "Provider groq-prod was changed by bob@ops 12 s ago: base URL, rpm". */
export function conflictSentence(details: ConflictDetails, now: Date = new Date()): string {
	const when = details.changedAt ? ` ${elapsed(details.changedAt, now)} ago` : '';
	const what = details.fields.length > 0 ? `: ${details.fields.join(', ')}` : '';
	return `${details.subject} was changed by ${whom(details.actors)}${when}${what}`;
}
