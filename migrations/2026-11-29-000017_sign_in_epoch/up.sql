-- How many times a person's sessions were all ended by a change to them (a new
-- password, being disabled). A sign-in reads it with the password hash it checks, and
-- its session is stored only if it is still the same: a sign-in whose password was
-- checked against the old hash while the change was made can't leave a session behind
-- (db::sessions::insert). A column with a constant default: no table rewrite.
ALTER TABLE users ADD COLUMN sign_in_epoch integer NOT NULL DEFAULT 0;
