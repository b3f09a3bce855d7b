DROP INDEX outbox_recipient;
DROP INDEX outbox_introduction;
ALTER TABLE outbox DROP COLUMN purged_at;
-- SQLite cannot drop a column that takes part in a foreign key: introduction_id stays, unused.
UPDATE outbox SET introduction_id = NULL;
DROP TABLE introductions;
