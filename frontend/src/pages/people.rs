//! Find people by username or display name and ask them to be friends.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::social::SendFriendRequestOutcome;
use protocol::users::PublicUser;

use crate::api;
use crate::components::user_row::UserRow;
use crate::state::session::Session;

/// The people search page.
#[component]
pub fn People() -> impl IntoView {
    let session = expect_context::<Session>();
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(None::<Result<Vec<PublicUser>, api::ApiError>>);
    let notice = RwSignal::new(None::<String>);
    let searching = RwSignal::new(false);

    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked().trim().to_owned();
        if q.is_empty() {
            return;
        }
        searching.set(true);
        notice.set(None);
        spawn_local(async move {
            results.set(Some(api::social::search(session, q).await.map(|page| page.items)));
            searching.set(false);
        });
    };

    let ask = move |user: PublicUser| {
        spawn_local(async move {
            let message = match api::social::send_request(session, user.id).await {
                Ok(SendFriendRequestOutcome::Pending { .. }) => {
                    format!("Friend request sent to {}.", user.display_name)
                }
                Ok(SendFriendRequestOutcome::Accepted { .. }) => {
                    format!("{} had asked you too: you are friends now.", user.display_name)
                }
                Err(e) => e.message,
            };
            notice.set(Some(message));
        });
    };

    view! {
        <section class="card">
            <h1>"Find people"</h1>
            <form class="search" on:submit=search role="search">
                <input type="search" placeholder="Username or name" aria-label="Search people"
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
                <button type="submit" disabled=move || searching.get()>"Search"</button>
            </form>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {move || match results.get() {
                None => view! { <p class="empty">"Search by the start of a username or a name."</p> }.into_any(),
                Some(Err(e)) => view! { <p class="form-error" role="alert">{e.message}</p> }.into_any(),
                Some(Ok(users)) if users.is_empty() => view! { <p class="empty">"Nobody found."</p> }.into_any(),
                Some(Ok(users)) => view! {
                    <ul class="list">
                        {users.into_iter().map(|user| {
                            let target = user.clone();
                            view! {
                                <UserRow user=user>
                                    <button type="button" on:click=move |_| ask(target.clone())>"Add friend"</button>
                                </UserRow>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
