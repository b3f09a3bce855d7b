DROP TABLE follow_ups;
ALTER TABLE introductions DROP COLUMN outcome_on;
