//! What sign-in and sign-up share: the page frame and the submit-and-sign-in flow.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use protocol::auth::AuthResponse;

use crate::api::ApiError;
use crate::locale::{error_text, use_i18n};
use crate::state::session::Session;

/// Runs `call`; on success records the session and opens the chats, on failure stores
/// the error for the form to show.
pub fn submit_action<F, Fut>(call: F) -> Action<(), Result<(), ApiError>>
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<AuthResponse, ApiError>> + 'static,
{
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    Action::new_local(move |_: &()| {
        let pending = call();
        let navigate = navigate.clone();
        async move {
            let auth = pending.await?;
            session.signed_in(auth);
            navigate("/chat", Default::default());
            Ok(())
        }
    })
}

/// The error of `action` for `field`, for a [`crate::components::field::Field`], in the user's
/// language.
pub fn field_error(action: Action<(), Result<(), ApiError>>, field: &'static str) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        let error = action.value().get().and_then(|r| r.err()).filter(|e| e.field.as_deref() == Some(field))?;
        Some(error_text(&error, i18n.get_locale()))
    })
}

/// The error of `action` that belongs to no field, in the user's language.
pub fn form_error(action: Action<(), Result<(), ApiError>>) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        let error = action.value().get().and_then(|r| r.err()).filter(|e| e.field.is_none())?;
        Some(error_text(&error, i18n.get_locale()))
    })
}
