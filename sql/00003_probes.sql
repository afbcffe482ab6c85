-- Probes that fit the provider and the budget. Forward-only: never edit once applied.
-- Keep to what PostgreSQL 14 supports.

-- The check a provider gets unless a run asks for another: `models` (GET /models, no tokens),
-- `chat` (one small non-streaming completion) or `stream` (the full streaming smoke test, what
-- every run was before this migration — so existing rows keep it).
alter table providers add column probe_kind text not null default 'stream'
	check (probe_kind in ('models', 'chat', 'stream'));

-- What each run was and cost, and what the provider said about its limits while answering it.
-- rate_headers holds only rate-limit headers (x-ratelimit-*, anthropic-ratelimit-*, retry-after),
-- sanitised and capped before insert; null when the response carried none (or never came).
alter table smoke_runs add column probe_kind text not null default 'stream'
	check (probe_kind in ('models', 'chat', 'stream'));
alter table smoke_runs add column input_tokens integer;
alter table smoke_runs add column tokens_estimated boolean not null default false;
alter table smoke_runs add column rate_headers jsonb;

-- The health model reads, per provider and configured model, the newest run of the key that
-- serves traffic; history lists a provider's runs newest first (smoke_runs_provider).
create index smoke_runs_provider_model on smoke_runs (provider_id, model_name, started_at desc);
-- The newest run that carried rate-limit headers, per provider.
create index smoke_runs_rate_headers on smoke_runs (provider_id, started_at desc) where rate_headers is not null;
-- Comparison history per provider.
create index comparison_results_provider on comparison_results (provider_id);
create index comparison_runs_alias on comparison_runs (alias, started_at desc);

-- `eval752 watch` on several machines against one server: time is cut into windows of the
-- watch interval on the server's clock, and a provider is probed by whoever claims its row first
-- in a window; the claim succeeds only when the previous one was made before the window began
-- (and at least nine tenths of an interval ago), so no provider is probed twice in one interval
-- whatever the number of watchers (or their intervals). A row, not an advisory lock: a lock covers only the moment of probing (the next
-- watcher would probe again right after it is released), dies with its session and does not
-- survive a transaction-pooling proxy; the row says who probed last and when. Coordination
-- state, not operator data: it is neither audited nor backed up.
create table probe_leases (
	provider_id uuid primary key references providers (id) on delete cascade,
	holder text not null,
	claimed_at timestamptz not null,
	window_start timestamptz not null
);
