//! One message: own on the right with delivery ticks, others' on the left (named in groups),
//! the quoted message it replies to, "Forwarded", its reactions, highlighted when it mentions
//! the reader, and its actions: react, reply, forward, pin (group admins; anyone in a DM), edit
//! own (inline), delete own (or any as a group owner or admin; a few seconds to undo first).
//! On phones the actions hide behind a "…" menu button (or a long press on the bubble).
//! The text is formatted (`crate::markdown`), never rendered as HTML; attachments and a shared
//! location are drawn above it, and a message without text has no text block at all.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::conversations::{Message, check_body};
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::action_menu::{self, LongPress};
use crate::components::attachments::MessageAttachments;
use crate::components::bot_badge::{bot_badge_if, is_known_bot};
use crate::components::forward_dialog::ForwardDialog;
use crate::components::location_card::LocationCard;
use crate::components::message_editing::EditSwitch;
use crate::components::reactions::{QuickReactions, ReactionChips};
use crate::components::read_by::ReadBy;
use crate::locale::{error_text, t, t_string, td_string, use_i18n};
use crate::markdown::Markdown;
use crate::media::summary::preview;
use crate::state::chat::Chat;
use crate::state::chat::outbox::OutboxEntry;
use crate::state::session::Session;
use crate::time;

/// How long a deleted message can still be brought back before the deletion is sent.
const UNDO_DELETE_MS: u32 = 5_000;

/// Delivery state of an own message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tick {
    /// In the outbox, not acknowledged yet.
    Pending,
    /// Stored by the server.
    Sent,
    /// Every other member has read it.
    Read,
    /// Refused by the server.
    Failed,
}

/// The tick mark of an own message.
#[component]
pub fn Ticks(#[prop(into)] tick: Signal<Tick>) -> impl IntoView {
    let i18n = use_i18n();
    // A drawn clock: emoji fonts are not everywhere, and a missing glyph shows as a box.
    let mark = move || match tick.get() {
        Tick::Pending => view! {
            <svg class="clock" viewBox="0 0 16 16" width="11" height="11" aria-hidden="true">
                <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.5"/>
                <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round"/>
            </svg>
        }
        .into_any(),
        Tick::Sent => "✓".into_any(),
        Tick::Read => "✓✓".into_any(),
        Tick::Failed => "!".into_any(),
    };
    let (label, state) = (
        move || match tick.get() {
            Tick::Pending => t_string!(i18n, chat.tick_sending),
            Tick::Sent => t_string!(i18n, chat.tick_sent),
            Tick::Read => t_string!(i18n, chat.tick_read),
            Tick::Failed => t_string!(i18n, chat.tick_failed),
        },
        move || match tick.get() {
            Tick::Pending => "pending",
            Tick::Sent => "sent",
            Tick::Read => "read",
            Tick::Failed => "failed",
        },
    );
    view! {
        <span class="ticks" data-testid="ticks" data-state=state aria-label=label title=label>{mark}</span>
    }
}

/// A quote of the message `reply_to` answers, from the loaded history.
fn quote(chat: Chat, message: &Message) -> Option<impl IntoView + use<>> {
    let target = message.reply_to?;
    let id = message.conversation_id;
    let quoted = chat
        .timelines
        .with_untracked(|t| t.get(&id).and_then(|tl| tl.messages.values().find(|m| m.id == target).cloned()));
    // A webhook's message is quoted under the name it was posted under, as it is shown.
    let name = |q: &Message| q.display_name.clone().unwrap_or_else(|| chat.name_of(q.sender_id));
    let language = use_i18n().get_locale_untracked();
    let (who, text) = match quoted {
        Some(q) if q.deleted_at.is_some() => (name(&q), td_string!(language, chat.message_deleted).to_owned()),
        Some(q) => (name(&q), preview(&q, language)),
        None => ("".to_owned(), td_string!(language, chat.earlier_message).to_owned()),
    };
    Some(view! {
        <blockquote class="reply-quote">
            <span class="reply-who">{who}</span>
            <span class="reply-text">{text}</span>
        </blockquote>
    })
}

