//! The scrolling history of one conversation: day separators, stored messages with the
//! conversation's own changes as lines between them (a bot's ephemeral answer below the
//! command it answers, or at the end while that line is not loaded), then pending ones, older
//! pages loaded when scrolled to the top (keeping the view still), follows new messages while
//! at the bottom, and offers "Jump to latest" otherwise. Opened with unread messages, it shows
//! them from the first one, under a "N new messages" divider that stays put while the
//! conversation is open (with "Jump to first unread" while it is off screen). A search hit's
//! message (`?seq=` in the URL) is scrolled to and briefly highlighted. For the keyboard it is
//! one Tab stop with the arrow keys inside (message_list_keys.rs).

use leptos::html::Div;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use protocol::ConversationId;
use protocol::conversations::{Event, Message};
use wasm_bindgen::JsCast;

use crate::components::conversation_line::ConversationLine;
use crate::components::ephemeral_bubble::EphemeralBubble;
use crate::components::message_bubble::{MessageBubble, PendingBubble};
use crate::components::message_list_keys::ListKeys;
use crate::locale::{t, t_string, use_i18n};
use crate::state::chat::ephemeral::{EphemeralAnswer, take_answers_to};
use crate::state::chat::outbox::OutboxEntry;
use crate::state::chat::unread_mark::{DividerAt, UnreadMark, divider_at};
use crate::state::chat::{Chat, History};
use crate::time;

/// Distance from the bottom (px) that still counts as "at the bottom".
const BOTTOM_SLACK: i32 = 48;
/// Distance from the top (px) at which the older page is fetched.
const TOP_SLACK: i32 = 150;
/// Older pages fetched at most to reach a search hit (100 messages each): a hit deeper in a
/// long history is not chased further, and the view stays where it is.
const MAX_PAGES_TO_HIT: u32 = 10;
/// How long a search hit stays highlighted, in milliseconds (the CSS animation's length).
const HIGHLIGHT_MS: u64 = 2_400;
/// Older pages fetched at most to reach the first unread message (100 messages each); past
/// that, the view opens at the bottom as it would without a divider.
const MAX_PAGES_TO_UNREAD: u32 = 10;
/// Room left above the unread divider when the view opens at it (px), so the message before
/// it shows that the divider is not the beginning.
const DIVIDER_MARGIN: i32 = 40;
/// Frames waited at most for a just-opened history to be laid out before placing the view at
/// its divider (a history drawn at once from memory is not laid out on the first frame).
const LAYOUT_FRAMES: u32 = 30;

/// One row of the history.
#[derive(Clone, Debug, PartialEq)]
enum Row {
    Day(String),
    Stored(Message, bool),
    Line(Event),
    Answer(EphemeralAnswer),
    Pending(OutboxEntry),
    /// The "N new messages" divider.
    Unread(String),
}

impl Row {
    /// A key that changes whenever the row must be redrawn (an edit, a deletion).
    fn key(&self) -> String {
        match self {
            Row::Day(label) => format!("d{label}"),
            Row::Stored(m, named) => format!(
                "m{}:{}:{}:{named}:{}:{}",
                m.id,
                m.edited_at.map(|t| t.timestamp_millis()).unwrap_or(0),
                m.deleted_at.is_some(),
                m.pin.is_some(),
                m.reactions.iter().map(|r| format!("{}{:?}", r.emoji, r.user_ids)).collect::<String>(),
            ),
            Row::Line(e) => format!("l{}", e.seq),
            Row::Answer(a) => format!("e{}", a.key),
            Row::Pending(e) => format!("p{}:{}", e.client_msg_id, e.failed.is_some()),
            Row::Unread(label) => format!("u{label}"),
        }
    }
}

