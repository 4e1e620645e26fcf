//! Friends: everyone you are friends with, to message, unfriend or block.

use leptos::prelude::*;
use protocol::users::PublicUser;

use leptos_router::hooks::use_navigate;

use super::{open_dm, social_action};
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::user_row::UserRow;
use crate::state::chat::Chat;
use crate::state::session::Session;

/// The friends page.
#[component]
pub fn Friends() -> impl IntoView {
    let session = expect_context::<Session>();
    let friends = LocalResource::new(move || api::social::friends(session));
    let notice = RwSignal::new(None::<String>);
    let chat = expect_context::<Chat>();
    let navigate = use_navigate();
    let message = move |user: PublicUser| open_dm(session, chat, user.id, notice, navigate.clone());

    // Unfriending and blocking ask first (the confirmation dialog): (true = block, the friend).
    let confirming = RwSignal::new(None::<(bool, PublicUser)>);
    let act = move |block: bool, user: PublicUser| {
        social_action(session, notice, friends, async move {
            if block {
                api::social::block(session, user.id).await.map(|_| format!("Blocked {}.", user.display_name))
            } else {
                api::social::unfriend(session, user.id)
                    .await
                    .map(|_| format!("{} is no longer a friend.", user.display_name))
            }
        });
    };

    view! {
        <section class="card">
            <h1>"Friends"</h1>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
                {move || friends.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message}</p> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <p class="empty">"No friends yet. "<a href="/people">"Find people"</a>" to start."</p>
                    }.into_any(),
                    Ok(mut page) => view! {
                        <ul class="list" data-testid="friends">
                            {page.items.sort_by_cached_key(|f| f.user.display_name.to_lowercase());
                            page.items.into_iter().map(|friend| {
                                let (unfriend, block, dm) = (friend.user.clone(), friend.user.clone(), friend.user.clone());
                                let message = message.clone();
                                view! {
                                    <UserRow user=friend.user.clone()>
                                        <button type="button" on:click=move |_| message(dm.clone())>"Message"</button>
                                        <button type="button" class="secondary" on:click=move |_| confirming.set(Some((false, unfriend.clone())))>"Unfriend"</button>
                                        <button type="button" class="danger" on:click=move |_| confirming.set(Some((true, block.clone())))>"Block"</button>
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
                    (format!("Block {name}?"), "Block", "The friendship ends, and they can no longer find you, message you or send you requests. You can unblock them later.")
                } else {
                    (format!("Unfriend {name}?"), "Unfriend", "You can no longer message each other until one of you asks again and the other accepts.")
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
