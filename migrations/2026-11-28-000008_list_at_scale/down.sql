DROP INDEX accounts_name_trgm_idx;
DROP INDEX api_tokens_name_trgm_idx;
DROP INDEX api_tokens_last_access_idx;
DROP INDEX api_tokens_expires_desc_idx;
DROP INDEX api_tokens_expires_asc_idx;
DROP INDEX api_tokens_name_idx;
DROP INDEX api_tokens_created_idx;
DROP INDEX api_tokens_account_last_access_idx;
DROP INDEX api_tokens_account_expires_desc_idx;
DROP INDEX api_tokens_account_expires_asc_idx;
DROP INDEX api_tokens_account_created_idx;

CREATE INDEX api_tokens_account_created_idx     ON api_tokens (account_id, created_at DESC, id);
CREATE INDEX api_tokens_account_expires_idx     ON api_tokens (account_id, expires_at, id);
CREATE INDEX api_tokens_account_last_access_idx ON api_tokens (account_id, last_access_at, id);
CREATE INDEX api_tokens_created_idx             ON api_tokens (created_at DESC, id);
CREATE INDEX api_tokens_last_access_idx         ON api_tokens (last_access_at, id);
