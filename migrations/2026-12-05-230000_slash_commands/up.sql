-- Slash commands: what each bot answers in each conversation it is in. A name is unique within
-- a conversation, so `/faq` always reaches one bot. Invocations are not stored here: each is
-- an event (`command_invoked`) in the conversation's log, so bots that were away get them on
-- resync and webhooks deliver them from their cursor like any event.
CREATE TABLE bot_commands (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (name ~ '^[a-z0-9_-]{1,32}$'),
    bot_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    description text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, name)
);
CREATE INDEX bot_commands_bot ON bot_commands (bot_id, conversation_id);
