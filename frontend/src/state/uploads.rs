//! The files a composer is gathering for its next message: each starts uploading the moment it
//! is picked, dropped or pasted (so Send only has ids to name), shows its progress, can be
//! cancelled, and is forgotten once sent. At most `MAX_ATTACHMENTS` per message, as the server
//! allows. A refused file leaves the tray with the server's reason shown beside the composer.
//! A tray outlives the conversation view showing it (see `trays`), so the signals of its files
//! are made under the owner it was made under.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::media::{Attachment, MAX_ATTACHMENTS};
use web_sys::File;

use super::session::Session;
use crate::api;
use crate::api::media::Cancel;
use crate::locale::{Locale, error_text, td_string};

/// Where one file stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    /// Its bytes are on their way.
    Uploading,
    /// Stored by the server: ready to attach.
    Done(Attachment),
}

/// One file in the tray.
#[derive(Clone, Debug)]
pub struct Pending {
    /// Tells files apart (two may share a name).
    pub key: u64,
    /// The file's name, as picked.
    pub name: String,
    /// Whether the browser says it is a picture (drawn as a thumbnail once uploaded).
    pub image: bool,
    /// Share of its bytes sent, 0–1.
    pub progress: RwSignal<f64>,
    /// Where it stands.
    pub stage: RwSignal<Stage>,
}

/// A composer's tray of attachments.
#[derive(Clone, Copy, Debug)]
pub struct Uploads {
    /// The files, in the order they were added (the order they are attached in).
    pub items: RwSignal<Vec<Pending>>,
    /// Why the last file was refused (or could not be added), for the composer to show.
    pub error: RwSignal<Option<String>>,
    cancels: StoredValue<HashMap<u64, Cancel>, LocalStorage>,
    next_key: StoredValue<u64>,
    /// The owner the tray was made under: a file's signals live as long as the tray, not as
    /// the event handler or view that added it.
    owner: StoredValue<Owner>,
    session: Session,
}

impl Uploads {
    /// An empty tray uploading as `session`'s user.
    pub fn new(session: Session) -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            cancels: StoredValue::new_local(HashMap::new()),
            next_key: StoredValue::new(0),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
            session,
        }
    }

    /// Starts uploading `files`; those over the per-message limit are left out, and said so
    /// (as is a refusal later) in `language`.
    pub fn add(&self, files: Vec<File>, language: Locale) {
        let room = MAX_ATTACHMENTS.saturating_sub(self.items.with_untracked(Vec::len));
        self.error.set(
            (files.len() > room)
                .then(|| td_string!(language, composer.uploads_too_many, max = MAX_ATTACHMENTS).to_string()),
        );
        for file in files.into_iter().take(room) {
            self.start(file, language);
        }
    }

    fn start(&self, file: File, language: Locale) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        let (progress, stage) =
            self.owner.with_value(|owner| owner.with(|| (RwSignal::new(0.0), RwSignal::new(Stage::Uploading))));
        let pending = Pending { key, name: file.name(), image: file.type_().starts_with("image/"), progress, stage };
        let (progress, stage, name) = (pending.progress, pending.stage, pending.name.clone());
        self.items.update(|items| items.push(pending));
        let cancel = Cancel::default();
        self.cancels.update_value(|c| {
            c.insert(key, cancel.clone());
        });
        let (uploads, session) = (*self, self.session);
        spawn_local(async move {
            let answer =
                api::media::upload(session, &api::media::Upload::file(&file), move |p| progress.set(p), &cancel).await;
            uploads.cancels.try_update_value(|c| c.remove(&key));
            if cancel.is_cancelled() {
                return;
            }
            match answer {
                Ok(attachment) => {
                    progress.set(1.0);
                    stage.set(Stage::Done(attachment));
                }
                Err(e) => {
                    uploads.items.update(|items| items.retain(|p| p.key != key));
                    uploads.error.set(Some(format!("{name}: {}", error_text(&e, language))));
                }
            }
        });
    }

    /// Takes a file out of the tray, stopping its upload if it is still running. (An upload
    /// already stored stays unattached on the server, which expires it.)
    pub fn remove(&self, key: u64) {
        if let Some(cancel) = self.cancels.try_update_value(|c| c.remove(&key)).flatten() {
            cancel.cancel();
        }
        self.items.update(|items| items.retain(|p| p.key != key));
    }

    /// Whether any file is still uploading (tracked).
    pub fn busy(&self) -> bool {
        self.items.with(|items| items.iter().any(|p| p.stage.with(|s| *s == Stage::Uploading)))
    }

    /// Whether the tray is empty (tracked).
    pub fn is_empty(&self) -> bool {
        self.items.with(Vec::is_empty)
    }

    /// The uploaded files, in tray order, ready to attach.
    pub fn ready(&self) -> Vec<Attachment> {
        self.items.with_untracked(|items| {
            items
                .iter()
                .filter_map(|p| match p.stage.get_untracked() {
                    Stage::Done(attachment) => Some(attachment),
                    Stage::Uploading => None,
                })
                .collect()
        })
    }

    /// Empties the tray after its files were sent with a message.
    pub fn clear(&self) {
        self.items.set(Vec::new());
        self.error.set(None);
    }

    /// Stops every upload still running (signing out).
    pub fn abandon(&self) {
        self.cancels.try_update_value(|c| c.drain().for_each(|(_, cancel)| cancel.cancel()));
    }
}

/// The files of a picker, a drop or a paste, in their order.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<File> {
    list.map(|list| (0..list.length()).filter_map(|i| list.item(i)).collect()).unwrap_or_default()
}
