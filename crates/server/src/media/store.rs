//! The media store: where blobs' bytes live, behind `object_store`'s one interface, with two
//! backends: files under `<data-dir>/media/` (nothing to install) or an S3-compatible bucket
//! (`s3://bucket/prefix`) when several servers share the media. Blobs are named by their
//! SHA-256, so the same bytes are stored once, and writes of a name are idempotent.

use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};
use secrecy::ExposeSecret;
use tokio::io::AsyncWriteExt;

use crate::config::Settings;

/// Where blobs live.
#[derive(Clone, Debug)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    /// For logs and the health page: "local <dir>" or "s3://bucket/prefix".
    description: String,
}

/// Part of a blob, streamed.
pub struct BlobRead {
    /// The blob's whole size.
    pub size: u64,
    /// The bytes sent: `start..end` of the blob.
    pub range: Range<u64>,
    /// The bytes.
    pub stream: BoxStream<'static, object_store::Result<Bytes>>,
}

impl MediaStore {
    /// Files under `dir` (created if missing).
    pub fn local(dir: &FsPath) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the media directory {}", dir.display()))?;
        // Empty fan-out directories are removed with their last blob.
        let store = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(Self { inner: Arc::new(store), description: format!("local {}", dir.display()) })
    }

    /// An S3-compatible bucket, `s3://bucket/prefix`, as the settings describe it.
    pub fn s3(url: &str, settings: &Settings) -> anyhow::Result<Self> {
        let (bucket, prefix) = parse_s3_url(url)?;
        // Without keys in the settings, the usual AWS chain (environment, profile, instance
        // role) provides them.
        let mut builder = match (&settings.s3_access_key_id, &settings.s3_secret_access_key) {
            (Some(id), Some(secret)) => {
                AmazonS3Builder::new().with_access_key_id(id).with_secret_access_key(secret.expose_secret())
            }
            _ => AmazonS3Builder::from_env(),
        };
        builder = builder.with_bucket_name(bucket).with_region(&settings.s3_region);
        if let Some(endpoint) = &settings.s3_endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build().context("cannot configure the S3 media store")?;
        let inner: Arc<dyn ObjectStore> =
            if prefix.is_empty() { Arc::new(store) } else { Arc::new(PrefixStore::new(store, prefix)) };
        Ok(Self { inner, description: url.to_owned() })
    }

    /// What the store is, for logs.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Stores the file at `file` as the blob `sha256`, streaming it (large files go up in
    /// parts); replacing a blob of the same name is harmless, its bytes being the same.
    pub async fn put_file(&self, sha256: &str, file: &FsPath) -> anyhow::Result<()> {
        let mut source = tokio::fs::File::open(file).await?;
        let mut sink = BufWriter::new(self.inner.clone(), blob_path(sha256));
        tokio::io::copy(&mut source, &mut sink).await?;
        sink.shutdown().await.with_context(|| format!("cannot store blob {sha256} in {}", self.description))?;
        Ok(())
    }

    /// Stores small `bytes` (a thumbnail) as the blob `sha256`.
    pub async fn put_bytes(&self, sha256: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.inner
            .put(&blob_path(sha256), bytes.into())
            .await
            .with_context(|| format!("cannot store blob {sha256} in {}", self.description))?;
        Ok(())
    }

    /// Streams the blob, or `range` of it (clamped to its end). `None` when it is missing.
    pub async fn read(&self, sha256: &str, range: Option<Range<u64>>) -> anyhow::Result<Option<BlobRead>> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        match self.inner.get_opts(&blob_path(sha256), options).await {
            Ok(found) => {
                Ok(Some(BlobRead { size: found.meta.size, range: found.range.clone(), stream: found.into_stream() }))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read blob {sha256}")),
        }
    }

    /// Whether the blob is stored (tests and checks).
    pub async fn contains(&self, sha256: &str) -> anyhow::Result<bool> {
        match self.inner.head(&blob_path(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e).with_context(|| format!("cannot look up blob {sha256}")),
        }
    }

    /// Removes the blob (already gone is fine).
    pub async fn delete(&self, sha256: &str) -> anyhow::Result<()> {
        match self.inner.delete(&blob_path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove blob {sha256}")),
        }
    }
}

/// `blobs/ab/cd/abcd…`: two levels of fan-out keep directories small on file systems. Also
/// where a local store keeps the file, under its directory (`confab backup` reads it there).
pub fn blob_path(sha256: &str) -> Path {
    let (a, b) = (sha256.get(0..2).unwrap_or("00"), sha256.get(2..4).unwrap_or("00"));
    Path::from(format!("blobs/{a}/{b}/{sha256}"))
}

/// `s3://bucket/prefix` → (bucket, prefix without slashes at its ends).
fn parse_s3_url(url: &str) -> anyhow::Result<(&str, &str)> {
    let rest = url.strip_prefix("s3://").context("--media-url must look like s3://bucket/prefix")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    anyhow::ensure!(!bucket.is_empty(), "--media-url names no bucket: {url}");
    Ok((bucket, prefix.trim_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_name_a_bucket_and_an_optional_prefix() {
        assert_eq!(parse_s3_url("s3://media").unwrap(), ("media", ""));
        assert_eq!(parse_s3_url("s3://media/confab/prod/").unwrap(), ("media", "confab/prod"));
        assert!(parse_s3_url("s3:///x").is_err());
        assert!(parse_s3_url("https://media").is_err());
    }

    #[test]
    fn blobs_fan_out_by_their_hash() {
        let sha = "ab".repeat(32);
        assert_eq!(blob_path(&sha).as_ref(), format!("blobs/ab/ab/{sha}"));
    }
}
