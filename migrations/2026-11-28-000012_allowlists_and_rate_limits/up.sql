-- Where each token may be used from (addresses and CIDR ranges, at most 50; none for
-- anywhere), and how many calls a minute it may make (none for no limit). Both are
-- checked on every call, from the cached grant.
ALTER TABLE api_tokens
    ADD COLUMN allowed_addresses TEXT[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(allowed_addresses) <= 50),
    ADD COLUMN rate_limit_per_minute INT
        CHECK (rate_limit_per_minute BETWEEN 1 AND 100000);
