DELETE FROM audit_events WHERE action = 'token.rotate';
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN (
    'token.create', 'token.edit', 'token.enable', 'token.disable', 'token.delete',
    'token.reveal', 'tokens.export', 'user.sign_in', 'user.sign_in_failed',
    'user.sign_in_throttled', 'user.sign_out', 'user.session_ended',
    'user.password_changed', 'user.disabled'));

DROP INDEX api_tokens_previous_secret_digest_key;
ALTER TABLE api_tokens
    DROP CONSTRAINT api_tokens_previous_secret_not_deleted,
    DROP CONSTRAINT api_tokens_previous_secret_pair,
    DROP COLUMN previous_secret_ends_at,
    DROP COLUMN previous_secret_digest;
