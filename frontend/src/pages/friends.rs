//! Friends: everyone you are friends with, to message, unfriend or block.

use leptos::prelude::*;
use protocol::users::PublicUser;

use leptos_router::hooks::use_navigate;

use super::{open_dm, social_action};
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::user_row::UserRow;
use crate::locale::{error_text, t, t_string, td_string, use_i18n};
use crate::state::chat::Chat;
use crate::state::session::Session;

/// The friends page.
#[component]
pub fn Friends() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let friends = LocalResource::new(move || api::social::friends(session));
    let notice = RwSignal::new(None::<String>);
    let chat = expect_context::<Chat>();
    let navigate = use_navigate();
    let message =
        move |user: PublicUser| open_dm(session, i18n.get_locale_untracked(), chat, user.id, notice, navigate.clone());

    // Unfriending and blocking ask first (the confirmation dialog): (true = block, the friend).
    let confirming = RwSignal::new(None::<(bool, PublicUser)>);
    let act = move |block: bool, user: PublicUser| {
        let language = i18n.get_locale_untracked();
        social_action(session, language, notice, friends, async move {
            let name = user.display_name;
            if block {
                api::social::block(session, user.id)
                    .await
                    .map(|_| td_string!(language, social.blocked_notice, name).to_string())
            } else {
                api::social::unfriend(session, user.id)
                    .await
                    .map(|_| td_string!(language, social.unfriended_notice, name).to_string())
            }
        });
    };

    view! {
        <section class="card">
            <h1>{t!(i18n, social.friends_title)}</h1>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
                {move || friends.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <p class="empty">{t!(i18n, social.friends_empty, <people> = <a href="/people" />)}</p>
                    }.into_any(),
                    Ok(mut page) => view! {
                        <ul class="list" data-testid="friends">
                            {page.items.sort_by_cached_key(|f| f.user.display_name.to_lowercase());
                            page.items.into_iter().map(|friend| {
                                let (unfriend, block, dm) = (friend.user.clone(), friend.user.clone(), friend.user.clone());
                                let message = message.clone();
                                view! {
                                    <UserRow user=friend.user.clone()>
                                        <button type="button" on:click=move |_| message(dm.clone())>{t!(i18n, social.message)}</button>
                                        <button type="button" class="secondary" on:click=move |_| confirming.set(Some((false, unfriend.clone())))>{t!(i18n, social.unfriend)}</button>
                                        <button type="button" class="danger" on:click=move |_| confirming.set(Some((true, block.clone())))>{t!(i18n, social.block)}</button>
                                    </UserRow>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
            {move || confirming.get().map(|(block, user)| {
                let name = user.display_name.clone();
                let (title, action, why) = if block {
                    (
                        t_string!(i18n, social.block_title, name).to_string(),
                        t_string!(i18n, social.block),
                        t_string!(i18n, social.friend_block_why),
                    )
                } else {
                    (
                        t_string!(i18n, social.unfriend_title, name).to_string(),
                        t_string!(i18n, social.unfriend),
                        t_string!(i18n, social.unfriend_why),
                    )
                };
                view! {
                    <ConfirmDialog title=title action=action
                        confirm=Callback::new(move |()| {
                            confirming.set(None);
                            act(block, user.clone());
                        })
                        cancel=Callback::new(move |()| confirming.set(None))>
                        <p>{why}</p>
                    </ConfirmDialog>
                }
            })}
        </section>
    }
}
