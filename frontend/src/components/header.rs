//! The top bar: the Confab mark, the main navigation when signed in (with "Admin" for
//! administrators), the theme switch and the account menu.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::avatar::Avatar;
use crate::locale::{t, t_string, use_i18n};
use crate::pages::admin::is_admin;
use crate::state::chat::Chat;
use crate::state::session::Session;
use crate::state::theme::{Mode, Theme};

/// The application's top bar.
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let theme = expect_context::<Theme>();
    let session = expect_context::<Session>();
    let chat = expect_context::<Chat>();
    let navigate = use_navigate();
    let location = use_location();
    // Incoming requests waiting, re-read on every navigation and on every friend frame from the
    // gateway (it bumps `social_changes`).
    let waiting = LocalResource::new(move || {
        location.pathname.track();
        session.social_changes.track();
        let signed_in = session.status.get() == crate::state::session::Status::SignedIn;
        async move {
            if !signed_in {
                return 0;
            }
            api::social::requests(session).await.map(|r| r.incoming.len()).unwrap_or(0)
        }
    });
    let label = move || match theme.mode.get() {
        Mode::Light => t_string!(i18n, common.dark_theme),
        Mode::Dark => t_string!(i18n, common.light_theme),
    };
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            // This browser stops receiving the account's notifications first, while the session
            // can still tell the server so.
            crate::push::forget_before_sign_out(session).await;
            // Signed out locally even if the server is unreachable.
            let _ = api::account::logout(session).await;
            session.signed_out();
            navigate("/signin", Default::default());
        });
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <svg class="logo" viewBox="0 0 64 64" width="28" height="28" aria-hidden="true">
                    <rect width="64" height="64" rx="14" fill="currentColor"/>
                    <path d="M16 20h32a4 4 0 0 1 4 4v14a4 4 0 0 1-4 4H30l-9 7v-7h-5a4 4 0 0 1-4-4V24a4 4 0 0 1 4-4z" fill="var(--surface)"/>
                </svg>
                <span>{t!(i18n, common.confab)}</span>
            </a>
            <Show when=move || session.user.get().is_some()>
                <nav class="mainnav" aria-label=move || t_string!(i18n, common.main_navigation)>
                    <A href="/chat">
                        {t!(i18n, common.chats)}
                        {move || Some(chat.total_unread()).filter(|n| *n > 0).map(|n| view! {
                            <span class="badge" data-testid="unread-badge" aria-label=move || t_string!(i18n, common.unread_count, count = n).to_string()>{n}</span>
                        })}
                    </A>
                    <A href="/friends">{t!(i18n, common.friends)}</A>
                    <A href="/requests">
                        {t!(i18n, common.requests)}
                        {move || waiting.get().filter(|n| *n > 0).map(|n| view! {
                            <span class="badge" data-testid="requests-badge" aria-label=move || t_string!(i18n, common.waiting_count, count = n).to_string()>{n}</span>
                        })}
                    </A>
                    <A href="/people">{t!(i18n, common.find_people)}</A>
                    <A href="/blocked">{t!(i18n, common.blocked)}</A>
                    <Show when=move || is_admin(session)>
                        <A href="/admin">{t!(i18n, common.admin)}</A>
                    </Show>
                </nav>
            </Show>
            <div class="topbar-actions">
                <button class="ghost icon" type="button" on:click=move |_| theme.toggle() aria-label=label title=label>
                    {move || if theme.mode.get() == Mode::Light { "☾" } else { "☀" }}
                </button>
                {move || session.user.get().map(|me| {
                    // Named by its content, not an aria-label: the name then always contains the
                    // visible text (WCAG's "label in name"), the initials being decorative.
                    view! {
                    <A href="/settings" attr:class="me-link" attr:title=move || t_string!(i18n, common.settings)>
                        <span class="visually-hidden">{t!(i18n, common.settings)}" "</span>
                        <Avatar name=me.display_name.clone() color=me.avatar_color.clone() photo=me.avatar.clone()/>
                        <span class="me-name">{me.display_name.clone()}</span>
                    </A>
                    }
                })}
                <Show when=move || session.user.get().is_some()>
                    <button class="ghost" type="button" on:click=sign_out.clone()>{t!(i18n, common.sign_out)}</button>
                </Show>
            </div>
        </header>
    }
}
