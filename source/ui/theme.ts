/**
 * Semantic colours mapped to the 16 ANSI colours (nothing that needs true colour), so the
 * dashboard reads the same over any SSH client. NO_COLOR turns every one off; meaning is
 * always carried by text or symbols too (✓ ✕ ●), never by colour alone.
 */
export interface Theme {
	readonly ok: string | undefined;
	readonly error: string | undefined;
	readonly warn: string | undefined;
	readonly muted: string | undefined;
	readonly accent: string | undefined;
	readonly focus: string | undefined;
	readonly border: string | undefined;
	readonly color: boolean;
}

export function createTheme(noColor: boolean): Theme {
	if (noColor) return {ok: undefined, error: undefined, warn: undefined, muted: undefined, accent: undefined, focus: undefined, border: undefined, color: false};
	return {ok: 'green', error: 'red', warn: 'yellow', muted: 'gray', accent: 'cyan', focus: 'green', border: 'gray', color: true};
}
