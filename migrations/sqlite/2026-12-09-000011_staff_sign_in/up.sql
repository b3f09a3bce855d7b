-- A second factor for staff (TOTP, RFC 6238): the secret, when it was confirmed, and the last
-- step a code was accepted for (a code works once). Recovery codes are kept as hashes only.
CREATE TABLE totp (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    last_step BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP
);
CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
-- A browser session of an enrolled staff member waits for the code before it counts.
ALTER TABLE sessions ADD COLUMN factor_pending BOOLEAN NOT NULL DEFAULT FALSE;
-- Who read a person's full profile or contact details: whose, by whom, when, where. Written by
-- the service only; no route changes it; erased with the person.
CREATE TABLE reads (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reader_id TEXT,
    reader_name TEXT NOT NULL,
    reader_role TEXT NOT NULL,
    what TEXT NOT NULL,
    read_at TIMESTAMP NOT NULL
);
CREATE INDEX reads_person ON reads (person_id, read_at);
