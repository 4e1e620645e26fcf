DROP TRIGGER sessions_revoked_ends_push_subscriptions ON sessions;
DROP FUNCTION push_subscriptions_end_with_session();
DROP TABLE push_subscriptions;
DROP TABLE vapid_keys;
