-- Browser sessions: the cookie holds a random id; only its SHA-256 is stored.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Single-use emailed tokens (email verification, password reset), stored hashed.
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'reset')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX user_tokens_user ON user_tokens (user_id);

ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP;
ALTER TABLE users ADD COLUMN last_active_at TIMESTAMP;
ALTER TABLE users ADD COLUMN retention_warned_at TIMESTAMP;
-- Accounts that existed before verification was asked for were made by officers or the CLI,
-- or registered when registration did not verify: they count as verified.
UPDATE users SET email_verified_at = created_at, last_active_at = updated_at;

-- What an erased person owned and others still rely on (a company's needs, say) is kept under
-- this placeholder, which names nobody and cannot sign in.
INSERT INTO users (id, email, display_name, phone, locale, role, password_hash, created_at, updated_at, email_verified_at, last_active_at)
VALUES ('00000000-0000-0000-0000-000000000000', 'erased@invalid', 'erased', NULL, 'en', 'company', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, NULL, NULL);
