//! "Read by" for one of the reader's messages in a group: who has read it (and by when, from
//! their read markers), who has it on a device but has not read it ("Delivered to", from the
//! apps' delivery acknowledgements) and who has neither yet, read from the server when opened.

use leptos::prelude::*;
use protocol::{ConversationId, MessageId};

use crate::api;
use crate::locale::{error_text, t, t_string, use_i18n};
use crate::state::session::Session;
use crate::time;

/// The read-by list of `message`, shown under it while `open`.
#[component]
pub fn ReadBy(conversation: ConversationId, message: MessageId, open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let readers = LocalResource::new(move || api::conversations::readers(session, conversation, message));
    view! {
        <div class="read-by" role="region" aria-label=move || t_string!(i18n, chat.read_by) data-testid="read-by"
            on:keydown=move |ev| if ev.key() == "Escape" { open.set(false); }>
            {move || match readers.get() {
                None => view! { <p class="small">{t!(i18n, common.loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="form-error small" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                Some(Ok(found)) => view! {
                    <h3>{t!(i18n, chat.read_by)}</h3>
                    {found.read.is_empty().then(|| view! { <p class="small empty">{t!(i18n, chat.nobody_yet)}</p> })}
                    <ul data-testid="readers">
                        {found.read.into_iter().map(|r| {
                            let when = r.read_at.map(|t| time::date_time(t.timestamp_millis() as f64));
                            view! { <li>{r.user.display_name}{when.map(|w| view! { <time>{w}</time> })}</li> }
                        }).collect_view()}
                    </ul>
                    {(!found.delivered.is_empty()).then(|| view! {
                        <h3>{t!(i18n, chat.delivered_to)}</h3>
                        <ul data-testid="delivered">
                            {found.delivered.iter().map(|d| {
                                let when = d.delivered_at.map(|t| time::date_time(t.timestamp_millis() as f64));
                                let name = d.user.display_name.clone();
                                view! { <li>{name}{when.map(|w| view! { <time>{w}</time> })}</li> }
                            }).collect_view()}
                        </ul>
                    })}
                    {
                        // Members without the message on any device yet.
                        let waiting: Vec<_> = found
                            .unread
                            .into_iter()
                            .filter(|u| !found.delivered.iter().any(|d| d.user.id == u.id))
                            .collect();
                        (!waiting.is_empty()).then(|| view! {
                            <h3>{t!(i18n, chat.not_delivered_yet)}</h3>
                            <ul data-testid="not-read">
                                {waiting.into_iter().map(|u| view! { <li>{u.display_name}</li> }).collect_view()}
                            </ul>
                        })
                    }
                }.into_any(),
            }}
            <button type="button" class="ghost small" on:click=move |_| open.set(false)>{t!(i18n, chat.close)}</button>
        </div>
    }
}
