-- "Delivered to": how far each member's devices have received a conversation's events (the
-- apps acknowledge in coalesced `delivered` frames), beside how far they have read. Adding
-- columns with constant defaults does not rewrite the table (PostgreSQL 11 and later).
ALTER TABLE conversation_members
    ADD COLUMN delivered_seq bigint NOT NULL DEFAULT 0,
    ADD COLUMN delivered_at timestamptz;
