DROP TABLE service_credentials;
ALTER TABLE api_tokens DROP COLUMN last_access_via;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_disabled_by_person_only_when_disabled;
ALTER TABLE api_tokens DROP COLUMN disabled_by_person;
