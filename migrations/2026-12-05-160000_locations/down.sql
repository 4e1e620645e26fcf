ALTER TABLE messages DROP COLUMN location_latitude, DROP COLUMN location_longitude, DROP COLUMN location_accuracy_m;
