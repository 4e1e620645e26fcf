//! Blocked users, to unblock.

use leptos::prelude::*;
use protocol::users::PublicUser;

use super::social_action;
use crate::api;
use crate::components::user_row::UserRow;
use crate::locale::{error_text, t, td_string, use_i18n};
use crate::state::session::Session;

/// The blocked users page.
#[component]
pub fn Blocked() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let blocks = LocalResource::new(move || api::social::blocks(session));
    let notice = RwSignal::new(None::<String>);

    let unblock = move |user: PublicUser| {
        let language = i18n.get_locale_untracked();
        social_action(session, language, notice, blocks, async move {
            let name = user.display_name;
            api::social::unblock(session, user.id)
                .await
                .map(|_| td_string!(language, social.unblocked_notice, name).to_string())
        });
    };

    view! {
        <section class="card">
            <h1>{t!(i18n, social.blocked_title)}</h1>
            <p class="lede small">{t!(i18n, social.blocked_lede)}</p>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
                {move || blocks.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">{t!(i18n, social.blocked_empty)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list" data-testid="blocked">
                            {list.into_iter().map(|blocked| {
                                let target = blocked.user.clone();
                                view! {
                                    <UserRow user=blocked.user.clone()>
                                        <button type="button" class="secondary" on:click=move |_| unblock(target.clone())>{t!(i18n, social.unblock)}</button>
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
