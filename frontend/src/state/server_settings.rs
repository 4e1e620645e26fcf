//! The server's client-visible settings (`protocol::settings::ServerSettings`), fetched once
//! the app's first screen is painted and asked again after a failure (a few times: an older
//! server has no such route), so a location card knows whether the operator configured a map
//! tile server. Until they arrive, and when there is none, cards draw no map: nothing is
//! fetched from a third party by default.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::settings::{MapTiles, ServerSettings};

use crate::api;

/// Wait after a failed fetch (the server restarting, or the network away).
const RETRY_MS: u32 = 30_000;
/// Fetches before giving up until the page is reloaded.
const ATTEMPTS: u32 = 5;

/// The server settings context.
#[derive(Clone, Copy, Debug)]
pub struct ServerSetup {
    settings: RwSignal<Option<ServerSettings>>,
}

impl ServerSetup {
    /// Starts fetching the settings, once the first screen is painted (nothing on it needs
    /// them, and the request's code would delay it).
    pub fn load() -> Self {
        let this = Self { settings: RwSignal::new(None) };
        crate::after_paint::after_next_paint(move || this.fetch());
        this
    }

    fn fetch(self) {
        spawn_local(async move {
            for _ in 0..ATTEMPTS {
                match api::settings::server_settings().await {
                    Ok(settings) => {
                        // The app may have been torn down meanwhile (tests, hot reload).
                        let _ = self.settings.try_set(Some(settings));
                        return;
                    }
                    Err(_) => gloo_timers::future::TimeoutFuture::new(RETRY_MS).await,
                }
            }
        });
    }

    /// The map tile server, if the operator configured one. Tracked.
    pub fn map(&self) -> Option<MapTiles> {
        self.settings.with(|s| s.as_ref().and_then(|s| s.map.clone()))
    }
}
