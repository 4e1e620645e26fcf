//! The top bar: the Confab mark, the main navigation when signed in (with "Admin" for
//! administrators), the theme switch and the account menu.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::avatar::Avatar;
use crate::pages::admin::is_admin;
use crate::state::chat::Chat;
use crate::state::session::Session;
use crate::state::theme::{Mode, Theme};

/// The application's top bar.
#[component]
pub fn Header() -> impl IntoView {
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
        Mode::Light => "Dark theme",
        Mode::Dark => "Light theme",
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
                <span>"Confab"</span>
            </a>
            <Show when=move || session.user.get().is_some()>
                <nav class="mainnav" aria-label="Main">
                    <A href="/chat">
                        "Chats"
                        {move || Some(chat.total_unread()).filter(|n| *n > 0).map(|n| view! {
                            <span class="badge" data-testid="unread-badge" aria-label=format!("{n} unread")>{n}</span>
                        })}
                    </A>
                    <A href="/friends">"Friends"</A>
                    <A href="/requests">
                        "Requests"
                        {move || waiting.get().filter(|n| *n > 0).map(|n| view! {
                            <span class="badge" data-testid="requests-badge" aria-label=format!("{n} waiting")>{n}</span>
                        })}
                    </A>
                    <A href="/people">"Find people"</A>
                    <A href="/blocked">"Blocked"</A>
                    <Show when=move || is_admin(session)>
                        <A href="/admin">"Admin"</A>
                    </Show>
                </nav>
            </Show>
            <div class="topbar-actions">
                <button class="ghost icon" type="button" on:click=move |_| theme.toggle() aria-label=label title=label>
                    {move || if theme.mode.get() == Mode::Light { "☾" } else { "☀" }}
                </button>
                {move || session.user.get().map(|me| view! {
                    <A href="/settings" attr:class="me-link" attr:title="Settings" attr:aria-label="Settings">
                        <Avatar name=me.display_name.clone() color=me.avatar_color.clone() photo=me.avatar.clone()/>
                        <span class="me-name">{me.display_name.clone()}</span>
                    </A>
                })}
                <Show when=move || session.user.get().is_some()>
                    <button class="ghost" type="button" on:click=sign_out.clone()>"Sign out"</button>
                </Show>
            </div>
        </header>
    }
}