/// A stored message.
#[component]
pub fn MessageBubble(
    /// The message.
    message: Message,
    /// Whether to name the sender (groups, first of a run).
    show_sender: bool,
    /// Where "Reply" puts the message for the composer.
    reply: RwSignal<Option<Message>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let session = expect_context::<Session>();
    let id = message.conversation_id;
    let mine = chat.me() == Some(message.sender_id);
    let deleted = message.deleted_at.is_some();
    let moderated = deleted && message.moderated;
    let seq = message.seq;
    let can_moderate = move || chat.summary(id).is_some_and(|s| s.peer.is_none() && s.my_role.can_manage());
    let tick = Signal::derive(move || {
        if chat.summary(id).is_some_and(|s| s.others_read_seq >= seq) { Tick::Read } else { Tick::Sent }
    });
    // Shared with the composer's ↑ and the history's E (message_editing.rs).
    let editing = EditSwitch::new(message.id);
    let draft = RwSignal::new(message.body.clone());
    let error = RwSignal::new(None::<String>);

    let message_id = message.id;
    let save = move || {
        let body = draft.get_untracked();
        if let Err(e) = check_body(&body) {
            error.set(Some(e.to_owned()));
            return;
        }
        spawn_local(async move {
            match api::conversations::edit(session, id, message_id, body).await {
                Ok(stored) => {
                    chat.on_changed(stored);
                    editing.set(false);
                    error.set(None);
                }
                Err(e) => error.set(Some(error_text(&e, i18n.get_locale_untracked()))),
            }
        });
    };
    // Delete waits a few seconds with an Undo, as mail apps do: a tap on the wrong message costs
    // nothing. Each Delete gets its own number; Undo (or a second Delete) moves it on, so the
    // waiting task that finds another number does nothing. Gone from the screen meanwhile (the
    // conversation left), the deletion still happens.
    let deleting = RwSignal::new(None::<u32>);
    let delete = move |_| {
        let ticket = deleting.get_untracked().map_or(1, |t| t.wrapping_add(1));
        deleting.set(Some(ticket));
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(UNDO_DELETE_MS).await;
            if deleting.try_get_untracked().is_some_and(|now| now != Some(ticket)) {
                return;
            }
            let _ = deleting.try_set(None);
            match api::conversations::delete(session, id, message_id).await {
                Ok(stored) => chat.on_changed(stored),
                Err(e) => {
                    let _ = error.try_set(Some(error_text(&e, i18n.get_locale_untracked())));
                }
            }
        });
    };
    let undo = move |_| deleting.set(None);
    let for_reply = message.clone();
    // A webhook's message may carry its own name for this one message.
    let sender = message.display_name.clone().unwrap_or_else(|| chat.name_of(message.sender_id));
    let sender_is_bot = is_known_bot(&chat, message.sender_id);
    let at = message.created_at.timestamp_millis() as f64;
    let edited = message.edited_at.is_some() && !deleted;
    let body = message.body.clone();
    let attachments = (!deleted && !message.attachments.is_empty()).then(|| message.attachments.clone());
    let location = message.location.filter(|_| !deleted);
    let has_text = !body.trim().is_empty();
    let with_media = attachments.is_some() || location.is_some();
    let mentions_me = !deleted && chat.me().is_some_and(|me| message.mentions.contains(&me));
    let pinned = message.pin.is_some();
    let can_pin = move || chat.summary(id).is_some_and(|s| s.peer.is_some() || s.my_role.can_manage());
    let reacting = RwSignal::new(false);
    let reading = RwSignal::new(false);
    let in_group = move || chat.summary(id).is_some_and(|s| s.peer.is_none());
    let forwarding = RwSignal::new(false);
    let toggle_pin = move |_| {
        spawn_local(async move {
            if let Err(e) = api::conversations::pin(session, id, message_id, !pinned).await {
                error.set(Some(error_text(&e, i18n.get_locale_untracked())));
            }
        });
    };
    let for_palette = message.clone();
    let for_forward = message.clone();
    // Phones: the actions are a menu behind "…" (or a long press on the bubble); it closes with
    // Esc, an action or a tap elsewhere, and Esc gives the focus back to "…".
    let menu_open = RwSignal::new(false);
    let menu_button = NodeRef::<leptos::html::Button>::new();
    let menu = NodeRef::<leptos::html::Div>::new();
    let close_menu = move |refocus: bool| {
        menu_open.set(false);
        if refocus && let Some(button) = menu_button.get_untracked() {
            let _ = button.focus();
        }
    };
    Effect::new(move |_| {
        if menu_open.get()
            && let Some(menu) = menu.get_untracked()
        {
            action_menu::focus_first(&menu);
        }
    });
    let long_press = LongPress::new();
    let item_role = move || menu_open.get().then_some("menuitem");
    let menu_id = format!("actions-{message_id}");
    let chips = (!deleted && !message.reactions.is_empty()).then(|| {
        let message = message.clone();
        view! { <ReactionChips message error/> }
    });

    view! {
        // Focusable, so a tap on a phone (or Tab) brings up its actions.
        <div class="message" class:mine=mine class:deleted=deleted class:mentions-me=mentions_me class:pinned=pinned
            tabindex="0" role="article" data-testid="message" data-seq=seq.to_string()>
            <div class="bubble-column">
            <div class="bubble" class:with-media=with_media
                on:pointerdown=move |ev| if !deleted { long_press.down(&ev, move || menu_open.set(true)) }
                on:pointermove=move |ev| long_press.moved(&ev)
                on:pointerup=move |_| long_press.ended()
                on:pointercancel=move |_| long_press.ended()
                on:pointerleave=move |_| long_press.ended()>
                {(show_sender && !mine).then(|| view! { <span class="sender">{sender}{bot_badge_if(sender_is_bot)}</span> })}
                {(message.forwarded && !deleted).then(|| view! { <span class="forwarded" data-testid="forwarded">{t!(i18n, chat.forwarded)}</span> })}
                {(!deleted).then(|| quote(chat, &message))}
                {attachments.map(|attachments| view! { <MessageAttachments attachments/> })}
                {location.map(|location| view! { <LocationCard location/> })}
                {move || if editing.get() {
                    view! {
                        <form class="edit-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
                            <textarea aria-label=move || t_string!(i18n, chat.edit_message) prop:value=move || draft.get()
                                on:input=move |ev| draft.set(event_target_value(&ev))
                                on:keydown=move |ev| {
                                    if ev.key() == "Enter" && !ev.shift_key() { ev.prevent_default(); save(); }
                                    if ev.key() == "Escape" { editing.set(false); }
                                }></textarea>
                            <div class="edit-actions">
                                <button type="button" class="ghost" on:click=move |_| editing.set(false)>{t!(i18n, chat.cancel)}</button>
                                <button type="submit">{t!(i18n, chat.save)}</button>
                            </div>
                        </form>
                    }.into_any()
                } else if moderated {
                    view! { <p class="body tombstone" data-testid="moderated">{t!(i18n, chat.message_removed_by_moderator)}</p> }.into_any()
                } else if deleted {
                    view! { <p class="body tombstone">{t!(i18n, chat.message_deleted)}</p> }.into_any()
                } else if has_text {
                    view! { <div class="body" data-testid="message-body"><Markdown source=body.clone()/></div> }.into_any()
                } else {
                    ().into_any()
                }}
                <span class="meta">
                    {pinned.then(|| view! { <span class="pinned-mark" title=move || t_string!(i18n, chat.pinned)
                        aria-label=move || t_string!(i18n, chat.pinned)>"📌"</span> })}
                    {edited.then(|| view! { <span class="edited">{t!(i18n, chat.edited)}</span> })}
                    <time>{time::clock(at)}</time>
                    {mine.then(|| view! { <Ticks tick/> })}
                </span>
                {move || error.get().map(|e| view! { <p class="form-error small" role="alert">{e}</p> })}
            </div>
            {chips}
            {move || reacting.get().then(|| view! { <QuickReactions message=for_palette.clone() open=reacting error/> })}
            {move || reading.get().then(|| view! { <ReadBy conversation=id message=message_id open=reading/> })}
            </div>
            {move || forwarding.get().then(|| view! { <ForwardDialog message=for_forward.clone() open=forwarding/> })}
            {(!deleted).then(|| view! {
                // Shown only in the phone layout (main.css).
                <button type="button" class="ghost small message-menu-toggle" node_ref=menu_button
                    aria-haspopup="menu" aria-expanded=move || menu_open.get().to_string()
                    aria-controls=menu_id.clone() aria-label=move || t_string!(i18n, chat.message_actions) data-testid="message-menu"
                    on:click=move |_| menu_open.update(|open| *open = !*open)>"…"</button>
                // A row shown on hover and focus on wider screens; the menu of "…" on phones.
                <div class="message-actions" id=menu_id.clone() node_ref=menu class:open=move || menu_open.get()
                    role=move || menu_open.get().then_some("menu")
                    aria-label=move || menu_open.get().then(|| t_string!(i18n, chat.message_actions))
                    on:keydown=move |ev| {
                        if !menu_open.get_untracked() {
                            return;
                        }
                        if ev.key() == "Escape" {
                            ev.prevent_default();
                            ev.stop_propagation();
                            close_menu(true);
                        } else if ev.key() == "Tab" {
                            close_menu(false);
                        } else if let Some(menu) = menu.get_untracked()
                            && action_menu::move_focus(&menu, &ev.key())
                        {
                            ev.prevent_default();
                        }
                    }
                    // A tap elsewhere closes it (not one on "…", which toggles it itself).
                    on:focusout=move |ev| {
                        let inside = |node: Option<&web_sys::Node>| {
                            node.is_some_and(|n| {
                                menu.get_untracked().is_some_and(|m| m.contains(Some(n)))
                                    || menu_button.get_untracked().is_some_and(|b| b.contains(Some(n)))
                            })
                        };
                        let to = ev.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
                        if menu_open.get_untracked() && !inside(to.as_ref()) {
                            menu_open.set(false);
                        }
                    }
                    // An action chosen from the menu closes it.
                    on:click=move |_| if menu_open.get_untracked() { close_menu(true) }>
                    <button type="button" class="ghost small" aria-expanded=move || reacting.get().to_string()
                        role=item_role data-testid="react" on:click=move |_| reacting.update(|r| *r = !*r)>{t!(i18n, chat.react)}</button>
                    <button type="button" class="ghost small" role=item_role
                        on:click=move |_| reply.set(Some(for_reply.clone()))>{t!(i18n, chat.reply)}</button>
                    <button type="button" class="ghost small" role=item_role data-testid="forward"
                        on:click=move |_| forwarding.set(true)>{t!(i18n, chat.forward)}</button>
                    <Show when=can_pin>
                        <button type="button" class="ghost small" role=item_role data-testid="pin" on:click=toggle_pin>
                            {move || if pinned { t_string!(i18n, chat.unpin) } else { t_string!(i18n, chat.pin) }}
                        </button>
                    </Show>
                    {mine.then(|| view! {
                        <button type="button" class="ghost small" role=item_role on:click=move |_| editing.set(true)>{t!(i18n, chat.edit)}</button>
                        <Show when=in_group>
                            <button type="button" class="ghost small" role=item_role data-testid="read-by-toggle"
                                aria-expanded=move || reading.get().to_string()
                                on:click=move |_| reading.update(|r| *r = !*r)>{t!(i18n, chat.read_by)}</button>
                        </Show>
                    })}
                    <Show when=move || (mine || can_moderate()) && deleting.get().is_none()>
                        <button type="button" class="ghost small danger-text" role=item_role on:click=delete>{t!(i18n, chat.delete)}</button>
                    </Show>
                </div>
            })}
            {move || deleting.get().map(|_| view! {
                <p class="undo-delete" role="status" data-testid="undo-delete">
                    {t!(i18n, chat.deleting)}" "
                    <button type="button" class="ghost small" on:click=undo>{t!(i18n, chat.undo)}</button>
                </p>
            })}
        </div>
    }
}

