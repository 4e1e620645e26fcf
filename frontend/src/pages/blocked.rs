//! Blocked users, to unblock.

use leptos::prelude::*;
use protocol::users::PublicUser;

use super::social_action;
use crate::api;
use crate::components::user_row::UserRow;
use crate::state::session::Session;

/// The blocked users page.
#[component]
pub fn Blocked() -> impl IntoView {
    let session = expect_context::<Session>();
    let blocks = LocalResource::new(move || api::social::blocks(session));
    let notice = RwSignal::new(None::<String>);

    let unblock = move |user: PublicUser| {
        social_action(session, notice, blocks, async move {
            api::social::unblock(session, user.id).await.map(|_| format!("Unblocked {}.", user.display_name))
        });
    };

    view! {
        <section class="card">
            <h1>"Blocked"</h1>
            <p class="lede small">"Blocked people cannot find you, message you or send you requests."</p>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
                {move || blocks.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">"You have not blocked anyone."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list" data-testid="blocked">
                            {list.into_iter().map(|blocked| {
                                let target = blocked.user.clone();
                                view! {
                                    <UserRow user=blocked.user.clone()>
                                        <button type="button" class="secondary" on:click=move |_| unblock(target.clone())>"Unblock"</button>
                                    </UserRow>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
