-- Last access moves out of api_tokens into a narrow table of its own. Every accepted
-- call writes it (at most once a second per token). In api_tokens each such write was
-- a new version of a wide row in every one of its indexes (last access is a sorted key,
-- so no update could stay in place), and it cleared the table's visibility map, so the
-- list's index-only walks read rows again. Here a write is a narrow row in three
-- indexes, and api_tokens changes only when somebody changes a token.
CREATE TABLE token_last_access (
    token_id   TEXT PRIMARY KEY REFERENCES api_tokens (id) ON DELETE CASCADE,
    -- The token's account (a token never moves), for the list's per-account sort.
    account_id TEXT NOT NULL,
    -- Null: never used.
    at         TIMESTAMPTZ,
    ip         TEXT,
    user_agent TEXT,
    -- The service the use came through, if it was not a direct call.
    via        TEXT
);

INSERT INTO token_last_access (token_id, account_id, at, ip, user_agent, via)
SELECT id, account_id, last_access_at, last_access_ip, last_access_user_agent, last_access_via
  FROM api_tokens;

-- Every token has its row from the moment it exists, so the sort by last access walks
-- one index over all of an account's tokens, the never used ones included.
CREATE FUNCTION token_last_access_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO token_last_access (token_id, account_id)
    SELECT id, account_id FROM added;
    RETURN NULL;
END
$$;
CREATE TRIGGER api_tokens_last_access_rows AFTER INSERT ON api_tokens
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION token_last_access_rows();

-- The list's sort by last access, written as the list writes it (never used sorts as
-- the oldest use), within an account and across accounts for support staff.
CREATE INDEX token_last_access_account_idx
    ON token_last_access (account_id, coalesce(at, '-infinity'::timestamptz), token_id);
CREATE INDEX token_last_access_at_idx
    ON token_last_access (coalesce(at, '-infinity'::timestamptz), token_id);

DROP INDEX api_tokens_account_last_access_idx;
DROP INDEX api_tokens_last_access_idx;
ALTER TABLE api_tokens
    DROP COLUMN last_access_at,
    DROP COLUMN last_access_ip,
    DROP COLUMN last_access_user_agent,
    DROP COLUMN last_access_via;

-- Support's list by status (across accounts), newest first: with the rows narrower, a
-- count of one status would otherwise read the table until it has seen enough.
CREATE INDEX api_tokens_status_created_idx ON api_tokens (status, created_at, id);
