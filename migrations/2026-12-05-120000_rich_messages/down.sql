DROP TABLE message_reactions;
DROP INDEX messages_pinned;
ALTER TABLE messages DROP COLUMN mentions, DROP COLUMN forwarded, DROP COLUMN pinned_at, DROP COLUMN pinned_by;
