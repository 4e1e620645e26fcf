//! A bot's ephemeral answer to the user's slash command, drawn in the history below the
//! invocation: dashed and muted so it never passes for a message everyone sees, headed by
//! "Only visible to you" and a "Dismiss" button, then the bot's name and badge. Its body is formatted like a
//! message's (`crate::markdown`).

use leptos::prelude::*;
use protocol::ConversationId;

use crate::components::bot_badge::BotBadge;
use crate::locale::{t, t_string, use_i18n};
use crate::markdown::Markdown;
use crate::state::chat::Chat;
use crate::state::chat::ephemeral::EphemeralAnswer;

/// One answer in conversation `id`.
#[component]
pub fn EphemeralBubble(id: ConversationId, answer: EphemeralAnswer) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let key = answer.key;
    let name = answer.sender.display_name.clone();
    let label = move || t_string!(i18n, chat.ephemeral_label, name = name.clone()).to_string();
    view! {
        <div class="message ephemeral" role="group" aria-label=label data-testid="ephemeral"
            data-invocation=answer.invocation_seq.to_string()>
            <div class="bubble-column">
                <div class="bubble">
                    <div class="ephemeral-head">
                        <span class="ephemeral-note">
                            <svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true">
                                <path d="M1.5 8s2.4-4.5 6.5-4.5S14.5 8 14.5 8 12.1 12.5 8 12.5 1.5 8 1.5 8z"
                                    fill="none" stroke="currentColor" stroke-width="1.4"/>
                                <circle cx="8" cy="8" r="2" fill="currentColor"/>
                            </svg>
                            {t!(i18n, chat.only_visible_to_you)}
                        </span>
                        <button type="button" class="ghost small" data-testid="dismiss-ephemeral"
                            on:click=move |_| chat.dismiss_ephemeral(id, key)>{t!(i18n, common.dismiss)}</button>
                    </div>
                    <span class="sender">{answer.sender.display_name.clone()}<BotBadge/></span>
                    <div class="body" data-testid="ephemeral-body"><Markdown source=answer.body.clone()/></div>
                </div>
            </div>
        </div>
    }
}
