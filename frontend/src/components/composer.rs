//! The message composer: Enter sends, Shift+Enter starts a new line, empty or over-long text is
//! refused before it leaves (the server's own rule, `check_body`), "Replying to …" while
//! answering, a typing signal at most every few seconds, and an emoji picker.

use leptos::html::Textarea;
use leptos::prelude::*;
use protocol::ConversationId;
use protocol::conversations::{MAX_BODY_CHARS, Message, check_body};

use crate::api::ws::Gateway;
use crate::components::emoji_picker::EmojiPicker;
use crate::state::chat::{Chat, now_ms};

/// Least time between two typing frames, in milliseconds.
const TYPING_EVERY_MS: f64 = 3_000.0;

/// The composer of conversation `id`; `stick` fires after a send so the history follows.
#[component]
pub fn Composer(id: ConversationId, reply: RwSignal<Option<Message>>, stick: Trigger) -> impl IntoView {
    let gateway = expect_context::<Gateway>();
    let chat = expect_context::<Chat>();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let last_typing = StoredValue::new(0.0);
    let input = NodeRef::<Textarea>::new();

    let send = move || {
        let body = text.get_untracked();
        if let Err(e) = check_body(&body) {
            error.set(Some(e));
            return;
        }
        let reply_to = reply.get_untracked().map(|m| m.id);
        gateway.send_message(id, body, reply_to);
        text.set(String::new());
        reply.set(None);
        error.set(None);
        last_typing.set_value(0.0);
        stick.notify();
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };
    let on_input = move |ev| {
        text.set(event_target_value(&ev));
        error.set(None);
        let now = now_ms();
        if now - last_typing.get_value() >= TYPING_EVERY_MS && !text.with_untracked(|t| t.trim().is_empty()) {
            last_typing.set_value(now);
            gateway.typing(id);
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // Enter while composing with an input method confirms the composition, not the message.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let count = move || text.with(|t| t.chars().count());

    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
            {move || reply.get().map(|m| {
                let who = chat.name_of(m.sender_id);
                view! {
                    <div class="replying" data-testid="replying">
                        <span>"Replying to "<strong>{who}</strong>": "<span class="reply-text">{m.body}</span></span>
                        <button type="button" class="ghost small" aria-label="Cancel reply" on:click=move |_| reply.set(None)>"✕"</button>
                    </div>
                }
            })}
            <div class="composer-row">
                <EmojiPicker input text/>
                <textarea
                    node_ref=input
                    rows="1"
                    placeholder="Write a message"
                    aria-label="Message"
                    data-testid="composer"
                    prop:value=move || text.get()
                    on:input=on_input
                    on:keydown=on_keydown
                ></textarea>
                <button type="submit" aria-label="Send">"Send"</button>
            </div>
            {move || {
                let n = count();
                let over = n > MAX_BODY_CHARS;
                match error.get() {
                    Some(e) => Some(view! { <p class="form-error small" role="alert">{e}</p> }.into_any()),
                    None if n > MAX_BODY_CHARS - 200 => Some(view! {
                        <p class="composer-count" class:over=over>{format!("{n} / {MAX_BODY_CHARS}")}</p>
                    }.into_any()),
                    None => None,
                }
            }}
        </form>
    }
}
