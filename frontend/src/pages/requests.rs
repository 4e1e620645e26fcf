//! Friend requests: incoming ones to accept, decline or block the sender (asked first), outgoing
//! ones to cancel.

use leptos::prelude::*;
use protocol::social::FriendRequest;

use super::social_action;
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::user_row::UserRow;
use crate::state::session::Session;

/// What the user does with a request.
#[derive(Clone, Copy)]
enum Answer {
    /// The recipient accepts.
    Accept,
    /// The recipient declines.
    Decline,
    /// The sender withdraws it.
    Cancel,
    /// The recipient blocks the sender (which ends the request).
    Block,
}

/// The friend requests page.
#[component]
pub fn Requests() -> impl IntoView {
    let session = expect_context::<Session>();
    let requests = LocalResource::new(move || api::social::requests(session));
    let notice = RwSignal::new(None::<String>);
    // The request whose sender the user is about to block (the dialog asks first).
    let blocking = RwSignal::new(None::<FriendRequest>);

    let act = move |answer: Answer, request: FriendRequest| {
        social_action(session, notice, requests, async move {
            match answer {
                Answer::Accept => api::social::accept(session, request.id)
                    .await
                    .map(|_| format!("You and {} are friends now.", request.from.display_name)),
                Answer::Decline => api::social::decline(session, request.id)
                    .await
                    .map(|_| format!("Declined {}'s request.", request.from.display_name)),
                Answer::Cancel => api::social::cancel(session, request.id)
                    .await
                    .map(|_| format!("Cancelled your request to {}.", request.to.display_name)),
                Answer::Block => api::social::block(session, request.from.id)
                    .await
                    .map(|_| format!("Blocked {}.", request.from.display_name)),
            }
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
                                        let (accept, decline, block) = (request.clone(), request.clone(), request.clone());
                                        view! {
                                            <UserRow user=request.from.clone()>
                                                <button type="button" on:click=move |_| act(Answer::Accept, accept.clone())>"Accept"</button>
                                                <button type="button" class="secondary" on:click=move |_| act(Answer::Decline, decline.clone())>"Decline"</button>
                                                <button type="button" class="danger" on:click=move |_| blocking.set(Some(block.clone()))>"Block"</button>
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
                                                <button type="button" class="secondary" on:click=move |_| act(Answer::Cancel, cancel.clone())>"Cancel"</button>
                                            </UserRow>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any(),
                })}
            </Transition>
            {move || blocking.get().map(|request| {
                let name = request.from.display_name.clone();
                view! {
                    <ConfirmDialog title=format!("Block {name}?") action="Block"
                        confirm=Callback::new(move |()| {
                            blocking.set(None);
                            act(Answer::Block, request.clone());
                        })
                        cancel=Callback::new(move |()| blocking.set(None))>
                        <p>"Their request goes, and they can no longer find you, message you or ask again. You can unblock them later."</p>
                    </ConfirmDialog>
                }
            })}
        </section>
    }
}
