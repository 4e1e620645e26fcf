//! Friend requests: incoming ones to accept or decline, outgoing ones to cancel.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::social::FriendRequest;

use crate::api;
use crate::components::user_row::UserRow;
use crate::state::session::Session;

/// The friend requests page.
#[component]
pub fn Requests() -> impl IntoView {
    let session = expect_context::<Session>();
    let requests = LocalResource::new(move || api::social::requests(session));
    let notice = RwSignal::new(None::<String>);

    let act = move |label: &'static str, request: FriendRequest| {
        spawn_local(async move {
            let result = match label {
                "accept" => api::social::accept(session, request.id)
                    .await
                    .map(|_| format!("You and {} are friends now.", request.from.display_name)),
                "decline" => api::social::decline(session, request.id)
                    .await
                    .map(|_| format!("Declined {}'s request.", request.from.display_name)),
                _ => api::social::cancel(session, request.id)
                    .await
                    .map(|_| format!("Cancelled your request to {}.", request.to.display_name)),
            };
            notice.set(Some(result.unwrap_or_else(|e| e.message)));
            session.social_changed();
            requests.refetch();
        });
    };

    view! {
        <section class="card">
            <h1>"Friend requests"</h1>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
                {move || requests.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message}</p> }.into_any(),
                    Ok(all) => view! {
                        <h2>"Received"</h2>
                        {if all.incoming.is_empty() {
                            view! { <p class="empty">"No requests waiting for you."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="list" data-testid="incoming">
                                    {all.incoming.into_iter().map(|request| {
                                        let (accept, decline) = (request.clone(), request.clone());
                                        view! {
                                            <UserRow user=request.from.clone()>
                                                <button type="button" on:click=move |_| act("accept", accept.clone())>"Accept"</button>
                                                <button type="button" class="secondary" on:click=move |_| act("decline", decline.clone())>"Decline"</button>
                                            </UserRow>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <h2>"Sent"</h2>
                        {if all.outgoing.is_empty() {
                            view! { <p class="empty">"You have no pending requests."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="list" data-testid="outgoing">
                                    {all.outgoing.into_iter().map(|request| {
                                        let cancel = request.clone();
                                        view! {
                                            <UserRow user=request.to.clone()>
                                                <button type="button" class="secondary" on:click=move |_| act("cancel", cancel.clone())>"Cancel"</button>
                                            </UserRow>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
