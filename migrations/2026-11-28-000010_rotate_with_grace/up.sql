-- Rotating a token gives it a new secret and keeps the one it replaces working until
-- the grace period the admin chose has passed. The replaced secret's digest is kept
-- with that end (the end is the rotation itself when there is no grace period, so the
-- old secret is refused as "rotated" rather than unknown). A deleted token keeps no
-- secret material, the replaced one included.
ALTER TABLE api_tokens
    ADD COLUMN previous_secret_digest BYTEA CHECK (octet_length(previous_secret_digest) = 32),
    ADD COLUMN previous_secret_ends_at TIMESTAMPTZ,
    ADD CONSTRAINT api_tokens_previous_secret_pair CHECK (
        (previous_secret_digest IS NULL) = (previous_secret_ends_at IS NULL)
    ),
    ADD CONSTRAINT api_tokens_previous_secret_not_deleted CHECK (
        status <> 'deleted' OR previous_secret_digest IS NULL
    );

CREATE UNIQUE INDEX api_tokens_previous_secret_digest_key
    ON api_tokens (previous_secret_digest) WHERE previous_secret_digest IS NOT NULL;

ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN (
    'token.create', 'token.edit', 'token.enable', 'token.disable', 'token.delete',
    'token.reveal', 'token.rotate', 'tokens.export', 'user.sign_in', 'user.sign_in_failed',
    'user.sign_in_throttled', 'user.sign_out', 'user.session_ended',
    'user.password_changed', 'user.disabled'));
