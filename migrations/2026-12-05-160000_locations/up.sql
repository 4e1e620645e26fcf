-- Shared locations: a message may carry a position (with the device's accuracy). Deleting the
-- message clears it, as it clears the text.
ALTER TABLE messages
    ADD COLUMN location_latitude   double precision,
    ADD COLUMN location_longitude  double precision,
    ADD COLUMN location_accuracy_m integer,
    ADD CHECK ((location_latitude IS NULL) = (location_longitude IS NULL)),
    ADD CHECK (location_latitude BETWEEN -90 AND 90 AND location_longitude BETWEEN -180 AND 180),
    ADD CHECK (location_accuracy_m >= 0);