/// The history of conversation `id`; "Reply" fills `reply`, and `stick` asks it to scroll
/// to the bottom (after the user sends).
#[component]
pub fn MessageList(id: ConversationId, reply: RwSignal<Option<Message>>, stick: Trigger) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let group = Memo::new(move |_| chat.summary(id).is_some_and(|s| s.peer.is_none()));
    // Taken before the view marks the conversation read (its effects run after this body).
    let mark = untrack(|| chat.summary(id)).as_ref().and_then(UnreadMark::of);
    let me = chat.me();
    let divider = Memo::new(move |_| {
        let mark = mark?;
        let at = chat.timelines.with(|t| {
            let tl = t.get(&id)?;
            let loaded = tl.messages.values().map(|m| (m.seq, Some(m.sender_id) != me && m.deleted_at.is_none()));
            Some(divider_at(mark, loaded, tl.history))
        })?;
        Some(at)
    });
    let rows = Memo::new(move |_| {
        let group = group.get();
        let mut rows = Vec::new();
        let mut last_day = None;
        let mut last_sender = None;
        // Answers not placed below their invocation's line go at the end.
        let mut answers = chat.ephemeral.with(|e| e.get(&id).cloned().unwrap_or_default());
        chat.timelines.with(|t| {
            let Some(tl) = t.get(&id) else { return };
            // Lines older than the loaded history wait until their page is loaded.
            let from = match tl.history {
                History::Complete => 0,
                _ => tl.messages.keys().next().copied().unwrap_or(i64::MAX),
            };
            let lines = tl.lines.range(from..).map(|(seq, e)| (*seq, Err(e)));
            let messages = tl.messages.iter().map(|(seq, m)| (*seq, Ok(m)));
            let mut merged: Vec<(i64, Result<&Message, &Event>)> = messages.chain(lines).collect();
            merged.sort_by_key(|(seq, _)| *seq);
            for (_, row) in merged {
                let at = match row {
                    Ok(m) => m.created_at,
                    Err(e) => e.at,
                }
                .timestamp_millis() as f64;
                let day = time::day(at);
                if last_day != Some(day) {
                    rows.push(Row::Day(time::day_label(at)));
                    last_day = Some(day);
                    last_sender = None;
                }
                match row {
                    Ok(message) => {
                        if divider.get() == Some(DividerAt::Above(message.seq))
                            && let Some(mark) = mark
                        {
                            rows.push(Row::Unread(mark.label(i18n.get_locale())));
                            last_sender = None;
                        }
                        let named = group && last_sender != Some(message.sender_id);
                        last_sender = Some(message.sender_id);
                        rows.push(Row::Stored(message.clone(), named));
                    }
                    Err(line) => {
                        last_sender = None;
                        rows.push(Row::Line(line.clone()));
                        rows.extend(take_answers_to(&mut answers, line.seq).into_iter().map(Row::Answer));
                    }
                }
            }
        });
        rows.extend(answers.into_iter().map(Row::Answer));
        chat.outbox.with(|o| {
            let stored = |e: &OutboxEntry| {
                chat.timelines.with(|t| {
                    t.get(&id).is_some_and(|tl| tl.messages.values().rev().any(|m| m.client_msg_id == e.client_msg_id))
                })
            };
            for entry in o.iter().filter(|e| e.conversation_id == id && !stored(e)) {
                let day = time::day(entry.written_at);
                if last_day != Some(day) {
                    rows.push(Row::Day(time::day_label(entry.written_at)));
                    last_day = Some(day);
                }
                rows.push(Row::Pending(entry.clone()));
            }
        });
        rows
    });
    let history = Memo::new(move |_| chat.timelines.with(|t| t.get(&id).map(|tl| (tl.history, tl.loading_older))));

    let scroller = NodeRef::<Div>::new();
    let keys = ListKeys::new(scroller, id, reply);
    let at_bottom = RwSignal::new(true);
    // (scroll height, scroll top) at the last scroll event: what the view was before a change.
    let metrics = StoredValue::new((0, 0));
    let first_seq = StoredValue::new(None::<i64>);
    // Whether the view has been opened at the unread divider (once per opening).
    let placed = StoredValue::new(false);
    // Whether any message has been drawn yet.
    let drawn = StoredValue::new(false);
    let query = use_query_map();
    let divider_off_screen = RwSignal::new(false);
    let note_divider = move |el: &web_sys::HtmlElement| {
        divider_off_screen.set(divider_of(el).is_some_and(|d| {
            let (top, bottom) = (d.offset_top(), d.offset_top() + d.offset_height());
            bottom <= el.scroll_top() || top >= el.scroll_top() + el.client_height()
        }));
    };

    let on_scroll = move |_| {
        let Some(el) = scroller.get_untracked() else { return };
        let (height, top, client) = (el.scroll_height(), el.scroll_top(), el.client_height());
        metrics.set_value((height, top));
        at_bottom.set(height - top - client <= BOTTOM_SLACK);
        note_divider(&el);
        if top < TOP_SLACK {
            chat.load_older(id);
        }
    };

    // After the rows change: keep the view still when older messages were prepended, follow
    // the newest while at the bottom.
    Effect::new(move |_| {
        let seq = rows.with(|r| {
            r.iter().find_map(|row| match row {
                Row::Stored(m, _) => Some(m.seq),
                _ => None,
            })
        });
        stick.track();
        let prepended = matches!((first_seq.get_value(), seq), (Some(old), Some(new)) if new < old);
        first_seq.set_value(seq);
        let follow = at_bottom.get_untracked();
        let open_at_divider = !placed.get_value() && rows.with(|r| r.iter().any(|row| matches!(row, Row::Unread(_))));
        // The first messages drawn (at once, when the history is in memory from an earlier
        // visit) are not laid out on the next frame yet: the view waits for them.
        let first_drawn = !drawn.get_value() && rows.with(|r| r.iter().any(|row| matches!(row, Row::Stored(..))));
        // A search hit's message is scrolled to instead (below).
        let hit = query.with_untracked(|q| q.get("seq")).is_some();
        if (open_at_divider || first_drawn) && !hit {
            placed.set_value(placed.get_value() || open_at_divider);
            drawn.set_value(true);
            when_laid_out(scroller, LAYOUT_FRAMES, move |el| {
                if open_at_divider {
                    show_divider(el);
                } else if follow {
                    el.set_scroll_top(el.scroll_height());
                }
                at_bottom.set(el.scroll_height() - el.scroll_top() - el.client_height() <= BOTTOM_SLACK);
                metrics.set_value((el.scroll_height(), el.scroll_top()));
                note_divider(el);
            });
            return;
        }
        request_animation_frame(move || {
            let Some(el) = scroller.get_untracked() else { return };
            let (old_height, old_top) = metrics.get_value();
            if prepended && !follow {
                el.set_scroll_top(el.scroll_height() - old_height + old_top);
            } else if follow {
                el.set_scroll_top(el.scroll_height());
            }
            metrics.set_value((el.scroll_height(), el.scroll_top()));
            note_divider(&el);
        });
    });
    // The first unread message is older than the loaded page: fetch pages until it is loaded
    // (a bounded number).
    let pages_to_unread = StoredValue::new(0u32);
    Effect::new(move |_| {
        if divider.get() == Some(DividerAt::LoadOlder)
            && history.get().is_some_and(|(_, loading)| !loading)
            && pages_to_unread.get_value() < MAX_PAGES_TO_UNREAD
        {
            pages_to_unread.update_value(|n| *n += 1);
            chat.load_older(id);
        }
    });
    Effect::new(move |_| {
        stick.track();
        at_bottom.set(true);
    });

    // The message a search hit points at: fetch older pages until it is loaded (a bounded
    // number), then, once drawn, centre it and highlight it. Each hit is shown once, so new
    // messages arriving later do not pull the view back to it.
    let target = Memo::new(move |_| query.with(|q| q.get("seq")).and_then(|s| s.parse::<i64>().ok()));
    let shown_target = StoredValue::new(None::<i64>);
    let pages_fetched = StoredValue::new(0u32);
    Effect::new(move |_| {
        let Some(seq) = target.get() else { return };
        if shown_target.get_value() == Some(seq) {
            return;
        }
        let loaded = rows.with(|r| r.iter().any(|row| matches!(row, Row::Stored(m, _) if m.seq == seq)));
        if !loaded {
            if let Some((History::Partial(before), false)) = history.get()
                && seq < before
                && pages_fetched.get_value() < MAX_PAGES_TO_HIT
            {
                pages_fetched.update_value(|n| *n += 1);
                chat.load_older(id);
            }
            return;
        }
        shown_target.set_value(Some(seq));
        // Two frames: the first is when the rows effect above scrolls to the bottom.
        request_animation_frame(move || request_animation_frame(move || reveal(scroller, seq)));
    });

    let jump_to_unread = move |_| {
        if let Some(el) = scroller.get_untracked() {
            show_divider(&el);
            note_divider(&el);
        }
    };
    let jump = move |_| {
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
        at_bottom.set(true);
    };

    view! {
        <div class="messages-wrap">
            <div class="messages" node_ref=scroller on:scroll=on_scroll data-testid="messages" aria-live="polite"
                role="log" aria-label=move || t_string!(i18n, chat.messages) tabindex="0" on:focusin=move |ev| keys.on_focus_in(&ev)
                on:keydown=move |ev| keys.on_key_down(&ev) on:pointerdown=move |_| keys.on_pointer_down()>
                {move || match history.get() {
                    Some((_, true)) => view! { <p class="history-note">{t!(i18n, common.loading)}</p> }.into_any(),
                    Some((History::Complete, _)) => {
                        view! { <p class="history-note">{t!(i18n, chat.history_start)}</p> }.into_any()
                    }
                    Some((History::Partial(_), _)) => view! {
                        <p class="history-note"><button type="button" class="ghost small" on:click=move |_| chat.load_older(id)>
                            {t!(i18n, chat.load_older)}
                        </button></p>
                    }.into_any(),
                    _ => ().into_any(),
                }}
                <For each=move || rows.get() key=Row::key let(row)>
                    {match row {
                        Row::Day(label) => view! { <div class="day-separator" role="separator"><span>{label}</span></div> }.into_any(),
                        Row::Stored(message, named) => view! { <MessageBubble message show_sender=named reply/> }.into_any(),
                        Row::Line(event) => view! { <ConversationLine event/> }.into_any(),
                        Row::Answer(answer) => view! { <EphemeralBubble id answer/> }.into_any(),
                        Row::Pending(entry) => view! { <PendingBubble entry/> }.into_any(),
                        Row::Unread(label) => view! {
                            <div class="unread-divider" role="separator" data-testid="unread-divider"><span>{label}</span></div>
                        }.into_any(),
                    }}
                </For>
            </div>
            <Show when=move || divider_off_screen.get()>
                <button type="button" class="jump-unread" data-testid="jump-unread" on:click=jump_to_unread>
                    {t!(i18n, chat.jump_unread)}
                </button>
            </Show>
            <Show when=move || !at_bottom.get()>
                <button type="button" class="jump-latest" data-testid="jump-latest" on:click=jump>{t!(i18n, chat.jump_latest)}</button>
            </Show>
        </div>
    }
}

