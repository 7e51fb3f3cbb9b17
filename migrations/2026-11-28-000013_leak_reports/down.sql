DELETE FROM audit_events WHERE action = 'token.leaked' OR actor_service IS NOT NULL;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN (
    'token.create', 'token.edit', 'token.enable', 'token.disable', 'token.delete',
    'token.reveal', 'token.rotate', 'tokens.export', 'account.token_policy',
    'user.sign_in', 'user.sign_in_failed', 'user.sign_in_throttled', 'user.sign_out',
    'user.session_ended', 'user.password_changed', 'user.disabled'));

ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_one_actor,
    DROP COLUMN actor_service,
    ADD CONSTRAINT audit_events_one_actor
        CHECK (num_nonnulls(actor_user_id, actor_token_id) = 1);

DROP INDEX api_tokens_found_in_public_idx;
ALTER TABLE api_tokens
    DROP CONSTRAINT api_tokens_leak_found_when,
    DROP COLUMN leak_source,
    DROP COLUMN leak_url,
    DROP COLUMN leaked_at;
