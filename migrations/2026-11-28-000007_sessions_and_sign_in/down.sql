DELETE FROM audit_events WHERE action IN ('tokens.export', 'user.sign_in_failed',
    'user.sign_in_throttled', 'user.session_ended', 'user.password_changed', 'user.disabled');
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN (
    'token.create', 'token.edit', 'token.enable', 'token.disable',
    'token.delete', 'token.reveal', 'user.sign_in', 'user.sign_out'));
ALTER TABLE users DROP COLUMN disabled_at;
DROP TABLE sign_in_failures;
DROP TABLE sessions;
