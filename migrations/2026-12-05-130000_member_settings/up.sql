-- Each member's own settings of a conversation, synced to their devices: muted (no
-- notifications but for mentions) until a time, archived (hidden from the list until a newer
-- message). And when their read marker last moved, for "read by".
ALTER TABLE conversation_members
    ADD COLUMN muted_until timestamptz,
    ADD COLUMN archived_at timestamptz,
    ADD COLUMN read_at     timestamptz;

-- Partial-word message search ("blem" finds "problem") and people search by any word of a name.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_body_trgm ON messages USING GIN (body gin_trgm_ops);
