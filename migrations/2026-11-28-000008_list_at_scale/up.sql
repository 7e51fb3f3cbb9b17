-- The token list at a hundred thousand tokens: every sort has an index in exactly the
-- order the list walks (ties broken by id in the same direction), within an account
-- and across accounts for support staff, so a page is read straight off an index
-- from its cursor on. Keys that may be empty are written as the list writes them:
-- no expiry sorts last both ways, never used sorts as the oldest use.
-- Searches in names use a trigram index. Ids get none: pg_trgm's GIN class also
-- answers `=`, and the planner, misled by fresh statistics, took it over the primary
-- key for `id = ANY(…)`; a search that could be part of an id walks the sort's index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

DROP INDEX api_tokens_account_created_idx;
DROP INDEX api_tokens_account_expires_idx;
DROP INDEX api_tokens_account_last_access_idx;
DROP INDEX api_tokens_created_idx;
DROP INDEX api_tokens_last_access_idx;

CREATE INDEX api_tokens_account_created_idx ON api_tokens (account_id, created_at, id);
-- api_tokens_account_name_idx (account_id, lower(name), id) stays as it is.
CREATE INDEX api_tokens_account_expires_asc_idx
    ON api_tokens (account_id, coalesce(expires_at, 'infinity'::timestamptz), id);
CREATE INDEX api_tokens_account_expires_desc_idx
    ON api_tokens (account_id, coalesce(expires_at, '-infinity'::timestamptz), id);
CREATE INDEX api_tokens_account_last_access_idx
    ON api_tokens (account_id, coalesce(last_access_at, '-infinity'::timestamptz), id);

CREATE INDEX api_tokens_created_idx ON api_tokens (created_at, id);
CREATE INDEX api_tokens_name_idx ON api_tokens (lower(name), id);
CREATE INDEX api_tokens_expires_asc_idx
    ON api_tokens (coalesce(expires_at, 'infinity'::timestamptz), id);
CREATE INDEX api_tokens_expires_desc_idx
    ON api_tokens (coalesce(expires_at, '-infinity'::timestamptz), id);
CREATE INDEX api_tokens_last_access_idx
    ON api_tokens (coalesce(last_access_at, '-infinity'::timestamptz), id);

CREATE INDEX api_tokens_name_trgm_idx ON api_tokens USING gin (name gin_trgm_ops);
-- Support's account filter by part of a name.
CREATE INDEX accounts_name_trgm_idx ON accounts USING gin (name gin_trgm_ops);
