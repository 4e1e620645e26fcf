-- Bot accounts and API tokens (issue 17).
--
-- A bot is a user row of kind 'bot' (so it is a member, an author, a friend like anyone else,
-- and every membership check applies to it unchanged), plus a `bots` row naming the person who
-- owns it. Bots never sign in with a password: their password_hash is empty, which no
-- password verifies.
ALTER TABLE users
    ADD COLUMN kind text NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'bot'));

CREATE TABLE bots (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    description text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bots_owner ON bots (owner_id);

-- API tokens: long-lived credentials for a bot or for a person's own scripts. Only the SHA-256
-- of the token is stored (it is 256 random bits, so a slow hash adds nothing); the token itself
-- is shown once. `scopes` is a subset of {read, send, manage}.
CREATE TABLE api_tokens (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    scopes text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'send', 'manage']::text[] AND cardinality(scopes) > 0),
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);
