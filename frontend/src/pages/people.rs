//! Find people by username or any word of their display name, answered as you type (after a
//! short pause, newest answer only), and ask them to be friends.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::social::SendFriendRequestOutcome;
use protocol::users::PublicUser;

use crate::api;
use crate::components::bot_badge::is_bot;
use crate::components::user_row::UserRow;
use crate::locale::{error_text, t, t_string, td_string, use_i18n};
use crate::state::session::Session;

/// How long typing must pause before a search goes out, in milliseconds.
const TYPING_PAUSE_MS: u32 = 250;

/// The people search page.
#[component]
pub fn People() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(None::<Result<Vec<PublicUser>, api::ApiError>>);
    let notice = RwSignal::new(None::<String>);
    let searching = RwSignal::new(false);

    // Each search gets a number; only the newest one's answer is shown.
    let generation = StoredValue::new(0u32);
    let run = move |pause_ms: u32| {
        let q = query.get_untracked().trim().to_owned();
        generation.update_value(|g| *g = g.wrapping_add(1));
        let mine = generation.get_value();
        if q.is_empty() {
            results.set(None);
            return;
        }
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(pause_ms).await;
            if generation.get_value() != mine {
                return;
            }
            searching.set(true);
            let found = api::social::search(session, q).await.map(|page| page.items);
            if generation.get_value() == mine {
                results.set(Some(found));
                searching.set(false);
            }
        });
    };
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        run(0);
    };

    let ask = move |user: PublicUser| {
        let language = i18n.get_locale_untracked();
        spawn_local(async move {
            let name = &user.display_name;
            let message = match api::social::send_request(session, user.id).await {
                Ok(SendFriendRequestOutcome::Pending { .. }) => {
                    td_string!(language, social.request_sent_notice, name).to_string()
                }
                // A bot accepts every request at once.
                Ok(SendFriendRequestOutcome::Accepted { .. }) if is_bot(&user) => {
                    td_string!(language, social.bot_added_notice, name).to_string()
                }
                Ok(SendFriendRequestOutcome::Accepted { .. }) => {
                    td_string!(language, social.asked_too_notice, name).to_string()
                }
                Err(e) => error_text(&e, language),
            };
            notice.set(Some(message));
        });
    };

    view! {
        <section class="card">
            <h1>{t!(i18n, social.people_title)}</h1>
            <form class="search" on:submit=search role="search">
                <input type="search" placeholder=move || t_string!(i18n, social.search_placeholder)
                    aria-label=move || t_string!(i18n, social.search_label)
                    prop:value=move || query.get() on:input=move |ev| {
                        query.set(event_target_value(&ev));
                        run(TYPING_PAUSE_MS);
                    }/>
                <button type="submit" disabled=move || searching.get()>{t!(i18n, social.search)}</button>
            </form>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {move || match results.get() {
                None => view! { <p class="empty">{t!(i18n, social.search_hint)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                Some(Ok(users)) if users.is_empty() => view! { <p class="empty">{t!(i18n, social.nobody_found)}</p> }.into_any(),
                Some(Ok(users)) => view! {
                    <ul class="list">
                        {users.into_iter().map(|user| {
                            let target = user.clone();
                            view! {
                                <UserRow user=user>
                                    <button type="button" on:click=move |_| ask(target.clone())>{t!(i18n, social.add_friend)}</button>
                                </UserRow>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
