import {DataDirInUse} from '../db/lock.js';
import {DatabaseUnavailable, isUserError, SchemaNotCurrent} from '../errors.js';
import type {ServiceContext} from './context.js';
import {DatabaseFault, presentError} from './faults.js';
import {healthExitCodes} from './health.js';
import {keyHint, WRONG_KEY_HINT} from './context.js';

/**
 * What the checkers (`status`, `probe`, `watch --once`) say when they could not check at all,
 * kept apart from every health verdict: a script must tell "OpenAI is down" (1) from "the checker
 * is broken" (5), "the key is wrong" (6) and "someone else has the database" (7). The codes are
 * stable; `exitCodeTable` is the one list that --help and the README print.
 */

/** Could not check: the database is unreachable, its schema is not current, or the checker failed. */
export const EXIT_UNCHECKED = 5;
/** The configured ENCRYPTION_KEY can't open the stored API keys (wrong, or retired while rows still need it). */
export const EXIT_KEY = 6;
/** Could not check: the embedded database is held by another eval752 that does not share it; try again. */
export const EXIT_BUSY = 7;

export type NagiosState = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

export interface ExitCodeRow {
	readonly code: number;
	readonly state: string;
	readonly meaning: string;
	/** The Nagios plugin state it maps to (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). */
	readonly nagios: NagiosState;
}

export const nagiosCodes: Readonly<Record<NagiosState, number>> = {OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3};

/**
 * Every exit code of `status`, `probe` and `watch --once`, with the monitoring state it maps to.
 * Nagios' own numbers can't be used directly (3, UNKNOWN there, is "degraded" here, and 2 is
 * "usage" for every eval752 command): a wrapper maps them with this table.
 */
export const exitCodeTable: readonly ExitCodeRow[] = [
	{code: healthExitCodes.healthy, state: 'healthy', meaning: 'every enabled provider is healthy (also when there are none)', nagios: 'OK'},
	{code: healthExitCodes.failing, state: 'failing', meaning: 'at least one enabled provider is failing', nagios: 'CRITICAL'},
	{code: 2, state: 'usage', meaning: 'usage or configuration error (a bad flag, a malformed variable)', nagios: 'UNKNOWN'},
	{code: healthExitCodes.degraded, state: 'degraded', meaning: 'none failing; at least one degraded', nagios: 'WARNING'},
	{code: healthExitCodes.unknown, state: 'unknown', meaning: 'none failing or degraded; at least one not probed within --max-age', nagios: 'WARNING'},
	{code: EXIT_UNCHECKED, state: 'unchecked', meaning: 'could not check: the database is unreachable, its schema is not current, or the check itself failed', nagios: 'UNKNOWN'},
	{code: EXIT_KEY, state: 'wrong-key', meaning: 'ENCRYPTION_KEY can not open the stored API keys (wrong, retired, or a rotation left unfinished): every probe would fail', nagios: 'CRITICAL'},
	{code: EXIT_BUSY, state: 'unchecked (busy)', meaning: 'could not check: another eval752 holds the embedded database and does not share it; try again', nagios: 'UNKNOWN'},
];

/** The table as the README prints it (a test keeps the README equal to this). */
export function markdownExitCodeTable(): string {
	return ['| exit | state | when | Nagios |', '|---|---|---|---|', ...exitCodeTable.map((row) => `| ${row.code} | ${row.state} | ${row.meaning} | ${row.nagios} (${nagiosCodes[row.nagios]}) |`)].join('\n');
}

/** The table as text for --help: `  0  healthy   …  (Nagios OK)`. */
export function exitCodeHelp(indent = '  '): string {
	const widest = Math.max(...exitCodeTable.map((row) => row.state.length));
	return exitCodeTable.map((row) => `${indent}${row.code}  ${row.state.padEnd(widest)}  ${row.meaning} (Nagios ${row.nagios})`).join('\n');
}

export type UncheckedCause = 'unreachable' | 'busy' | 'schema' | 'error';

/** A check that could not run, as a script reads it (status --json prints it as a document). */
export interface Unchecked {
	readonly state: 'unchecked';
	readonly cause: UncheckedCause;
	readonly exitCode: number;
	readonly message: string;
	readonly hint: string | undefined;
}

/**
 * The failure of a checker as "could not check", or undefined for a usage or configuration
 * error (exit 2 stays exit 2). Anything else — the database unreachable or lost, its schema
 * behind, the embedded directory busy, even a bug — is a checker that could not check, never a
 * provider verdict.
 */
export function uncheckedFrom(error: unknown): Unchecked | undefined {
	if (isUserError(error) && error.exitCode === 2) return undefined;
	const shown = presentError(error);
	const cause: UncheckedCause =
		error instanceof DataDirInUse
			? 'busy'
			: error instanceof SchemaNotCurrent
				? 'schema'
				: error instanceof DatabaseUnavailable || error instanceof DatabaseFault
					? 'unreachable'
					: 'error';
	return {state: 'unchecked', cause, exitCode: cause === 'busy' ? EXIT_BUSY : EXIT_UNCHECKED, message: shown.message, hint: shown.hint};
}

/**
 * The encryption-key check a checker runs, without decrypting any provider key — the start-up
 * check (services/canary.ts) as every command opened it: the canary decrypts, every stored
 * secret is under a configured key id, the audit head's MAC verifies.
 * - ok: all of that holds;
 * - wrong: it does not — a wrong key, a retired one, a rotation left unfinished (the message
 *   says which): every probe would fail;
 * - missing: no ENCRYPTION_KEY (a shared server read without one): not checked, and probing needs it.
 */
export interface KeyCheck {
	readonly status: 'ok' | 'wrong' | 'missing';
	readonly message: string | null;
	readonly hint: string | null;
}

export function checkEncryptionKey(ctx: ServiceContext): KeyCheck {
	const keys = ctx.keys;
	if (keys.status === 'ok') return {status: 'ok', message: null, hint: null};
	if (keys.status === 'missing') return {status: 'missing', message: 'ENCRYPTION_KEY is not set, so the key is not checked and nothing can be probed', hint: 'set ENCRYPTION_KEY (the key this database was set up with)'};
	return {status: 'wrong', message: keys.message, hint: keyHint(keys)};
}

/** The key check as "could not check" for `probe` and `watch`: they can't call a provider without the key. */
export function keyBlocksProbing(check: KeyCheck): {message: string; hint: string} | undefined {
	if (check.status === 'ok') return undefined;
	return {message: check.message ?? 'ENCRYPTION_KEY can not be used', hint: check.hint ?? WRONG_KEY_HINT};
}
