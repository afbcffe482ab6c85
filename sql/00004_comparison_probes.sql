-- A comparison's answers count as probes of the key and model they used. Forward-only: never
-- edit once applied. Keep to what PostgreSQL 14 supports.

-- Which key the request carried (null: a keyless local server, or a result stored before this
-- migration, which then never counts for health) and when its answer ended.
alter table comparison_results add column key_row_id uuid references provider_keys (id) on delete set null;
alter table comparison_results add column finished_at timestamptz;

-- The health model reads, per provider and configured model, the newest answer of the serving
-- key among probes and comparisons alike.
create index comparison_results_provider_model on comparison_results (provider_id, model_name, finished_at desc);
