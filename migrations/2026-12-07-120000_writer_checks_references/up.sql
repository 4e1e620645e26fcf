-- Messages and events are written by the writer alone (`db::queries::changes`), which reads
-- each conversation under its row lock and the sender's membership before it stores anything;
-- conversations and users are never deleted (users are soft-deleted). These three foreign
-- keys checked the same again for every row: three trigger queries per message, one of them a
-- KEY SHARE lock on the sender's `users` row, which PostgreSQL writes to the WAL. At 2,500
-- messages/s (100 × 10) the batch statement took 198–206 µs per message with them and
-- 135–147 µs without (three pairs; BENCHMARKS.md, session 21). The keys from messages to
-- messages, and to users for moderators and pins, stay: they are null on almost every row
-- and keep their ON DELETE behaviour.
ALTER TABLE messages
    DROP CONSTRAINT messages_conversation_id_fkey,
    DROP CONSTRAINT messages_sender_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_conversation_id_fkey;
