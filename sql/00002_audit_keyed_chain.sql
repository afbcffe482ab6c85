-- Keyed audit chain and its head record. Forward-only: never edit this file once applied.
--
-- The owner of audit_log can disable its triggers, so an unkeyed hash chain proves nothing
-- against the people who can reach the database. From here on every row is signed:
-- row_hash = HMAC(audit key of key_id, prev_hash || canonical row), the audit key derived from
-- ENCRYPTION_KEY by HKDF. Rows written before this migration keep key_id null and their
-- sha256 chain; the first keyed row signs the last of them, and eval752 reports where keyed
-- hashing starts. The MACs are computed by the application (this file has no key).

alter table audit_log add column key_id text;

-- One row: the last seq, its hash, the row count and where keyed hashing starts, signed with
-- the same key and updated in the same transaction as every append. Deleting the last rows of
-- audit_log leaves it pointing past the end; a rewrite of it needs the key.
-- mac is null only until the first keyed row (key_id and mac go together).
create table audit_head (
	id boolean primary key default true check (id),
	seq bigint not null check (seq >= 0),
	rows bigint not null check (rows >= 0),
	row_hash bytea not null,
	at timestamptz,
	keyed_from bigint,
	key_id text,
	mac bytea,
	check ((key_id is null) = (mac is null))
);

-- The head of the rows already there (none on a new database: seq 0 and the genesis hash).
insert into audit_head (seq, rows, row_hash, at)
select
	coalesce(max(seq), 0),
	count(*),
	coalesce((select row_hash from audit_log order by seq desc limit 1), decode(repeat('00', 32), 'hex')),
	max(at)
from audit_log;

-- Against mistakes and a runtime role that may update the head but not own it: the head moves
-- forward only and is never deleted. (Its owner can disable this too; the MAC is what holds.)
create function audit_head_guard() returns trigger language plpgsql as $$
begin
	if tg_op = 'UPDATE' then
		if new.seq < old.seq then
			raise exception 'audit_head only moves forward: seq % to % refused', old.seq, new.seq using errcode = '42501';
		end if;
		return new;
	end if;
	raise exception 'audit_head is kept by eval752: % refused', tg_op using errcode = '42501';
end;
$$;

create trigger audit_head_forward before update on audit_head
	for each row execute function audit_head_guard();
create trigger audit_head_no_delete before delete on audit_head
	for each row execute function audit_head_guard();
create trigger audit_head_no_truncate before truncate on audit_head
	for each statement execute function audit_head_guard();
