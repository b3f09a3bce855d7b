-- Coaching of companies (a need and a mentor who coaches) is a track of its own, with its outcome.
ALTER TABLE introductions DROP CONSTRAINT introductions_track_check;
ALTER TABLE introductions ADD CONSTRAINT introductions_track_check CHECK (track IN ('ktp', 'mentoring', 'coaching', 'procurement'));
ALTER TABLE introductions DROP CONSTRAINT introductions_outcome_check;
ALTER TABLE introductions ADD CONSTRAINT introductions_outcome_check CHECK (outcome IN ('placement', 'mentoring_started', 'coaching_started', 'meeting_held', 'no_result'));
