//! Media: photos, videos, voice messages and files. Uploaded first (`upload`: streamed,
//! sniffed, limited, pictures cleaned and thumbnailed), attached by id to a message through the
//! one write path, downloaded by members with a signed token (`access`), stored once per
//! SHA-256 (`store`) and removed when nothing uses them (`janitor`).

pub mod access;
pub mod images;
pub mod janitor;
pub mod sniff;
pub mod store;
pub mod upload;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use secrecy::SecretString;
use tokio::sync::Semaphore;

use crate::config::Settings;
use access::AccessKeys;
use janitor::Janitor;
use store::MediaStore;

/// Everything the media routes share.
pub struct Media {
    /// Where blobs live.
    pub store: MediaStore,
    /// Signs download tokens.
    pub access: AccessKeys,
    /// Removes what nothing uses.
    pub janitor: Janitor,
    /// Largest upload.
    pub max_bytes: u64,
    /// Most bytes per user.
    pub quota_bytes: u64,
    /// Where uploads are written while they arrive (always local).
    pub temp_dir: PathBuf,
    /// Pictures cleaned at once (decoding takes memory and CPU).
    pub image_turns: Semaphore,
}

impl Media {
    /// Opens the configured store and prepares the upload directory.
    pub fn open(settings: &Settings, secret: &SecretString) -> anyhow::Result<Arc<Self>> {
        let store = match &settings.media_url {
            Some(url) => MediaStore::s3(url, settings)?,
            None => MediaStore::local(&settings.data_dir.join("media"))?,
        };
        let temp_dir = settings.data_dir.join("uploads-in-progress");
        // Left over from a crash: nothing refers to them.
        let _ = std::fs::remove_dir_all(&temp_dir);
        std::fs::create_dir_all(&temp_dir).with_context(|| format!("cannot create {}", temp_dir.display()))?;
        tracing::info!(store = store.description(), "media store ready");
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Arc::new(Self {
            store,
            access: AccessKeys::new(secret),
            janitor: Janitor::default(),
            max_bytes: settings.media_max_bytes,
            quota_bytes: settings.media_quota_bytes,
            temp_dir,
            image_turns: Semaphore::new(cores.clamp(1, 4)),
        }))
    }
}
