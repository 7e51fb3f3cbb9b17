-- Whether the token was disabled by a person (in the portal) rather than by a token
-- through the API: only a person may enable such a token again. Tokens disabled before
-- this column existed were disabled in the portal.
ALTER TABLE api_tokens ADD COLUMN disabled_by_person BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE api_tokens SET disabled_by_person = TRUE WHERE status = 'disabled';
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_disabled_by_person_only_when_disabled
    CHECK (NOT disabled_by_person OR status = 'disabled');

-- The service a token's last use came through (`POST /api/v1/verify` or introspection),
-- or NULL when the token called the API itself.
ALTER TABLE api_tokens ADD COLUMN last_access_via TEXT;

-- Credentials of the platform's other services (API gateways and the like), which may
-- ask whether a token is valid. Only the SHA-256 digest of each secret is kept.
CREATE TABLE service_credentials (
    name          TEXT PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
    secret_digest BYTEA NOT NULL UNIQUE CHECK (octet_length(secret_digest) = 32),
    secret_prefix TEXT NOT NULL CHECK (secret_prefix ~ '^tds_[A-Za-z0-9]{6}$'),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at  TIMESTAMPTZ
);
