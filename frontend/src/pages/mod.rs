//! Pages, one file each; `App` maps URLs to them.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use leptos_router::NavigateOptions;
use protocol::UserId;
use protocol::conversations::CreateConversation;

use crate::api::{self, ApiError};
use crate::locale::{Locale, error_text};
use crate::state::chat::Chat;
use crate::state::session::Session;

pub mod admin;
pub mod auth_form;
pub mod blocked;
pub mod chat;
pub mod friends;
pub mod home;
pub mod not_allowed;
pub mod not_found;
pub mod people;
pub mod profile;
pub mod requests;
pub mod settings;
pub mod sign_in;
pub mod sign_up;

/// Runs a change to friends, requests or blocks from a list page: shows its outcome (or the
/// error) in `notice`, tells the session so summaries such as the header badge re-read, and
/// re-reads the page's `list`. An error is told in `language`.
pub fn social_action<T: 'static>(
    session: Session,
    language: Locale,
    notice: RwSignal<Option<String>>,
    list: LocalResource<T>,
    change: impl Future<Output = Result<String, ApiError>> + 'static,
) {
    spawn_local(async move {
        notice.set(Some(change.await.unwrap_or_else(|e| error_text(&e, language))));
        session.social_changed();
        list.refetch();
    });
}

/// Opens the DM with `user` (the server returns the existing one or creates it) and goes there;
/// a refusal (not friends, blocked) lands in `notice`, in `language`.
pub fn open_dm(
    session: Session,
    language: Locale,
    chat: Chat,
    user: UserId,
    notice: RwSignal<Option<String>>,
    navigate: impl Fn(&str, NavigateOptions) + 'static,
) {
    spawn_local(async move {
        match api::conversations::create(session, CreateConversation::Dm { user_id: user }).await {
            Ok(summary) => {
                let id = summary.id;
                chat.upsert_summary(summary);
                navigate(&format!("/chat/{id}"), NavigateOptions::default());
            }
            Err(e) => notice.set(Some(error_text(&e, language))),
        }
    });
}
