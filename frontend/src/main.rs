//! Entry point of Confab's web app: installs the panic hook (panics go to the console, never
//! to the page) and mounts [`app::App`] on the document body.

mod api;
mod app;
mod components;
mod download;
mod markdown;
mod pages;
mod state;
mod time;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
