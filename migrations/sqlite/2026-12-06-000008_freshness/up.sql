-- Freshness: when an active profile, need or offer was last asked "still current?" and
-- whether and when the answer came; without an answer in time the record goes `stale` (a
-- status of its own), leaving matching until its owner brings it back.
CREATE TABLE freshness (
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    asked_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    stale_at TIMESTAMP,
    PRIMARY KEY (record_kind, record_id)
);
CREATE INDEX freshness_pending ON freshness (answered_at, stale_at, asked_at);
