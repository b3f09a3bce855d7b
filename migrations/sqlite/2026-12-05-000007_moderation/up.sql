-- Moderation: what keeps an organisation or an account out of matching (an organisation that
-- registered itself waits for an officer to verify it; an officer may suspend either), and
-- what people report on what they see. A hold is a fact with a reason; lifting it deletes it
-- (the audit log keeps who decided what, and when).
CREATE TABLE holds (
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('organisation', 'user')),
    subject_id TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('unverified', 'suspended')),
    note TEXT NOT NULL DEFAULT '',
    since TIMESTAMP NOT NULL,
    by_user TEXT,
    PRIMARY KEY (subject_kind, subject_id, reason)
);
CREATE INDEX holds_subject ON holds (subject_id);

CREATE TABLE abuse_reports (
    id TEXT PRIMARY KEY NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    reporter_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by TEXT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX abuse_reports_open ON abuse_reports (municipality, resolved_at);
