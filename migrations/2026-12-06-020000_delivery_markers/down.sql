ALTER TABLE conversation_members DROP COLUMN delivered_seq, DROP COLUMN delivered_at;
