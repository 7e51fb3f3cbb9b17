DROP TABLE token_access_ips;
DROP TABLE token_usage_daily;
DROP TABLE audit_events;
