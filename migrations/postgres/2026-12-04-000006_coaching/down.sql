ALTER TABLE introductions DROP CONSTRAINT introductions_track_check;
ALTER TABLE introductions ADD CONSTRAINT introductions_track_check CHECK (track IN ('ktp', 'mentoring', 'procurement'));
ALTER TABLE introductions DROP CONSTRAINT introductions_outcome_check;
ALTER TABLE introductions ADD CONSTRAINT introductions_outcome_check CHECK (outcome IN ('placement', 'mentoring_started', 'meeting_held', 'no_result'));
