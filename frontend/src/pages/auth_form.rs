//! What sign-in and sign-up share: the page frame and the submit-and-sign-in flow.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use protocol::auth::AuthResponse;

use crate::api::ApiError;
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

/// The error of `action` for `field`, for a [`crate::components::field::Field`].
pub fn field_error(action: Action<(), Result<(), ApiError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || action.value().get().and_then(|r| r.err()).and_then(|e| e.for_field(field)))
}

/// The error of `action` that belongs to no field.
pub fn form_error(action: Action<(), Result<(), ApiError>>) -> Signal<Option<String>> {
    Signal::derive(move || action.value().get().and_then(|r| r.err()).filter(|e| e.field.is_none()).map(|e| e.message))
}
