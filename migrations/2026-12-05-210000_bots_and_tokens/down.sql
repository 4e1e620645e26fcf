DROP TABLE api_tokens;
DROP TABLE bots;
ALTER TABLE users DROP COLUMN kind;
