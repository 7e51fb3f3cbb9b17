-- A deleted token loses its lookup digest and ciphertext, so it can never authenticate.
-- Its digest moves here, where no authentication looks, so the API can tell a caller
-- "this token was deleted" rather than "unknown". A SHA-256 of a 178-bit random secret
-- reveals nothing of the secret.
ALTER TABLE api_tokens ADD COLUMN deleted_digest BYTEA CHECK (octet_length(deleted_digest) = 32);
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_deleted_digest_only_when_deleted
    CHECK (deleted_digest IS NULL OR status = 'deleted');
CREATE UNIQUE INDEX api_tokens_deleted_digest_key ON api_tokens (deleted_digest) WHERE deleted_digest IS NOT NULL;
