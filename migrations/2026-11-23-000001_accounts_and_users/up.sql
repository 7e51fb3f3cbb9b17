-- Accounts (marketplace ids like PA-1234-5678) and the people who sign in.
CREATE TABLE accounts (
    id         TEXT PRIMARY KEY CHECK (id ~ '^PA-[0-9]{4}-[0-9]{4}$'),
    name       TEXT NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY CHECK (id ~ '^UR-[0-9]{4}-[0-9]{4}-[0-9]{4}$'),
    account_id    TEXT REFERENCES accounts (id),
    email         TEXT NOT NULL CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%'),
    name          TEXT NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    role          TEXT NOT NULL CHECK (role IN ('admin', 'member', 'support')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Support staff belong to no account; everyone else belongs to exactly one.
    CONSTRAINT users_account_matches_role CHECK ((role = 'support') = (account_id IS NULL))
);

CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_account_id_idx ON users (account_id);
