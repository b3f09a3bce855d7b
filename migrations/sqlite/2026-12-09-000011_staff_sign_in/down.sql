DROP TABLE reads;
ALTER TABLE sessions DROP COLUMN factor_pending;
DROP TABLE recovery_codes;
DROP TABLE totp;
