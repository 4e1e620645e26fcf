ALTER TABLE conversations DROP COLUMN photo_id;
ALTER TABLE users DROP COLUMN avatar_id;