/// An own message still in the outbox: shown at once, marked pending (or refused, with the
/// server's reason and a way to retry or discard).
#[component]
pub fn PendingBubble(entry: OutboxEntry) -> impl IntoView {
    let i18n = use_i18n();
    let gateway = expect_context::<crate::api::ws::Gateway>();
    let chat = expect_context::<Chat>();
    let failed = entry.failed.clone();
    let tick = if failed.is_some() { Tick::Failed } else { Tick::Pending };
    let key = entry.client_msg_id;
    view! {
        <div class="message mine pending" data-testid="message" data-pending="true">
            <div class="bubble" class:with-media=!entry.attachments.is_empty() || entry.location.is_some()>
                {(!entry.attachments.is_empty()).then(|| view! { <MessageAttachments attachments=entry.attachments.clone()/> })}
                {entry.location.map(|location| view! { <LocationCard location/> })}
                {(!entry.body.trim().is_empty()).then(|| view! {
                    <div class="body" data-testid="message-body"><Markdown source=entry.body.clone()/></div>
                })}
                <span class="meta">
                    <time>{time::clock(entry.written_at)}</time>
                    <Ticks tick=Signal::stored(tick)/>
                </span>
                {failed.map(|reason| view! {
                    <p class="form-error small" role="alert">{t!(i18n, chat.not_sent_reason, reason = move || reason.clone())}</p>
                    <div class="edit-actions">
                        <button type="button" class="ghost small" on:click=move |_| chat.drop_from_outbox(key)>{t!(i18n, chat.discard)}</button>
                        <button type="button" class="small" on:click=move |_| gateway.retry(key)>{t!(i18n, chat.retry)}</button>
                    </div>
                })}
            </div>
        </div>
    }
}
