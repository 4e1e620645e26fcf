//! The signed-in user: their profile and access token (memory only), restored at start-up from
//! the HttpOnly refresh cookie, refreshed silently when the access token expires. Started
//! offline (from the service worker's cached shell), it waits for the network instead of
//! taking the unreachable server for an ended session.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::auth::AuthResponse;
use protocol::users::Me;

use crate::api;

/// Where the session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Restoring from the cookie at start-up.
    Checking,
    /// Signed in.
    SignedIn,
    /// Not signed in.
    SignedOut,
}

/// The session context.
#[derive(Clone, Copy, Debug)]
pub struct Session {
    /// The signed-in user's profile.
    pub user: RwSignal<Option<Me>>,
    /// Where the session stands.
    pub status: RwSignal<Status>,
    /// Bumped after every change to friends or requests, so views that summarise them (the
    /// header's waiting-requests badge) re-read.
    pub social_changes: RwSignal<u32>,
    /// The app started offline with a session to restore, and waits for the network.
    pub waiting_for_network: RwSignal<bool>,
    token: RwSignal<Option<String>>,
}

impl Session {
    /// A session that restores itself from the refresh cookie.
    pub fn restore() -> Self {
        let session = Self {
            user: RwSignal::new(None),
            status: RwSignal::new(Status::Checking),
            social_changes: RwSignal::new(0),
            waiting_for_network: RwSignal::new(false),
            token: RwSignal::new(None),
        };
        // Only a browser that signed in before holds a refresh cookie; asking without one
        // would be a pointless request answered with 401.
        if !had_session() {
            session.signed_out();
        } else if is_offline() {
            // A failed refresh now would sign the user out for being offline. The session stays
            // `Checking` (no page asks for a sign-in) until the browser is back online.
            session.waiting_for_network.set(true);
            // Lives as long as the app; only the first `online` event does anything.
            let _listener = window_event_listener(leptos::ev::online, move |_| {
                if session.waiting_for_network.get_untracked() {
                    session.waiting_for_network.set(false);
                    session.resume();
                }
            });
        } else {
            session.resume();
        }
        session
    }

    /// Restores the session from the refresh cookie, in the background.
    fn resume(self) {
        spawn_local(async move {
            // index.html may have started the refresh while the wasm downloaded; any
            // failure there is retried here, where another tab's refresh is waited out.
            if let Some(Ok(auth)) = api::account::early_refresh().await {
                self.signed_in(auth);
            } else if !self.refresh().await {
                self.signed_out();
            }
        });
    }

    /// The current access token.
    pub fn token(&self) -> Option<String> {
        self.token.get_untracked()
    }

    /// Whether someone is signed in (`None` while restoring): the routes' guard.
    pub fn is_signed_in(&self) -> Option<bool> {
        match self.status.get() {
            Status::Checking => None,
            Status::SignedIn => Some(true),
            Status::SignedOut => Some(false),
        }
    }

    /// Tells summary views that friends or requests changed.
    pub fn social_changed(&self) {
        self.social_changes.update(|n| *n = n.wrapping_add(1));
    }

    /// Records a successful sign-in or refresh.
    pub fn signed_in(&self, auth: AuthResponse) {
        remember_session(true);
        self.token.set(Some(auth.access_token));
        self.user.set(Some(auth.user));
        self.status.set(Status::SignedIn);
    }

    /// Forgets the user (after sign-out, or when the session ended elsewhere).
    pub fn signed_out(&self) {
        remember_session(false);
        self.token.set(None);
        self.user.set(None);
        self.status.set(Status::SignedOut);
    }

    /// Spends the refresh cookie; true if the session lives on. Another tab may have just
    /// spent the same cookie: the server then refuses without ending the session, and a retry
    /// a moment later carries the cookie that tab received.
    pub async fn refresh(&self) -> bool {
        for attempt in 0..2 {
            match api::account::refresh().await {
                Ok(auth) => {
                    self.signed_in(auth);
                    return true;
                }
                Err(e) if e.code.is_none() => return false,
                Err(_) if attempt == 0 => gloo_timers::future::TimeoutFuture::new(300).await,
                Err(_) => {}
            }
        }
        false
    }
}

/// localStorage key of the hint that this browser holds a refresh cookie (not the token).
const SESSION_HINT: &str = "confab.signed_in";

fn had_session() -> bool {
    storage().and_then(|s| s.get_item(SESSION_HINT).ok().flatten()).is_some()
}

fn remember_session(signed_in: bool) {
    if let Some(storage) = storage() {
        let _ = if signed_in { storage.set_item(SESSION_HINT, "1") } else { storage.remove_item(SESSION_HINT) };
    }
}

/// Whether the browser knows it has no network (`navigator.onLine` false).
fn is_offline() -> bool {
    !window().navigator().on_line()
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}
