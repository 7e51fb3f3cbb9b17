DROP INDEX api_tokens_account_expires_asc_idx;
CREATE INDEX api_tokens_account_expires_asc_idx
    ON api_tokens (account_id, coalesce(expires_at, 'infinity'::timestamptz), id);
