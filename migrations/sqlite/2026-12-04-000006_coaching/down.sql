-- Back to three tracks (fails while a coaching introduction exists).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE introductions_new (
    id TEXT PRIMARY KEY NOT NULL,
    track TEXT NOT NULL CHECK (track IN ('ktp', 'mentoring', 'procurement')),
    a_kind TEXT NOT NULL,
    a_id TEXT NOT NULL,
    a_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    b_kind TEXT NOT NULL,
    b_id TEXT NOT NULL,
    b_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'accepted', 'declined', 'expired', 'introduced', 'withdrawn')),
    a_answer TEXT CHECK (a_answer IN ('accepted', 'declined', 'withdrawn')),
    b_answer TEXT CHECK (b_answer IN ('accepted', 'declined', 'withdrawn')),
    a_answered_at TIMESTAMP,
    b_answered_at TIMESTAMP,
    a_reminders INTEGER NOT NULL DEFAULT 0,
    b_reminders INTEGER NOT NULL DEFAULT 0,
    outcome TEXT CHECK (outcome IN ('placement', 'mentoring_started', 'meeting_held', 'no_result')),
    proposed_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    municipality TEXT NOT NULL,
    cross_border BOOLEAN NOT NULL,
    explanation TEXT NOT NULL,
    idempotency_key TEXT,
    request_hash TEXT,
    expires_at TIMESTAMP NOT NULL,
    introduced_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (proposed_by, idempotency_key)
);
INSERT INTO introductions_new (id, track, a_kind, a_id, a_user_id, b_kind, b_id, b_user_id, note, status, a_answer, b_answer, a_answered_at, b_answered_at, a_reminders, b_reminders, outcome, proposed_by, municipality, cross_border, explanation, idempotency_key, request_hash, expires_at, introduced_at, created_at, updated_at) SELECT id, track, a_kind, a_id, a_user_id, b_kind, b_id, b_user_id, note, status, a_answer, b_answer, a_answered_at, b_answered_at, a_reminders, b_reminders, outcome, proposed_by, municipality, cross_border, explanation, idempotency_key, request_hash, expires_at, introduced_at, created_at, updated_at FROM introductions;
DROP TABLE introductions;
ALTER TABLE introductions_new RENAME TO introductions;
CREATE INDEX introductions_a_user ON introductions (a_user_id, status);
CREATE INDEX introductions_b_user ON introductions (b_user_id, status);
CREATE INDEX introductions_pair ON introductions (a_id, b_id);
CREATE INDEX introductions_status ON introductions (status, expires_at);
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
