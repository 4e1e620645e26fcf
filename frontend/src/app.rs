//! The root component: provides the global state contexts and maps URLs to pages.
//! The current page lives in the URL, so reloads and shared links land where they should.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::header::Header;
use crate::pages::{home::Home, not_found::NotFound};
use crate::state::theme::Theme;

/// The whole application.
#[component]
pub fn App() -> impl IntoView {
    provide_context(Theme::load());
    view! {
        <Router>
            <div class="app">
                <Header/>
                <main class="page">
                    <Routes fallback=|| view! { <NotFound/> }>
                        <Route path=path!("/") view=Home/>
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
