DROP TABLE webhook_cursors;
DROP TABLE webhook_subscriptions;
DROP TABLE incoming_webhooks;
ALTER TABLE messages DROP COLUMN display_name;
