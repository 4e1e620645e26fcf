//! The message composer: Enter sends, Shift+Enter starts a new line, empty or over-long text is
//! refused before it leaves (the server's own rule, `check_body`), "Replying to …" while
//! answering, a typing signal at most every few seconds, an emoji picker, and `@` mentions of
//! the conversation's members; files attached with the paper clip, by pasting a picture or by
//! dropping them on the conversation go up at once and leave with the next Send, which may
//! then have no text; the user's location, shared as a message of its own; while there is
//! nothing to send, a microphone in Send's place that records a voice message; and the
//! conversation's slash commands: suggested while `/name` is typed, and `/name args` naming one
//! of them invokes it rather than being sent (any other `/word` is sent as a message, so no
//! text is ever lost). The text is kept as the conversation's draft until it is sent.
//! Keyboard: the composer takes the focus when the conversation opens (on wide screens: on a
//! phone that would pop the keyboard up unasked), ↑ in it while empty edits the last own message,
//! and Esc cancels the reply or the edit in progress.

use leptos::html::Textarea;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ConversationId;
use protocol::bots::{COMMAND_TEXT_MAX_CHARS, SlashCommand};
use protocol::conversations::{MAX_BODY_CHARS, Message, check_body};
use protocol::users::PublicUser;

use crate::api;
use crate::api::ws::Gateway;
use crate::components::attach_button::AttachButton;
use crate::components::attachment_tray::AttachmentTray;
use crate::components::command_picker::{CommandPicker, command_query, complete, matching, parse_invocation};
use crate::components::emoji_picker::EmojiPicker;
use crate::components::mention_picker::{MentionPicker, candidates, mention_query, mentioned};
use crate::components::message_editing::MessageEditing;
use crate::components::share_location::ShareLocation;
use crate::components::voice_recorder::VoiceRecorder;
use crate::locale::{Locale, error_text, t, t_string, td_string, use_i18n};
use crate::media::summary::preview;
use crate::state::chat::{Chat, now_ms};
use crate::state::session::Session;
use crate::state::uploads::{Uploads, files_of};

/// Least time between two typing frames, in milliseconds.
const TYPING_EVERY_MS: f64 = 3_000.0;
/// Screens where the composer takes the focus on opening: wide, with a mouse or touchpad (on a
/// touch screen the focus would pop the on-screen keyboard up). The phone layout (main.css)
/// ends at the same width.
const FOCUS_ON_OPEN: &str = "(min-width: 700px) and (pointer: fine)";
/// Frames waited at most for a new composer to be in the document before it takes the focus.
const ATTACH_FRAMES: u32 = 10;

