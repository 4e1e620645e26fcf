//! Entry point of Confab's web app: installs the panic hook (panics go to the console, never
//! to the page), mounts [`app::App`] on the document body, and takes down the static loading
//! shell `index.html` painted while the wasm was on its way; then registers the service worker.

mod after_paint;
mod api;
mod app;
mod chunks;
mod clipboard;
mod components;
mod download;
mod geolocation;
mod hold;
mod locale;
mod markdown;
mod media;
mod pages;
mod push;
mod recorder;
mod state;
mod time;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
    // The app has drawn its first view in this same task, so no frame shows neither.
    if let Some(shell) = leptos::prelude::document().get_element_by_id("app-shell") {
        shell.remove();
    }
    // The offline shell and pushed notifications; after the first view, so it never delays it.
    // (Not after the first paint: measured, a page reloaded right after the list showed then
    // often found the worker not yet active, and loaded 0.5 s slower on Slow 4G; registering
    // here costs ~2 ms.)
    push::register_service_worker();
}
