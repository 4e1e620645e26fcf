-- Webhooks (issue 17): incoming ones that post into a conversation, outgoing subscriptions that
-- deliver a conversation's events to a program over HTTP, and their delivery cursors.

-- The name shown for one message instead of its author's (an incoming webhook's `username`).
ALTER TABLE messages ADD COLUMN display_name text CHECK (char_length(display_name) BETWEEN 1 AND 64);

-- An incoming webhook posts into one group as its own account (`account_id`, a bot account
-- created with it). Only the SHA-256 of its URL secret is kept: the secret is 256 random bits,
-- so a slow hash adds nothing, and the URL is shown once.
CREATE TABLE incoming_webhooks (
    id              uuid PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    account_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    secret_hash     bytea NOT NULL,
    revoked_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incoming_webhooks_conversation ON incoming_webhooks (conversation_id, created_at);

-- An outgoing subscription: `owner_id`'s conversations' events of the kinds in `events`,
-- POSTed to `url` and signed (Standard Webhooks) with `secret`, which must be kept as it is
-- to sign. `failing_since` is set by the first failed delivery and cleared by a success; a
-- subscription failing for the whole retry window gets `disabled_at` and a reason.
CREATE TABLE webhook_subscriptions (
    id              uuid PRIMARY KEY,
    owner_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url             text NOT NULL,
    secret          bytea NOT NULL,
    events          text[] NOT NULL CHECK (cardinality(events) > 0),
    failing_since   timestamptz,
    last_error      text,
    disabled_at     timestamptz,
    disabled_reason text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_owner ON webhook_subscriptions (owner_id);

-- The outbox is the event log itself: per subscription and conversation, the seq delivered up
-- to. A dispatcher leases a cursor (`leased_until`, taken with SKIP LOCKED so two servers never
-- deliver one conversation at once), delivers the events after it in seq order, and advances
-- it only after the receiver's 2xx; `next_attempt_at` holds the backoff after a failure.
CREATE TABLE webhook_cursors (
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    delivered_seq   bigint NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,
    PRIMARY KEY (subscription_id, conversation_id)
);
CREATE INDEX webhook_cursors_due ON webhook_cursors (next_attempt_at);
