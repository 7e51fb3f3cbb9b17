-- Who did what to which token, and how each token is used: requests per day and the
-- addresses it was used from.
CREATE TABLE audit_events (
    id             BIGSERIAL PRIMARY KEY,
    account_id     TEXT REFERENCES accounts (id),
    token_id       TEXT REFERENCES api_tokens (id),
    actor_user_id  TEXT REFERENCES users (id),
    actor_token_id TEXT REFERENCES api_tokens (id),
    action         TEXT NOT NULL CHECK (action IN (
                       'token.create', 'token.edit', 'token.enable', 'token.disable',
                       'token.delete', 'token.reveal', 'user.sign_in', 'user.sign_out')),
    details        TEXT NOT NULL DEFAULT '',
    ip             TEXT,
    occurred_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT audit_events_one_actor CHECK (num_nonnulls(actor_user_id, actor_token_id) = 1)
);

CREATE INDEX audit_events_account_idx ON audit_events (account_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_token_idx   ON audit_events (token_id, occurred_at DESC, id DESC);

CREATE TABLE token_usage_daily (
    token_id TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    day      DATE NOT NULL,
    requests BIGINT NOT NULL CHECK (requests >= 0),
    PRIMARY KEY (token_id, day)
);

CREATE TABLE token_access_ips (
    token_id      TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    ip            TEXT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    user_agent    TEXT NOT NULL DEFAULT '',
    requests      BIGINT NOT NULL CHECK (requests >= 0),
    PRIMARY KEY (token_id, ip)
);

CREATE INDEX token_access_ips_recent_idx ON token_access_ips (token_id, last_seen_at DESC);
