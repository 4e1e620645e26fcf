//! The media-access token (`protocol::media::MediaAccess`) every attachment URL carries, since
//! `<img>`, `<audio>` and download links cannot send the bearer token. Fetched at sign-in,
//! fetched again a minute before it expires, and once more when an image fails to load
//! after it expired (a sleeping laptop's timers run late); forgotten at sign-out.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::media::{ACCESS_PARAM, MediaAccess};

use super::chat::now_ms;
use super::session::Session;
use crate::api;

/// How long before expiry the token is replaced, in milliseconds.
const REFRESH_BEFORE_MS: f64 = 60_000.0;
/// Shortest wait before the next fetch, so a server with a skewed clock is not asked in a loop.
const MIN_WAIT_MS: f64 = 5_000.0;
/// Wait after a failed fetch (offline, or a server without media yet).
const RETRY_MS: f64 = 30_000.0;
/// Failed loads after which an element stops asking again (the file is gone, not the token).
const MAX_FAILURES: u8 = 3;

/// The media-access context.
#[derive(Clone, Copy, Debug)]
pub struct Media {
    access: RwSignal<Option<MediaAccess>>,
    /// Bumped by every start and stop: a timer of an older run sees it is stale.
    generation: StoredValue<u64>,
    fetching: StoredValue<bool>,
    session: Session,
}

/// `path` (an attachment's `url` or `thumbnail`) as the browser may fetch it with `token`.
pub fn access_url(path: &str, token: &str) -> String {
    let join = if path.contains('?') { '&' } else { '?' };
    format!("{path}{join}{ACCESS_PARAM}={token}")
}

impl Media {
    /// No token yet; [`Self::start`] fetches one.
    pub fn new(session: Session) -> Self {
        Self {
            access: RwSignal::new(None),
            generation: StoredValue::new(0),
            fetching: StoredValue::new(false),
            session,
        }
    }

    /// Keeps a fresh token from now on (after sign-in); calling it again changes nothing.
    pub fn start(&self) {
        if self.access.with_untracked(Option::is_some) || self.fetching.get_value() {
            return;
        }
        self.restart();
    }

    /// Forgets the token and stops refreshing it (sign-out).
    pub fn stop(&self) {
        self.generation.update_value(|g| *g += 1);
        self.fetching.set_value(false);
        self.access.set(None);
    }

    /// `path` with the current token, or `None` until there is one (so no element asks for a
    /// URL the server would refuse). Tracked: views follow a new token.
    pub fn url(&self, path: &str) -> Option<String> {
        self.access.with(|a| a.as_ref().map(|a| access_url(path, &a.token)))
    }

    /// The `src` of an element showing `path`, and the handler of its `error` event. The URL
    /// keeps the token it was first made with, so refreshing the token every quarter hour does
    /// not reload every picture on the page; after a failed load it takes the current token,
    /// and if that one has expired too a fresh one is fetched. A few failures, and it stops.
    pub fn source(
        &self,
        path: &str,
    ) -> (
        impl Fn() -> Option<String> + Clone + Send + Sync + 'static + use<>,
        impl Fn() + Clone + Send + Sync + 'static + use<>,
    ) {
        let (media, path) = (*self, path.to_owned());
        let used = StoredValue::new(None::<String>);
        let failures = StoredValue::new(0u8);
        let again = Trigger::new();
        let src = move || {
            again.track();
            let current = media.access.with(|a| a.as_ref().map(|a| a.token.clone()))?;
            let token = used.get_value().unwrap_or(current);
            used.set_value(Some(token.clone()));
            Some(access_url(&path, &token))
        };
        let failed = move || {
            failures.update_value(|n| *n = n.saturating_add(1));
            if failures.get_value() > MAX_FAILURES {
                return;
            }
            let current = media.access.with_untracked(|a| a.as_ref().map(|a| a.token.clone()));
            let stale_url = used.get_value() != current;
            used.set_value(None);
            if stale_url {
                again.notify();
            } else {
                media.load_failed();
            }
        };
        (src, failed)
    }

    /// An attachment failed to load: if the token has expired (or is about to), fetch a new
    /// one now; the views then ask again with it. A live token means the file itself is gone.
    pub fn load_failed(&self) {
        let stale = self.access.with_untracked(|a| {
            a.as_ref().is_some_and(|a| a.expires_at.timestamp_millis() as f64 - now_ms() < REFRESH_BEFORE_MS)
        });
        if stale && !self.fetching.get_value() {
            self.restart();
        }
    }

    /// Fetches now, ending the previous run's wait so only one timer is ever pending.
    fn restart(&self) {
        self.generation.update_value(|g| *g += 1);
        self.fetch();
    }

    fn fetch(&self) {
        let media = *self;
        let generation = self.generation.get_value();
        self.fetching.set_value(true);
        spawn_local(async move {
            let answer = api::media::access(media.session).await;
            if media.generation.try_get_value() != Some(generation) {
                return;
            }
            media.fetching.set_value(false);
            let wait = match answer {
                Ok(access) => {
                    let left = access.expires_at.timestamp_millis() as f64 - now_ms();
                    media.access.set(Some(access));
                    (left - REFRESH_BEFORE_MS).max(MIN_WAIT_MS)
                }
                Err(_) => RETRY_MS,
            };
            gloo_timers::future::TimeoutFuture::new(wait.min(f64::from(u32::MAX)) as u32).await;
            if media.generation.try_get_value() == Some(generation) && !media.fetching.get_value() {
                media.fetch();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_appended_as_the_access_parameter() {
        assert_eq!(access_url("/api/v1/media/abc", "t0k"), "/api/v1/media/abc?access=t0k");
        assert_eq!(access_url("/api/v1/media/abc/thumbnail?w=2", "t0k"), "/api/v1/media/abc/thumbnail?w=2&access=t0k");
    }
}
