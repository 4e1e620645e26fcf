-- Conversations, members, messages and the per-conversation event log behind the delivery
-- contract: every change gets the next `seq` of its conversation inside the committing
-- transaction (`UPDATE conversations SET last_seq = last_seq + 1 RETURNING last_seq`, which
-- also serialises writers of one conversation), so seqs have no gaps and a client that
-- missed anything asks for `events WHERE seq > n`.

CREATE TABLE conversations (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('dm', 'group')),
    title            text NOT NULL DEFAULT '' CHECK (char_length(title) <= 100),
    -- "<lower uuid>:<higher uuid>" for DMs, so a pair has at most one.
    dm_key           text UNIQUE,
    created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    last_seq         bigint NOT NULL DEFAULT 0,
    last_activity_at timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'dm') = (dm_key IS NOT NULL))
);

CREATE TABLE conversation_members (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at       timestamptz NOT NULL DEFAULT now(),
    read_seq        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user ON conversation_members (user_id);

CREATE TABLE messages (
    id              uuid PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             bigint NOT NULL,
    sender_id       uuid NOT NULL REFERENCES users (id),
    client_msg_id   uuid NOT NULL,
    body            text NOT NULL CHECK (char_length(body) <= 4000),
    reply_to        uuid REFERENCES messages (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    edited_at       timestamptz,
    deleted_at      timestamptz,
    deleted_by      uuid REFERENCES users (id),
    -- 'simple': no stemming, so every language is searched alike.
    search          tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED,
    -- Idempotent sends: a retry with the same id finds the stored message.
    UNIQUE (sender_id, client_msg_id),
    UNIQUE (conversation_id, seq)
);
CREATE INDEX messages_search ON messages USING GIN (search);
CREATE INDEX messages_reply_to ON messages (reply_to) WHERE reply_to IS NOT NULL;

-- The log. Message events point at their message and are read joined to it, so a replayed
-- event always shows the message as it is now (edited, or a tombstone). No foreign key on
-- message_id: when retention removes a message, its events keep the id and read as its
-- deletion, so the log stays gap-free and clients learn which message went.
CREATE TABLE events (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             bigint NOT NULL,
    kind            text NOT NULL,
    message_id      uuid,
    payload         jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, seq)
);