/// The unread divider drawn in `list`, if any.
fn divider_of(list: &web_sys::HtmlElement) -> Option<web_sys::HtmlElement> {
    list.query_selector("[data-testid=\"unread-divider\"]").ok().flatten()?.dyn_into().ok()
}

/// Runs `then` on the list in the first frame where it, its messages and its unread divider
/// (if any) have a size, or after `frames` frames: measured before that, every offset reads 0.
fn when_laid_out(scroller: NodeRef<Div>, frames: u32, then: impl FnOnce(&web_sys::HtmlElement) + 'static) {
    request_animation_frame(move || {
        let Some(el) = scroller.get_untracked() else { return };
        let has_size = |selector: &str| {
            el.query_selector(selector)
                .ok()
                .flatten()
                .and_then(|found| found.dyn_into::<web_sys::HtmlElement>().ok())
                .map(|found| found.offset_height() > 0)
        };
        let laid_out = el.client_height() > 0
            && has_size("[data-testid=\"message\"]") == Some(true)
            && has_size("[data-testid=\"unread-divider\"]") != Some(false);
        if laid_out || frames == 0 {
            then(&el);
        } else {
            when_laid_out(scroller, frames - 1, then);
        }
    });
}

/// Scrolls `list` so the unread divider is near its top, with the first unread message below.
fn show_divider(list: &web_sys::HtmlElement) {
    if let Some(divider) = divider_of(list) {
        // `.messages` is positioned, so offsets are measured from its top.
        list.set_scroll_top((divider.offset_top() - DIVIDER_MARGIN).max(0));
    }
}

/// Centres message `seq` in `scroller` and flashes it.
fn reveal(scroller: NodeRef<Div>, seq: i64) {
    let Some(list) = scroller.get_untracked() else { return };
    let selector = format!("[data-testid=\"message\"][data-seq=\"{seq}\"]");
    let Some(message) = list.query_selector(&selector).ok().flatten() else { return };
    let Ok(message) = message.dyn_into::<web_sys::HtmlElement>() else { return };
    // `.messages` is positioned, so offsets are measured from its top.
    let top = message.offset_top() - (list.client_height() - message.offset_height()).max(0) / 2;
    list.set_scroll_top(top.max(0));
    let _ = message.set_attribute("data-highlight", "true");
    set_timeout(
        move || {
            let _ = message.remove_attribute("data-highlight");
        },
        std::time::Duration::from_millis(HIGHLIGHT_MS),
    );
}
