-- Media: uploads and the content-addressed blobs they point at.
--
-- A blob is stored once per SHA-256 of its bytes; `media` rows (one per upload, attached to
-- at most one message) are its references, and its thumbnail's. A blob no row refers to is
-- removed from the store and then from here, under this row's lock, so an upload of the same
-- bytes racing the removal waits and stores them again.

CREATE TABLE media_blobs (
    sha256     text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size       bigint NOT NULL CHECK (size >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE media (
    id               uuid PRIMARY KEY,
    uploader_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('image', 'video', 'audio', 'voice', 'file')),
    content_type     text NOT NULL CHECK (octet_length(content_type) BETWEEN 1 AND 127),
    name             text NOT NULL CHECK (octet_length(name) BETWEEN 1 AND 255),
    size             bigint NOT NULL CHECK (size >= 0),
    sha256           text NOT NULL REFERENCES media_blobs (sha256),
    width            integer,
    height           integer,
    duration_ms      integer,
    waveform         bytea,
    thumbhash        text,
    thumbnail_sha256 text REFERENCES media_blobs (sha256),
    -- Set once, in the transaction that stores the message (the one write path).
    message_id       uuid REFERENCES messages (id) ON DELETE CASCADE,
    position         smallint,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_message ON media (message_id, position) WHERE message_id IS NOT NULL;
-- Unattached uploads expire after a day.
CREATE INDEX media_unattached ON media (created_at) WHERE message_id IS NULL;
CREATE INDEX media_sha256 ON media (sha256);
CREATE INDEX media_thumbnail ON media (thumbnail_sha256) WHERE thumbnail_sha256 IS NOT NULL;
-- Quotas sum a user's uploads.
CREATE INDEX media_uploader ON media (uploader_id);
