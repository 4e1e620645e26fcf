//! Every conversation's tray of attachments, kept for the page's life: a file uploaded (or
//! still uploading) but not yet sent waits in its conversation's composer while the user looks
//! at another one, instead of being dropped there and left for the server's janitor. The trays
//! belong to the app's reactive owner, not to the conversation view that shows one; signing
//! out stops their uploads and forgets them.

use std::collections::HashMap;

use leptos::prelude::*;
use protocol::ConversationId;

use super::session::Session;
use super::uploads::Uploads;

/// The trays context.
#[derive(Clone, Copy, Debug)]
pub struct Trays {
    trays: StoredValue<HashMap<ConversationId, Uploads>>,
    /// The app's owner: trays made under it outlive the view that first asked for them.
    owner: StoredValue<Owner>,
    session: Session,
}

impl Trays {
    /// No trays yet; call from `App`, whose owner lives as long as the page.
    pub fn new(session: Session) -> Self {
        Self {
            trays: StoredValue::new(HashMap::new()),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
            session,
        }
    }

    /// Conversation `id`'s tray, made empty the first time it is asked for.
    pub fn tray(&self, id: ConversationId) -> Uploads {
        if let Some(uploads) = self.trays.with_value(|trays| trays.get(&id).copied()) {
            return uploads;
        }
        let session = self.session;
        let uploads = self.owner.with_value(|owner| owner.with(|| Uploads::new(session)));
        self.trays.update_value(|trays| {
            trays.insert(id, uploads);
        });
        uploads
    }

    /// Stops every upload and forgets every tray (sign-out).
    pub fn clear(&self) {
        self.trays.update_value(|trays| trays.drain().for_each(|(_, uploads)| uploads.abandon()));
    }
}
