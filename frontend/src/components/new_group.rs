//! The "New group" dialog: a title and some friends; creates the group and opens it.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use protocol::UserId;
use protocol::conversations::{CreateConversation, MAX_MEMBERS_PER_REQUEST, check_title};

use crate::api;
use crate::components::bot_badge::{bot_badge_if, is_bot};
use crate::locale::{error_text, t, t_string, use_i18n};
use crate::state::chat::Chat;
use crate::state::session::Session;

/// The dialog; `open` shows and hides it.
#[component]
pub fn NewGroup(open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let title = RwSignal::new(String::new());
    let picked = RwSignal::new(HashSet::<UserId>::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let friends = move || {
        chat.friends.with(|f| {
            let mut list: Vec<_> = f.iter().map(|f| f.user.clone()).collect();
            list.sort_by_cached_key(|u| u.display_name.to_lowercase());
            list
        })
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let group_title = title.get_untracked().trim().to_owned();
        let member_ids: Vec<UserId> = picked.get_untracked().into_iter().collect();
        if let Err(e) = check_title(&group_title) {
            error.set(Some(e.to_owned()));
            return;
        }
        if member_ids.len() > MAX_MEMBERS_PER_REQUEST {
            error.set(Some(t_string!(i18n, chat.too_many_members, max = MAX_MEMBERS_PER_REQUEST).to_string()));
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let body = CreateConversation::Group { title: group_title, member_ids };
            match api::conversations::create(session, body).await {
                Ok(summary) => {
                    let id = summary.id;
                    chat.upsert_summary(summary);
                    title.set(String::new());
                    picked.set(HashSet::new());
                    error.set(None);
                    open.set(false);
                    navigate(&format!("/chat/{id}"), Default::default());
                }
                Err(e) => error.set(Some(error_text(&e, i18n.get_locale_untracked()))),
            }
            busy.set(false);
        });
    };

    view! {
        <Show when=move || open.get()>
            <div class="overlay" on:click=move |_| open.set(false)></div>
            <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="new-group-title">
                <h2 id="new-group-title">{t!(i18n, chat.new_group)}</h2>
                <form on:submit=create.clone()>
                    <div class="field">
                        <label for="group-title">{t!(i18n, chat.title)}</label>
                        <input id="group-title" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                    </div>
                    <p class="field-label">{t!(i18n, chat.friends)}</p>
                    {move || {
                        let list = friends();
                        if list.is_empty() {
                            view! { <p class="empty">{t!(i18n, chat.add_friends_first)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="list pick-list" data-testid="group-friends">
                                    {list.into_iter().map(|u| {
                                        let uid = u.id;
                                        view! {
                                            <li><label class="pick" data-username=u.username.clone()>
                                                <input type="checkbox" prop:checked=move || picked.with(|p| p.contains(&uid))
                                                    on:change=move |_| picked.update(|p| if !p.remove(&uid) { p.insert(uid); })/>
                                                {u.display_name.clone()}
                                                {bot_badge_if(is_bot(&u))}
                                            </label></li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }}
                    {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                    <div class="dialog-actions">
                        <button type="button" class="secondary" on:click=move |_| open.set(false)>{t!(i18n, chat.cancel)}</button>
                        <button type="submit" disabled=move || busy.get()>{t!(i18n, chat.create_group)}</button>
                    </div>
                </form>
            </div>
        </Show>
    }
}
