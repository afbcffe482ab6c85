import type {Queryable} from '../types.js';

/**
 * Probe leases for `eval752 watch` (see sql/00003_probes.sql): time is cut into windows of the
 * watch interval on the server's clock; a provider's row is claimed at most once per window, and
 * never sooner than nine tenths of an interval after the last claim (so a claim late in one
 * window and one early in the next are not a double probe either; the tenth spares a watcher
 * whose timer fires a little early). The claim is one INSERT … ON CONFLICT DO UPDATE … WHERE: a
 * second watcher racing for the same row waits for the first's row lock, then re-checks the
 * WHERE against the committed claim and gets nothing back — so each provider is probed by exactly
 * one watcher per window.
 */
export const MIN_GAP_FRACTION = 0.9;

export async function claimProbeLeases(sql: Queryable, providerIds: readonly string[], holder: string, intervalMs: number): Promise<Set<string>> {
	if (providerIds.length === 0) return new Set();
	const rows = await sql<{provider_id: string}[]>`
		insert into probe_leases (provider_id, holder, claimed_at, window_start)
		select t.id, ${holder}, now(), to_timestamp(floor(extract(epoch from now()) * 1000 / ${intervalMs}) * ${intervalMs} / 1000.0)
		from unnest(${sql.array(providerIds as string[])}::uuid[]) as t(id)
		where exists (select 1 from providers p where p.id = t.id)
		on conflict (provider_id) do update
			set holder = excluded.holder, claimed_at = excluded.claimed_at, window_start = excluded.window_start
			where probe_leases.claimed_at < excluded.window_start
				and probe_leases.claimed_at <= excluded.claimed_at - ${Math.floor(intervalMs * MIN_GAP_FRACTION)} * interval '1 millisecond'
		returning provider_id`;
	return new Set(rows.map((row) => row.provider_id));
}

/** Who claimed each provider last, and when (for "probed by another watcher this interval"). */
export async function probeLeases(sql: Queryable, providerIds: readonly string[]): Promise<Map<string, {holder: string; claimedAt: Date}>> {
	if (providerIds.length === 0) return new Map();
	const rows = await sql<{provider_id: string; holder: string; claimed_at: Date}[]>`
		select provider_id, holder, claimed_at from probe_leases where provider_id = any(${sql.array(providerIds as string[])}::uuid[])`;
	return new Map(rows.map((row) => [row.provider_id, {holder: row.holder, claimedAt: row.claimed_at}]));
}