/// The composer of conversation `id`; `stick` fires after a send so the history follows.
#[component]
pub fn Composer(
    id: ConversationId,
    reply: RwSignal<Option<Message>>,
    stick: Trigger,
    /// The conversation's members, to mention.
    #[prop(into)]
    members: Signal<Vec<PublicUser>>,
    /// The files going with the next message (also fed by drops on the conversation).
    uploads: Uploads,
) -> impl IntoView {
    let i18n = use_i18n();
    let gateway = expect_context::<Gateway>();
    let chat = expect_context::<Chat>();
    let session = expect_context::<Session>();
    let text = RwSignal::new(chat.draft(id));
    // Every change of the text (typing, a picked emoji, mention or command, a send) is saved.
    Effect::new(move |_| text.with(|t| chat.keep_draft(id, t)));
    let error = RwSignal::new(None::<&'static str>);
    // Why an invocation failed (the server's sentence, so not a `&'static str`).
    let command_error = RwSignal::new(None::<String>);
    let invoking = RwSignal::new(false);
    // Recording (or sending) a voice message: the row is the recorder's alone.
    let recording = RwSignal::new(false);
    let voice_error = RwSignal::new(None::<String>);
    // Nothing written and nothing attached: the microphone takes Send's place, as on phones.
    let empty = move || text.with(|t| t.trim().is_empty()) && uploads.is_empty();
    let last_typing = StoredValue::new(0.0);
    let input = NodeRef::<Textarea>::new();
    let editing = use_context::<MessageEditing>();
    // Also after a voice recording, when the text box comes back.
    Effect::new(move |_| {
        if let Some(el) = input.get()
            && window().match_media(FOCUS_ON_OPEN).ok().flatten().is_some_and(|query| query.matches())
        {
            focus_once_shown(el, ATTACH_FRAMES);
        }
    });
    // The newest own message still standing in this conversation, for ↑.
    let last_own = move || {
        let me = chat.me()?;
        chat.timelines.with_untracked(|t| {
            t.get(&id)?.messages.values().rev().find(|m| m.sender_id == me && m.deleted_at.is_none()).map(|m| m.id)
        })
    };
    // The mention being typed: where its `@` is and what follows it.
    let mention = RwSignal::new(None::<(usize, String)>);
    let selected = RwSignal::new(0usize);
    let offered = Memo::new(move |_| {
        let me = chat.me();
        mention.with(|m| {
            m.as_ref().map_or_else(Vec::new, |(_, query)| {
                members.with(|all| candidates(all, query, me).into_iter().cloned().collect::<Vec<_>>())
            })
        })
    });
    // The command name being typed after a leading `/`, and the conversation's commands it
    // matches. Known when the conversation opens, and fetched again when they are forgotten
    // (the members changed).
    let command = RwSignal::new(None::<String>);
    let command_selected = RwSignal::new(0usize);
    Effect::new(move |_| {
        if chat.commands.with(|c| !c.contains_key(&id)) {
            chat.load_commands(id);
        }
    });
    let offered_commands = Memo::new(move |_| {
        command.with(|typed| {
            typed.as_deref().map_or_else(Vec::new, |typed| {
                chat.commands.with(|all| {
                    all.get(&id).map_or_else(Vec::new, |list| matching(list, typed).into_iter().cloned().collect())
                })
            })
        })
    });
    let picking_command = move || !offered_commands.with(Vec::is_empty);
    let pick_command = Callback::new(move |picked: SlashCommand| {
        let (completed, caret) = text.with_untracked(|t| complete(t, &picked.name));
        let caret = utf16_len(&completed[..caret]);
        text.set(completed);
        command.set(None);
        if let Some(el) = input.get_untracked() {
            el.set_value(&text.get_untracked());
            let _ = el.set_selection_range(caret, caret);
            let _ = el.focus();
        }
    });
    let pick = Callback::new(move |user: PublicUser| {
        let Some((at, query)) = mention.get_untracked() else { return };
        let end = at + 1 + query.len();
        let completed = format!("@{} ", user.username);
        let caret = text.with_untracked(|t| utf16_len(&t[..at]) + utf16_len(&completed));
        text.update(|t| t.replace_range(at..end.min(t.len()), &completed));
        mention.set(None);
        if let Some(el) = input.get_untracked() {
            el.set_value(&text.get_untracked());
            let _ = el.set_selection_range(caret, caret);
            let _ = el.focus();
        }
    });

    // `/name args` naming one of the conversation's commands, with nothing attached: invoked
    // rather than sent. The text stays until the server took the invocation.
    let invoke = move |body: String| -> bool {
        if !untrack(|| uploads.is_empty()) {
            return false;
        }
        let Some((name, args)) = parse_invocation(&body) else { return false };
        if !chat.has_command(id, &name) {
            return false;
        }
        if invoking.get_untracked() {
            return true;
        }
        if args.chars().count() > COMMAND_TEXT_MAX_CHARS {
            let max = COMMAND_TEXT_MAX_CHARS;
            let language = i18n.get_locale_untracked();
            command_error.set(Some(td_string!(language, composer.command_args_too_long, name, max).to_string()));
            return true;
        }
        let args = args.to_owned();
        invoking.set(true);
        spawn_local(async move {
            match api::commands::invoke(session, id, &name, args).await {
                Ok(_) => {
                    // Anything typed while the invocation was on its way stays. The composer may
                    // be gone by now (another conversation opened): then there is nothing to clear.
                    if text.try_with_untracked(|t| *t == body).unwrap_or(false) {
                        text.set(String::new());
                    }
                    command.set(None);
                    error.set(None);
                    command_error.set(None);
                    let _ = last_typing.try_set_value(0.0);
                    stick.notify();
                }
                Err(e) => command_error.set(Some(error_text(&e, i18n.get_locale_untracked()))),
            }
            invoking.set(false);
        });
        true
    };
    let send = move || {
        if invoke(text.get_untracked()) {
            if let Some(el) = input.get_untracked() {
                let _ = el.focus();
            }
            return;
        }
        if untrack(|| uploads.busy()) {
            error.set(Some(td_string!(i18n.get_locale_untracked(), composer.wait_for_uploads)));
            return;
        }
        let attachments = uploads.ready();
        let mut body = text.get_untracked();
        // With attachments the text is optional (a caption); blank counts as none.
        if attachments.is_empty() || !body.trim().is_empty() {
            if let Some(e) = body_problem(&body, i18n.get_locale_untracked()) {
                error.set(Some(e));
                return;
            }
        } else {
            body.clear();
        }
        let reply_to = reply.get_untracked().map(|m| m.id);
        let mentions = members.with_untracked(|all| mentioned(&body, all));
        gateway.send_message(id, body, reply_to, mentions, attachments, None);
        uploads.clear();
        mention.set(None);
        command.set(None);
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
        command_error.set(None);
        let caret = input.get_untracked().and_then(|el| el.selection_start().ok().flatten());
        let (typed, typed_command) = text.with_untracked(|t| {
            let caret = byte_offset(t, caret.unwrap_or(u32::MAX));
            let mention = mention_query(t, caret).map(|(at, query)| (at, query.to_owned()));
            (mention, command_query(t, caret).map(str::to_owned))
        });
        mention.set(typed);
        selected.set(0);
        // A command just begun: the list on hand shows at once, and a fresh one replaces it
        // (a bot may have declared commands since it was fetched; no event says so).
        if typed_command.is_some() && command.with_untracked(Option::is_none) {
            chat.refresh_commands(id);
        }
        if command.with_untracked(|c| *c != typed_command) {
            command_selected.set(0);
        }
        command.set(typed_command);
        let now = now_ms();
        if now - last_typing.get_value() >= TYPING_EVERY_MS && !text.with_untracked(|t| t.trim().is_empty()) {
            last_typing.set_value(now);
            gateway.typing(id);
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let commands = offered_commands.with_untracked(Vec::len);
        if commands > 0 {
            match ev.key().as_str() {
                "ArrowDown" | "ArrowUp" => {
                    ev.prevent_default();
                    let step = if ev.key() == "ArrowDown" { 1 } else { commands - 1 };
                    command_selected.update(|s| *s = (*s + step) % commands);
                    return;
                }
                "Enter" | "Tab" if !ev.shift_key() && !ev.is_composing() => {
                    ev.prevent_default();
                    let picked = offered_commands.with_untracked(|o| o.get(command_selected.get_untracked()).cloned());
                    if let Some(picked) = picked {
                        pick_command.run(picked);
                    }
                    return;
                }
                "Escape" => {
                    command.set(None);
                    return;
                }
                _ => {}
            }
        }
        let choices = offered.with_untracked(Vec::len);
        if choices > 0 {
            match ev.key().as_str() {
                "ArrowDown" | "ArrowUp" => {
                    ev.prevent_default();
                    let step = if ev.key() == "ArrowDown" { 1 } else { choices - 1 };
                    selected.update(|s| *s = (*s + step) % choices);
                    return;
                }
                "Enter" | "Tab" if !ev.shift_key() && !ev.is_composing() => {
                    ev.prevent_default();
                    if let Some(user) = offered.with_untracked(|o| o.get(selected.get_untracked()).cloned()) {
                        pick.run(user);
                    }
                    return;
                }
                "Escape" => {
                    mention.set(None);
                    return;
                }
                _ => {}
            }
        }
        let plain = !(ev.shift_key() || ev.ctrl_key() || ev.alt_key() || ev.meta_key() || ev.is_composing());
        match ev.key().as_str() {
            "ArrowUp" if plain && text.with_untracked(String::is_empty) => {
                if let (Some(editing), Some(last)) = (editing, last_own()) {
                    ev.prevent_default();
                    editing.open(last);
                }
                return;
            }
            // With nothing to cancel, Esc does nothing (the text stays).
            "Escape" => {
                let edit_cancelled = editing.is_some_and(MessageEditing::cancel);
                let replying = reply.with_untracked(Option::is_some);
                if replying {
                    reply.set(None);
                }
                if edit_cancelled || replying {
                    ev.prevent_default();
                }
                return;
            }
            _ => {}
        }
        // Enter while composing with an input method confirms the composition, not the message.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let count = move || text.with(|t| t.chars().count());
    // A pasted picture (a screenshot) is attached; pasted text stays ordinary text.
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        let files = files_of(ev.clipboard_data().and_then(|data| data.files()));
        let pictures: Vec<_> = files.into_iter().filter(|f| f.type_().starts_with("image/")).collect();
        if !pictures.is_empty() {
            ev.prevent_default();
            uploads.add(pictures, i18n.get_locale_untracked());
        }
    };

    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
            {move || reply.get().map(|m| {
                let who = chat.name_of(m.sender_id);
                view! {
                    <div class="replying" data-testid="replying">
                        <span>{t!(i18n, composer.replying_to, <who> = <strong/>, name = move || who.clone(),
                            <quote> = <span class="reply-text"/>, text = move || preview(&m, i18n.get_locale()))}</span>
                        <button type="button" class="ghost small" aria-label=move || t_string!(i18n, composer.cancel_reply)
                            on:click=move |_| reply.set(None)>"✕"</button>
                    </div>
                }
            })}
            <MentionPicker offered=offered selected=selected pick/>
            <CommandPicker offered=offered_commands selected=command_selected pick=pick_command/>
            <AttachmentTray uploads/>
            <div class="composer-row">
                <Show when=move || !recording.get()>
                    <AttachButton uploads/>
                    <ShareLocation id reply error sent=Callback::new(move |()| stick.notify())/>
                    <EmojiPicker input text/>
                    <textarea
                        node_ref=input
                        rows="1"
                        placeholder=move || t_string!(i18n, composer.composer_placeholder)
                        aria-label=move || t_string!(i18n, composer.composer_label)
                        // A combobox: aria-expanded (the picker's state) is not allowed on a plain textbox.
                        role="combobox"
                        aria-autocomplete="list"
                        aria-controls=move || if picking_command() { "command-list" } else { "mention-list" }
                        aria-expanded=move || (picking_command() || !offered.with(Vec::is_empty)).to_string()
                        aria-activedescendant=move || {
                            if picking_command() {
                                Some(format!("command-{}", command_selected.get()))
                            } else {
                                (!offered.with(Vec::is_empty)).then(|| format!("mention-{}", selected.get()))
                            }
                        }
                        data-testid="composer"
                        prop:value=move || text.get()
                        on:input=on_input
                        on:keydown=on_keydown
                        on:paste=on_paste
                    ></textarea>
                </Show>
                <Show when=move || recording.get() || empty()
                    fallback=move || view! {
                        <button type="submit" aria-label=move || t_string!(i18n, composer.send)>{t!(i18n, composer.send)}</button>
                    }>
                    <VoiceRecorder id reply active=recording error=voice_error sent=Callback::new(move |()| stick.notify())/>
                </Show>
            </div>
            {move || voice_error.get().map(|e| view! {
                <p class="form-error small" role="alert" data-testid="voice-error">{e}</p>
            })}
            {move || uploads.error.get().map(|e| view! {
                <p class="form-error small" role="alert" data-testid="upload-error">{e}</p>
            })}
            {move || {
                let n = count();
                let over = n > MAX_BODY_CHARS;
                match error.get().map(str::to_owned).or_else(|| command_error.get()) {
                    Some(e) => Some(view! { <p class="form-error small" role="alert" data-testid="composer-error">{e}</p> }.into_any()),
                    None if n > MAX_BODY_CHARS - 200 => Some(view! {
                        <p class="composer-count" class:over=over>{format!("{n} / {MAX_BODY_CHARS}")}</p>
                    }.into_any()),
                    None => None,
                }
            }}
        </form>
    }
}

/// Why `body` cannot be sent, in `language`: the server's own rule (`check_body`), told in the
/// reader's words rather than the protocol's.
fn body_problem(body: &str, language: Locale) -> Option<&'static str> {
    check_body(body).err()?;
    Some(if body.trim().is_empty() {
        td_string!(language, composer.body_empty)
    } else if body.chars().count() > MAX_BODY_CHARS {
        td_string!(language, composer.body_too_long)
    } else {
        td_string!(language, composer.body_nul)
    })
}

