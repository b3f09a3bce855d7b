DELETE FROM users WHERE id = '00000000-0000-0000-0000-000000000000';
ALTER TABLE users DROP COLUMN retention_warned_at;
ALTER TABLE users DROP COLUMN last_active_at;
ALTER TABLE users DROP COLUMN email_verified_at;
DROP TABLE user_tokens;
DROP TABLE sessions;
