DROP INDEX messages_body_trgm;
ALTER TABLE conversation_members DROP COLUMN muted_until, DROP COLUMN archived_at, DROP COLUMN read_at;
