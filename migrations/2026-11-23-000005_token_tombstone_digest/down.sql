ALTER TABLE api_tokens DROP COLUMN deleted_digest;
