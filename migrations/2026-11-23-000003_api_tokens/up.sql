-- API tokens, the modules each is granted, and the indexes the token list filters
-- and sorts by within an account.
CREATE TABLE api_tokens (
    id                     TEXT PRIMARY KEY CHECK (id ~ '^TK-[0-9]{4}-[0-9]{4}-[0-9]{4}$'),
    account_id             TEXT NOT NULL REFERENCES accounts (id),
    name                   TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100 AND name = btrim(name)),
    description            TEXT NOT NULL DEFAULT '' CHECK (char_length(description) <= 1000),
    scope                  TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    status                 TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'deleted')),
    secret_prefix          TEXT NOT NULL CHECK (secret_prefix ~ '^tdk_[A-Za-z0-9]{6}$'),
    secret_digest          BYTEA CHECK (octet_length(secret_digest) = 32),
    secret_ciphertext      BYTEA,
    created_by             TEXT NOT NULL REFERENCES users (id),
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at             TIMESTAMPTZ,
    disabled_at            TIMESTAMPTZ,
    deleted_at             TIMESTAMPTZ,
    last_access_at         TIMESTAMPTZ,
    last_access_ip         TEXT,
    last_access_user_agent TEXT,
    -- A deleted token keeps no secret material; every other token keeps all of it.
    CONSTRAINT api_tokens_secret_matches_status CHECK (
        (status = 'deleted') = (secret_digest IS NULL AND secret_ciphertext IS NULL)
    ),
    CONSTRAINT api_tokens_disabled_at_matches_status CHECK (
        (status = 'disabled') = (disabled_at IS NOT NULL)
    ),
    CONSTRAINT api_tokens_deleted_at_matches_status CHECK (
        (status = 'deleted') = (deleted_at IS NOT NULL)
    )
);

-- The lookup on every authenticated API request.
CREATE UNIQUE INDEX api_tokens_secret_digest_key ON api_tokens (secret_digest);

-- The list's filters and sorts, within an account.
CREATE INDEX api_tokens_account_created_idx     ON api_tokens (account_id, created_at DESC, id);
CREATE INDEX api_tokens_account_name_idx        ON api_tokens (account_id, lower(name), id);
CREATE INDEX api_tokens_account_expires_idx     ON api_tokens (account_id, expires_at, id);
CREATE INDEX api_tokens_account_last_access_idx ON api_tokens (account_id, last_access_at, id);
CREATE INDEX api_tokens_account_status_idx      ON api_tokens (account_id, status);
-- Support staff list across accounts.
CREATE INDEX api_tokens_created_idx             ON api_tokens (created_at DESC, id);
CREATE INDEX api_tokens_last_access_idx         ON api_tokens (last_access_at, id);

CREATE TABLE token_modules (
    token_id  TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    module_id TEXT NOT NULL REFERENCES modules (id),
    PRIMARY KEY (token_id, module_id)
);

CREATE INDEX token_modules_module_id_idx ON token_modules (module_id, token_id);
