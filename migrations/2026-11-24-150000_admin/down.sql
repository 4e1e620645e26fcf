DROP INDEX messages_created;
DROP TABLE server_settings;
DROP TRIGGER audit_log_append_only ON audit_log;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
