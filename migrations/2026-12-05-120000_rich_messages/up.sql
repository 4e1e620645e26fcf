-- Rich messages: mentions (explicit user ids, checked against membership when sent), a
-- "forwarded" mark (the copy keeps no link to where it came from), pins, and reactions.
-- Every change to them is a conversation event written by the one write path.

ALTER TABLE messages
    ADD COLUMN mentions  uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN forwarded boolean NOT NULL DEFAULT false,
    ADD COLUMN pinned_at timestamptz,
    ADD COLUMN pinned_by uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD CHECK (cardinality(mentions) <= 50),
    ADD CHECK ((pinned_at IS NULL) OR (deleted_at IS NULL));

-- The pinned bar and the 50-pins limit read a conversation's pins.
CREATE INDEX messages_pinned ON messages (conversation_id, pinned_at) WHERE pinned_at IS NOT NULL;

-- One reaction per emoji per user per message; the emoji is stored in its fully qualified form.
CREATE TABLE message_reactions (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    emoji      text NOT NULL CHECK (octet_length(emoji) BETWEEN 1 AND 64),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, emoji, user_id)
);
CREATE INDEX message_reactions_user ON message_reactions (user_id);
