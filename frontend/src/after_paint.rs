//! Work the first screen does not need, run once that screen is on the glass. From the wasm's
//! arrival to the chat list everything runs in one task (the early socket's `ready` is already
//! waiting), so whatever else starts in it (the server settings' request) holds the first paint
//! back: at 4x CPU slowdown a request costs ~10 ms of main thread, most of it compiling its
//! code on first call.

use std::time::Duration;

use leptos::prelude::{document, request_animation_frame, set_timeout};

/// Runs `work` after the next frame is painted: the next animation frame comes just before
/// the paint, a timeout queued there runs after it. A hidden page paints no frames (and gets no
/// animation frames), so there the timeout alone is enough.
pub fn after_next_paint(work: impl FnOnce() + 'static) {
    if document().hidden() {
        set_timeout(work, Duration::ZERO);
    } else {
        request_animation_frame(move || set_timeout(work, Duration::ZERO));
    }
}
