ALTER TABLE users DROP COLUMN sign_in_epoch;
