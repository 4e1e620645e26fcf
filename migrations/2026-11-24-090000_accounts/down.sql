DROP TABLE blocks;
DROP TABLE friend_requests;
DROP TABLE friendships;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
