//! Pages, one file each; `App` maps URLs to them.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;
use crate::state::session::Session;

pub mod auth_form;
pub mod blocked;
pub mod friends;
pub mod home;
pub mod not_found;
pub mod people;
pub mod profile;
pub mod requests;
pub mod settings;
pub mod sign_in;
pub mod sign_up;

/// Runs a change to friends, requests or blocks from a list page: shows its outcome (or the
/// error) in `notice`, tells the session so summaries such as the header badge re-read, and
/// re-reads the page's `list`.
pub fn social_action<T: 'static>(
    session: Session,
    notice: RwSignal<Option<String>>,
    list: LocalResource<T>,
    change: impl Future<Output = Result<String, ApiError>> + 'static,
) {
    spawn_local(async move {
        notice.set(Some(change.await.unwrap_or_else(|e| e.message)));
        session.social_changed();
        list.refetch();
    });
}
