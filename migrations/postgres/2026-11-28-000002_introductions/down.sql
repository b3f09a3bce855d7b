DROP INDEX outbox_recipient;
DROP INDEX outbox_introduction;
ALTER TABLE outbox DROP COLUMN purged_at;
ALTER TABLE outbox DROP COLUMN introduction_id;
DROP TABLE introductions;
