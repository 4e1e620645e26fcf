-- Web Push. The server's VAPID key pair lives in the database rather than in a data dir, so
-- every server of a deployment signs with the same key: a browser's subscription is bound to
-- the key it was made with. The first server to start makes it (ON CONFLICT keeps the first).
CREATE TABLE vapid_keys (
    id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    private_key bytea NOT NULL CHECK (length(private_key) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per browser that asked for notifications, tied to the session that registered it:
-- signing out (or the session's revocation or expiry) ends its notifications.
CREATE TABLE push_subscriptions (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    endpoint text NOT NULL UNIQUE CHECK (length(endpoint) <= 1024),
    p256dh bytea NOT NULL CHECK (length(p256dh) = 65),
    auth bytea NOT NULL CHECK (length(auth) = 16),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_pushed_at timestamptz
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
CREATE INDEX push_subscriptions_session ON push_subscriptions (session_id);

-- A revoked session (signing out, "sign out other devices", a reused refresh token, a changed
-- password) takes its browsers' subscriptions with it, whichever code path revoked it.
CREATE FUNCTION push_subscriptions_end_with_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM push_subscriptions WHERE session_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER sessions_revoked_ends_push_subscriptions
    AFTER UPDATE OF revoked_at ON sessions
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION push_subscriptions_end_with_session();
