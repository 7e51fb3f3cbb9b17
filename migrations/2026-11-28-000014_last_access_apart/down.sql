DROP INDEX api_tokens_status_created_idx;

ALTER TABLE api_tokens
    ADD COLUMN last_access_at TIMESTAMPTZ,
    ADD COLUMN last_access_ip TEXT,
    ADD COLUMN last_access_user_agent TEXT,
    ADD COLUMN last_access_via TEXT;

UPDATE api_tokens AS t
   SET last_access_at = a.at, last_access_ip = a.ip, last_access_user_agent = a.user_agent,
       last_access_via = a.via
  FROM token_last_access AS a
 WHERE a.token_id = t.id;

CREATE INDEX api_tokens_account_last_access_idx
    ON api_tokens (account_id, coalesce(last_access_at, '-infinity'::timestamptz), id);
CREATE INDEX api_tokens_last_access_idx
    ON api_tokens (coalesce(last_access_at, '-infinity'::timestamptz), id);

DROP TRIGGER api_tokens_last_access_rows ON api_tokens;
DROP FUNCTION token_last_access_rows();
DROP TABLE token_last_access;
