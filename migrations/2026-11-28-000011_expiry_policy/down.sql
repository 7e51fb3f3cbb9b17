DELETE FROM audit_events WHERE action = 'account.token_policy';
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN (
    'token.create', 'token.edit', 'token.enable', 'token.disable', 'token.delete',
    'token.reveal', 'token.rotate', 'tokens.export', 'user.sign_in', 'user.sign_in_failed',
    'user.sign_in_throttled', 'user.sign_out', 'user.session_ended',
    'user.password_changed', 'user.disabled'));

ALTER TABLE accounts
    DROP COLUMN token_expiry_required,
    DROP COLUMN token_max_lifetime_days;
