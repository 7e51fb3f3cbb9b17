DROP INDEX IF EXISTS audit_events_occurred_idx;
