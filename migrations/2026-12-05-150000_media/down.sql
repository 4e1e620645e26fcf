DROP TABLE media;
DROP TABLE media_blobs;
