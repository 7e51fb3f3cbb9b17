DROP INDEX api_tokens_created_idx;
DROP INDEX api_tokens_account_created_idx;

CREATE INDEX api_tokens_created_idx ON api_tokens (created_at, id);
CREATE INDEX api_tokens_account_created_idx ON api_tokens (account_id, created_at, id);
