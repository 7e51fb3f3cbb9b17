-- Server-side sessions: the cookie carries only a random key; this row holds its
-- state. Only the key's SHA-256 digest is kept, so a copy of this table signs nobody
-- in. A session ends when deleted (sign-out, a password change, a disabled person),
-- after its idle time, or at expires_at (12 hours after sign-in).
CREATE TABLE sessions (
    key_digest   BYTEA PRIMARY KEY CHECK (octet_length(key_digest) = 32),
    -- What the sessions page calls it (random, not the key): "sign out" that one.
    public_id    TEXT NOT NULL UNIQUE CHECK (public_id ~ '^[A-Za-z0-9_-]{22}$'),
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at DESC);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Failed sign-ins, counted per email and per address over a sliding window, in the
-- database so every instance shares the counts.
CREATE TABLE sign_in_failures (
    id    BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    ip    TEXT,
    at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_ip_idx ON sign_in_failures (ip, at);
CREATE INDEX sign_in_failures_at_idx ON sign_in_failures (at);

-- A disabled person can't sign in, and their sessions are ended.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMPTZ;

-- What people do with their sessions and the exports they take are audited too.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN (
    'token.create', 'token.edit', 'token.enable', 'token.disable', 'token.delete',
    'token.reveal', 'tokens.export', 'user.sign_in', 'user.sign_in_failed',
    'user.sign_in_throttled', 'user.sign_out', 'user.session_ended',
    'user.password_changed', 'user.disabled'));
