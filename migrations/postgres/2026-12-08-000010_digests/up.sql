-- Two purposes people give themselves: the weekly digest and newsletters.
ALTER TABLE consents DROP CONSTRAINT IF EXISTS consents_purpose_check;
ALTER TABLE consents ADD CONSTRAINT consents_purpose_check CHECK (purpose IN ('matching_ktp', 'matching_mentoring', 'matching_procurement', 'contact', 'digest', 'newsletter'));

-- Digests, newsletters and bounces. A digest row is written in the same transaction as the
-- email it queues (or as the decision that there was nothing new): one per person per week,
-- whatever crashes or second nodes do, by the unique key.
CREATE TABLE digests (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    week TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    covered_to TIMESTAMP NOT NULL,
    items INTEGER NOT NULL,
    UNIQUE (user_id, week)
);
-- Newsletters written by officers: subject and body per language (JSON), the segment (JSON),
-- a draft until sent.
CREATE TABLE newsletters (
    id TEXT PRIMARY KEY NOT NULL,
    author_id TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    segment TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent')),
    recipients INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX newsletters_sent ON newsletters (status, sent_at);
-- An address a mail server refused for good (5xx): no digests or newsletters go to it until
-- the person corrects it or confirms it.
CREATE TABLE bounces (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    reason TEXT NOT NULL,
    bounced_at TIMESTAMP NOT NULL
);
