-- Outcomes over time: an outcome gets its date, and a placement its follow-ups at 6 and 12
-- months to both sides ("still working there?"); a procurement introduction one at its tender
-- to the buyer ("did local or cross-border suppliers bid?"). Each follow-up is sent once and
-- answered through a signed one-click link.
ALTER TABLE introductions ADD COLUMN outcome_on DATE;
CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY NOT NULL,
    introduction_id TEXT NOT NULL REFERENCES introductions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('placement_6', 'placement_12', 'tender')),
    party TEXT NOT NULL CHECK (party IN ('a', 'b')),
    due_on DATE NOT NULL,
    sent_at TIMESTAMP,
    answered_on DATE,
    answer TEXT,
    UNIQUE (introduction_id, kind, party)
);
CREATE INDEX follow_ups_due ON follow_ups (sent_at, due_on);
