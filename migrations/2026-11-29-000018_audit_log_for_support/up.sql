-- Support staff read every account's audit log, newest first: without an index in that
-- order each page sorted the whole table, however far back it was. The account's own
-- log walks `audit_events_account_idx` (migration 000004). Pages are found by keyset
-- from there (db::audit::page), and the total is counted up to 1,000.
-- Built CONCURRENTLY (outside a transaction: metadata.toml), so changes, which each
-- write an event, keep going while it is built. Should the build fail, PostgreSQL keeps
-- an invalid index of this name: drop it, and run the migration again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_events_occurred_idx
    ON audit_events (occurred_at DESC, id DESC);
