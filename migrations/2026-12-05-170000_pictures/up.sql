-- Profile photos and group photos are uploads too (pictures, cleaned and thumbnailed like any
-- other). An upload in use as one is not "unattached": the janitor keeps it.
ALTER TABLE users ADD COLUMN avatar_id uuid REFERENCES media (id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN photo_id uuid REFERENCES media (id) ON DELETE SET NULL;
CREATE INDEX users_avatar ON users (avatar_id) WHERE avatar_id IS NOT NULL;
CREATE INDEX conversations_photo ON conversations (photo_id) WHERE photo_id IS NOT NULL;
