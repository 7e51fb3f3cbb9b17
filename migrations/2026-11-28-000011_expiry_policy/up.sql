-- Each account's expiry policy, set by its admins: the furthest an expiry may be set
-- (in days from the moment it is set; none for no maximum) and whether every token
-- must expire. A maximum implies an expiry; the application enforces both when a
-- token is created, edited or rotated. Changes are audited.
ALTER TABLE accounts
    ADD COLUMN token_max_lifetime_days INT
        CHECK (token_max_lifetime_days IN (30, 90, 180, 365)),
    ADD COLUMN token_expiry_required BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN (
    'token.create', 'token.edit', 'token.enable', 'token.disable', 'token.delete',
    'token.reveal', 'token.rotate', 'tokens.export', 'account.token_policy',
    'user.sign_in', 'user.sign_in_failed', 'user.sign_in_throttled', 'user.sign_out',
    'user.session_ended', 'user.password_changed', 'user.disabled'));
