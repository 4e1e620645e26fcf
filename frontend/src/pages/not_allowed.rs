//! Shown to signed-in users who open a page they have no right to (the admin pages, for anyone
//! who is not an administrator).

use leptos::prelude::*;

use crate::locale::{t, use_i18n};

/// The "not allowed" page.
#[component]
pub fn NotAllowed() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="hero" data-testid="not-allowed">
            <h1>{t!(i18n, common.not_allowed_title)}</h1>
            <p>{t!(i18n, common.not_allowed_text, <chats> = <a href="/chat" />)}</p>
        </section>
    }
}
