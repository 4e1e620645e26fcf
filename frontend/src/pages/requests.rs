//! Friend requests: incoming ones to accept, decline or block the sender (asked first), outgoing
//! ones to cancel.

use leptos::prelude::*;
use protocol::social::FriendRequest;

use super::social_action;
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::user_row::UserRow;
use crate::locale::{error_text, t, t_string, td_string, use_i18n};
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
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let requests = LocalResource::new(move || api::social::requests(session));
    let notice = RwSignal::new(None::<String>);
    // The request whose sender the user is about to block (the dialog asks first).
    let blocking = RwSignal::new(None::<FriendRequest>);

    let act = move |answer: Answer, request: FriendRequest| {
        let language = i18n.get_locale_untracked();
        social_action(session, language, notice, requests, async move {
            let (from, to) = (&request.from.display_name, &request.to.display_name);
            match answer {
                Answer::Accept => api::social::accept(session, request.id)
                    .await
                    .map(|_| td_string!(language, social.accepted_notice, name = from).to_string()),
                Answer::Decline => api::social::decline(session, request.id)
                    .await
                    .map(|_| td_string!(language, social.declined_notice, name = from).to_string()),
                Answer::Cancel => api::social::cancel(session, request.id)
                    .await
                    .map(|_| td_string!(language, social.cancelled_notice, name = to).to_string()),
                Answer::Block => api::social::block(session, request.from.id)
                    .await
                    .map(|_| td_string!(language, social.blocked_notice, name = from).to_string()),
            }
        });
    };

    view! {
        <section class="card">
            <h1>{t!(i18n, social.requests_title)}</h1>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
                {move || requests.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                    Ok(all) => view! {
                        <h2>{t!(i18n, social.received)}</h2>
                        {if all.incoming.is_empty() {
                            view! { <p class="empty">{t!(i18n, social.no_incoming)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="list" data-testid="incoming">
                                    {all.incoming.into_iter().map(|request| {
                                        let (accept, decline, block) = (request.clone(), request.clone(), request.clone());
                                        view! {
                                            <UserRow user=request.from.clone()>
                                                <button type="button" on:click=move |_| act(Answer::Accept, accept.clone())>{t!(i18n, social.accept)}</button>
                                                <button type="button" class="secondary" on:click=move |_| act(Answer::Decline, decline.clone())>{t!(i18n, social.decline)}</button>
                                                <button type="button" class="danger" on:click=move |_| blocking.set(Some(block.clone()))>{t!(i18n, social.block)}</button>
                                            </UserRow>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <h2>{t!(i18n, social.sent)}</h2>
                        {if all.outgoing.is_empty() {
                            view! { <p class="empty">{t!(i18n, social.no_outgoing)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="list" data-testid="outgoing">
                                    {all.outgoing.into_iter().map(|request| {
                                        let cancel = request.clone();
                                        view! {
                                            <UserRow user=request.to.clone()>
                                                <button type="button" class="secondary" on:click=move |_| act(Answer::Cancel, cancel.clone())>{t!(i18n, social.cancel_request)}</button>
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
                    <ConfirmDialog title=t_string!(i18n, social.block_title, name).to_string() action=t_string!(i18n, social.block)
                        confirm=Callback::new(move |()| {
                            blocking.set(None);
                            act(Answer::Block, request.clone());
                        })
                        cancel=Callback::new(move |()| blocking.set(None))>
                        <p>{t!(i18n, social.request_block_why)}</p>
                    </ConfirmDialog>
                }
            })}
        </section>
    }
}
