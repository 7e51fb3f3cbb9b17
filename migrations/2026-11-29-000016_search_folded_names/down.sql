DROP INDEX api_tokens_name_folded_trgm_idx;
DROP INDEX api_tokens_account_created_idx;
DROP INDEX api_tokens_created_idx;
ALTER TABLE api_tokens DROP COLUMN name_folded;
CREATE INDEX api_tokens_account_created_idx
    ON api_tokens (account_id, created_at, id) INCLUDE (name, status);
CREATE INDEX api_tokens_created_idx
    ON api_tokens (created_at, id) INCLUDE (account_id, name, status);
CREATE INDEX api_tokens_name_trgm_idx ON api_tokens USING gin (name gin_trgm_ops);
