-- How many of an account's tokens expire within seven days is counted on every page of
-- the list. The count walked the account's expiry index and visited each token's row
-- for its status and expiry: about 280 rows, 2 ms, for an account of 100,000 tokens.
-- With both in the index, it reads the index alone (0.15 ms).
DROP INDEX api_tokens_account_expires_asc_idx;
CREATE INDEX api_tokens_account_expires_asc_idx
    ON api_tokens (account_id, coalesce(expires_at, 'infinity'::timestamptz), id)
    INCLUDE (status, expires_at);
