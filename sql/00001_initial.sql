-- eval752 first schema. Forward-only: never edit this file once applied; add 00002_… instead.
-- Keep to what PostgreSQL 14 supports (shared servers may be older than the embedded PGlite).

create table providers (
	id uuid primary key default gen_random_uuid(),
	name text not null check (length(name) between 1 and 64),
	type text not null,
	base_url text not null,
	capabilities text[] not null default '{}',
	rate_limits jsonb not null default '{}'::jsonb,
	extra_headers jsonb not null default '{}'::jsonb,
	enabled boolean not null default true,
	version integer not null default 1,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	updated_by text
);
create unique index providers_name_ci on providers (lower(name));

-- ciphertext is the v1 envelope; key_id names the ENCRYPTION_KEY that wrote it.
-- fingerprint is an HMAC of the secret: duplicate detection without decrypting.
create table provider_keys (
	id uuid primary key default gen_random_uuid(),
	provider_id uuid not null references providers (id) on delete cascade,
	label text not null default '',
	ciphertext text not null check (ciphertext like 'v1:%:%'),
	key_id text not null,
	fingerprint bytea not null,
	display_hint text not null,
	status text not null default 'active' check (status in ('active', 'disabled')),
	priority integer not null default 0,
	version integer not null default 1,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	updated_by text,
	disabled_at timestamptz,
	last_validated_at timestamptz,
	last_validation jsonb
);
create unique index provider_keys_fingerprint on provider_keys (fingerprint);
create index provider_keys_provider on provider_keys (provider_id);
create index provider_keys_key_id on provider_keys (key_id);

create table models (
	id uuid primary key default gen_random_uuid(),
	provider_id uuid not null references providers (id) on delete cascade,
	model_name text not null check (length(model_name) between 1 and 256),
	display_label text not null default '',
	alias text,
	version integer not null default 1,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	updated_by text,
	unique (provider_id, model_name)
);
create index models_alias on models (alias);

create table settings (
	key text primary key,
	value jsonb not null,
	version integer not null default 1,
	updated_at timestamptz not null default now(),
	updated_by text
);

-- Excerpt and error_message are redacted and sanitised before insert.
create table smoke_runs (
	id uuid primary key default gen_random_uuid(),
	provider_id uuid references providers (id) on delete set null,
	provider_name text not null,
	key_row_id uuid references provider_keys (id) on delete set null,
	model_name text not null,
	started_at timestamptz not null,
	finished_at timestamptz,
	outcome text not null check (outcome in ('ok', 'failed', 'cancelled')),
	error_class text,
	ttft_ms integer,
	total_ms integer,
	output_tokens integer,
	tokens_per_s double precision,
	excerpt text,
	error_message text,
	actor text not null
);
create index smoke_runs_provider on smoke_runs (provider_id, started_at desc);

create table comparison_runs (
	id uuid primary key default gen_random_uuid(),
	alias text not null,
	prompt text not null,
	started_at timestamptz not null,
	finished_at timestamptz,
	status text not null check (status in ('running', 'finished', 'cancelled')),
	actor text not null
);

create table comparison_results (
	id uuid primary key default gen_random_uuid(),
	run_id uuid not null references comparison_runs (id) on delete cascade,
	provider_id uuid references providers (id) on delete set null,
	provider_name text not null,
	model_name text not null,
	outcome text not null check (outcome in ('ok', 'failed', 'cancelled')),
	error_class text,
	ttft_ms integer,
	total_ms integer,
	output_tokens integer,
	tokens_per_s double precision,
	excerpt text,
	error_message text
);
create index comparison_results_run on comparison_results (run_id);

-- Append-only, hash-chained: row_hash = sha256(prev_hash || canonical row), computed by the
-- application under an advisory lock so the chain never forks. seq is assigned gap-free under
-- that lock, so a deleted row also shows as a gap.
create table audit_log (
	seq bigint primary key,
	at timestamptz not null,
	actor text not null,
	action text not null,
	target_type text not null,
	target_id text,
	details jsonb not null default '{}'::jsonb,
	prev_hash bytea not null,
	row_hash bytea not null
);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
	raise exception 'audit_log is append-only: % refused', tg_op using errcode = '42501';
end;
$$;

create trigger audit_log_no_update before update on audit_log
	for each row execute function audit_log_append_only();
create trigger audit_log_no_delete before delete on audit_log
	for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
	for each statement execute function audit_log_append_only();

-- One row per ENCRYPTION_KEY that has encrypted anything: start-up decrypts it to prove the
-- configured key is the one that wrote the data.
create table encryption_canary (
	key_id text primary key,
	ciphertext text not null,
	created_at timestamptz not null default now()
);
