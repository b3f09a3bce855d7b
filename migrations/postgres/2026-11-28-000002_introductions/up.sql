-- An introduction the officer brokers between two records (a need and a candidate, a mentee
-- and a mentor, a procurement and an offer). Each side's person answers; contact details are
-- shared only when both have accepted.
CREATE TABLE introductions (
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
CREATE INDEX introductions_a_user ON introductions (a_user_id, status);
CREATE INDEX introductions_b_user ON introductions (b_user_id, status);
CREATE INDEX introductions_pair ON introductions (a_id, b_id);
CREATE INDEX introductions_status ON introductions (status, expires_at);

-- Which introduction an email belongs to, so the officer sees its delivery.
ALTER TABLE outbox ADD COLUMN introduction_id TEXT REFERENCES introductions(id) ON DELETE SET NULL;
-- When the body's parameters were purged (sent emails keep no content past the retention).
ALTER TABLE outbox ADD COLUMN purged_at TIMESTAMP;
CREATE INDEX outbox_introduction ON outbox (introduction_id);
CREATE INDEX outbox_recipient ON outbox (recipient_user_id);