/// Focuses `field` in the first frame where it is in the document, waiting at most `frames`:
/// a newly opened page's composer is built before the page it is on replaces the old one, and
/// focusing it then does nothing.
fn focus_once_shown(field: web_sys::HtmlTextAreaElement, frames: u32) {
    request_animation_frame(move || {
        if field.is_connected() {
            let _ = field.focus();
        } else if frames > 0 {
            focus_once_shown(field, frames - 1);
        }
    });
}

/// The length of `text` in UTF-16 code units, as the textarea counts its caret.
fn utf16_len(text: &str) -> u32 {
    text.chars().map(|c| c.len_utf16() as u32).sum()
}

/// The byte offset in `text` of the textarea caret `units` (UTF-16 code units) from its start.
fn byte_offset(text: &str, units: u32) -> usize {
    let mut counted = 0;
    for (at, c) in text.char_indices() {
        if counted >= units {
            return at;
        }
        counted += c.len_utf16() as u32;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_body_is_explained_in_the_readers_language() {
        let english = Locale::en;
        assert_eq!(body_problem("hello", english), None);
        assert_eq!(body_problem("  \n", english), Some("a message cannot be empty"));
        assert_eq!(
            body_problem(&"x".repeat(MAX_BODY_CHARS + 1), english),
            Some("a message can be at most 4,000 characters")
        );
        assert_eq!(body_problem("a\0b", english), Some("a message cannot contain NUL characters"));
        assert_eq!(body_problem("", Locale::de), Some("Eine Nachricht darf nicht leer sein"));
        // The protocol's limit is written into the sentence.
        assert_eq!(MAX_BODY_CHARS, 4_000);
    }
}
