-- Leak reports from secret scanners (`POST /api/v1/leaks`): a token whose secret was
-- found in public is disabled at once and keeps where and when it was found, for good
-- (enabling it again clears nothing of it). The url and source are the scanner's words,
-- bounded; there is no url or source without the time.
ALTER TABLE api_tokens
    ADD COLUMN leaked_at TIMESTAMPTZ,
    ADD COLUMN leak_url TEXT CHECK (char_length(leak_url) <= 2000),
    ADD COLUMN leak_source TEXT CHECK (char_length(leak_source) <= 100),
    ADD CONSTRAINT api_tokens_leak_found_when CHECK (
        leaked_at IS NOT NULL OR (leak_url IS NULL AND leak_source IS NULL)
    );

-- The banner on an admin's list counts the account's tokens found in public and still
-- disabled, and its link lists them: a handful, found through this index alone. (Its
-- condition names no status, so a query whose status is a bound parameter uses it too.)
CREATE INDEX api_tokens_found_in_public_idx
    ON api_tokens (account_id, created_at DESC, id DESC)
    WHERE leaked_at IS NOT NULL;

-- A leak is audited with the service that reported it as the actor.
ALTER TABLE audit_events
    ADD COLUMN actor_service TEXT,
    DROP CONSTRAINT audit_events_one_actor,
    ADD CONSTRAINT audit_events_one_actor
        CHECK (num_nonnulls(actor_user_id, actor_token_id, actor_service) = 1);

ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN (
    'token.create', 'token.edit', 'token.enable', 'token.disable', 'token.delete',
    'token.reveal', 'token.rotate', 'token.leaked', 'tokens.export', 'account.token_policy',
    'user.sign_in', 'user.sign_in_failed', 'user.sign_in_throttled', 'user.sign_out',
    'user.session_ended', 'user.password_changed', 'user.disabled'));
