//! A message's reactions: one chip per emoji with its count (pressed when the reader is among
//! those who reacted; the names on hover and to screen readers, and in a small list on a long
//! press or a right click, where there is no hover), toggled by a click, and a small palette of
//! common emoji to add one. The change comes back as an event.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::conversations::Message;
use protocol::{ConversationId, MessageId};

use crate::api;
use crate::locale::{Locale, error_text, t, t_string, use_i18n};
use crate::state::chat::Chat;
use crate::state::session::Session;

/// The emoji offered first, as most chat apps do.
pub const QUICK: [&str; 6] = ["\u{1f44d}", "\u{2764}\u{fe0f}", "\u{1f602}", "\u{1f62e}", "\u{1f622}", "\u{1f389}"];

/// Adds or takes back the reader's `emoji` on a message; a refusal shows in `error`, in `language`.
pub fn toggle(
    session: Session,
    conversation: ConversationId,
    message: MessageId,
    emoji: String,
    add: bool,
    error: RwSignal<Option<String>>,
    language: Locale,
) {
    spawn_local(async move {
        if let Err(e) = api::conversations::react(session, conversation, message, &emoji, add).await {
            error.set(Some(error_text(&e, language)));
        }
    });
}

/// How long a finger rests on a chip before the list of who reacted opens instead of a toggle.
const LONG_PRESS_MS: u32 = 500;

/// The chips under a message.
#[component]
pub fn ReactionChips(message: Message, error: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let session = expect_context::<Session>();
    let me = chat.me();
    let (conversation, id) = (message.conversation_id, message.id);
    // Who reacted with which emoji, while the list is open.
    let who = RwSignal::new(None::<(String, Vec<String>)>);
    // The press under way (its pointer id), and whether it lasted long enough to open the list,
    // in which case the click that ends it toggles nothing.
    let press = StoredValue::new(None::<i32>);
    let long_pressed = StoredValue::new(false);
    let chips = message
        .reactions
        .into_iter()
        .map(|reaction| {
            let mine = me.is_some_and(|me| reaction.user_ids.contains(&me));
            let names: Vec<String> = reaction
                .user_ids
                .iter()
                .map(|u| if Some(*u) == me { t_string!(i18n, chat.you_subject).to_owned() } else { chat.name_of(*u) })
                .collect();
            let count = reaction.user_ids.len();
            // The name begins with what the chip shows (emoji and count), so voice control users
            // can say it (WCAG's "label in name").
            let label =
                t_string!(i18n, chat.reacted_with, names = names.join(", "), emoji = reaction.emoji.clone(), count)
                    .to_string();
            let emoji = reaction.emoji.clone();
            let listed = (reaction.emoji.clone(), names);
            let show = {
                let listed = listed.clone();
                move || who.set(Some(listed.clone()))
            };
            let show_after_hold = show.clone();
            view! {
                <button type="button" class="reaction" class:mine=mine aria-pressed=mine.to_string()
                    title=label.clone() aria-label=label data-testid="reaction" data-emoji=reaction.emoji.clone()
                    on:pointerdown=move |ev| {
                        if ev.pointer_type() != "touch" {
                            return;
                        }
                        let pointer = ev.pointer_id();
                        press.set_value(Some(pointer));
                        long_pressed.set_value(false);
                        let show = show_after_hold.clone();
                        leptos::task::spawn_local(async move {
                            gloo_timers::future::TimeoutFuture::new(LONG_PRESS_MS).await;
                            // The chip may have gone meanwhile (the message re-rendered).
                            if press.try_get_value().flatten() == Some(pointer) {
                                let _ = long_pressed.try_set_value(true);
                                show();
                            }
                        });
                    }
                    on:pointerup=move |_| press.set_value(None)
                    on:pointercancel=move |_| press.set_value(None)
                    on:pointerleave=move |_| press.set_value(None)
                    // A long press on a phone, a right click elsewhere: the list, not the menu.
                    on:contextmenu=move |ev| {
                        ev.prevent_default();
                        show();
                    }
                    on:click=move |_| {
                        if long_pressed.get_value() {
                            long_pressed.set_value(false);
                            return;
                        }
                        toggle(session, conversation, id, emoji.clone(), !mine, error, i18n.get_locale_untracked());
                    }>
                    <span class="reaction-emoji" aria-hidden="true">{reaction.emoji.clone()}</span>
                    <span class="reaction-count" aria-hidden="true">{count}</span>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="reactions" data-testid="reactions">
            {chips}
            {move || who.get().map(|(emoji, names)| view! {
                <div class="reaction-who" role="dialog" aria-label=t_string!(i18n, chat.reacted_with_title, emoji = emoji.clone()).to_string()
                    data-testid="reaction-who" on:keydown=move |ev| if ev.key() == "Escape" { who.set(None); }>
                    <span class="reaction-emoji" aria-hidden="true">{emoji.clone()}</span>
                    <ul>{names.into_iter().map(|name| view! { <li>{name}</li> }).collect_view()}</ul>
                    <button type="button" class="ghost small" on:click=move |_| who.set(None)>{t!(i18n, chat.close)}</button>
                </div>
            })}
        </div>
    }
}

/// The palette opened from a message's "React" action.
#[component]
pub fn QuickReactions(message: Message, open: RwSignal<bool>, error: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let session = expect_context::<Session>();
    let me = chat.me();
    let (conversation, id) = (message.conversation_id, message.id);
    let reactions = message.reactions;
    let buttons = QUICK
        .iter()
        .map(|emoji| {
            let mine = reactions.iter().any(|r| r.emoji == *emoji && me.is_some_and(|me| r.user_ids.contains(&me)));
            let emoji = (*emoji).to_owned();
            let label = t_string!(i18n, chat.react_with, emoji = emoji.clone()).to_string();
            view! {
                <button type="button" class="ghost quick-reaction" aria-label=label aria-pressed=mine.to_string()
                    on:click=move |_| {
                        toggle(session, conversation, id, emoji.clone(), !mine, error, i18n.get_locale_untracked());
                        open.set(false);
                    }>{emoji.clone()}</button>
            }
        })
        .collect_view();
    view! {
        <div class="quick-reactions" role="group" aria-label=move || t_string!(i18n, chat.reactions) data-testid="quick-reactions"
            on:keydown=move |ev| if ev.key() == "Escape" { open.set(false); }>
            {buttons}
        </div>
    }
}
