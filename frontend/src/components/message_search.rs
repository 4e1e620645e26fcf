//! Message search in the chat sidebar: a search box whose submitted words live in the URL
//! (`?q=`), and while they do, the hits (sender, conversation, snippet, time) in place of the list.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use protocol::conversations::SearchHit;
use wasm_bindgen::JsCast;

use crate::api;
use crate::api::http::encode;
use crate::locale::{error_text, t, t_string, use_i18n};
use crate::state::chat::Chat;
use crate::state::session::Session;
use crate::time;

/// Characters of a long message shown before the first matching word, for context.
const LEAD_CHARS: usize = 30;
/// Messages shorter than this are shown whole; longer ones start near the first match.
const WINDOW_CHARS: usize = 140;
/// The search box's id, so Escape in the results can hand focus back to it.
const INPUT_ID: &str = "message-search-input";

/// The search box, then either the hits for the URL's `?q=` or `children` (the conversation
/// list) when there is no search.
#[component]
pub fn MessageSearch(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    // `None`: no search; `Some("")`: the box was submitted empty, so say how to use it.
    let searched = Memo::new(move |_| query.with(|q| q.get("q")).map(|q| q.trim().to_owned()));
    let text = RwSignal::new(searched.get_untracked().unwrap_or_default());
    // Back and forward through searches keep the box in step with the URL.
    Effect::new(move |_| {
        if let Some(q) = searched.get() {
            text.set(q);
        }
    });
    let results = LocalResource::new(move || {
        let q = searched.get().filter(|q| !q.is_empty());
        async move {
            match q {
                Some(q) => api::conversations::search(session, &q).await.map(|r| Some((q, r.items))),
                None => Ok(None),
            }
        }
    });

    let go = {
        let navigate = navigate.clone();
        // The open conversation stays open; a `seq` from an earlier hit is dropped with the rest.
        move |q: Option<String>| {
            let path = location.pathname.get_untracked();
            match q {
                Some(q) => navigate(&format!("{path}?q={}", encode(&q)), Default::default()),
                None => navigate(&path, Default::default()),
            }
        }
    };
    let submit = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            go(Some(text.get_untracked().trim().to_owned()));
        }
    };
    let close = {
        let go = go.clone();
        move || {
            text.set(String::new());
            if searched.get_untracked().is_some() {
                go(None);
            }
            focus_input();
        }
    };
    let on_keydown = {
        let close = close.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Escape" {
                ev.prevent_default();
                close();
            }
        }
    };
    // Emptying the box by hand ends the search too, so the list comes back without an extra step.
    let on_input = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            if value.is_empty() && searched.get_untracked().is_some() {
                go(None);
            }
            text.set(value);
        }
    };

    view! {
        <div class="message-search" on:keydown=on_keydown>
            <form class="message-search-form" role="search" on:submit=submit>
                <input id=INPUT_ID type="search" placeholder=move || t_string!(i18n, chat.search_messages)
                    aria-label=move || t_string!(i18n, chat.search_messages)
                    autocomplete="off" enterkeyhint="search" prop:value=move || text.get() on:input=on_input/>
                <Show when=move || searched.with(Option::is_some)>
                    <button type="button" class="ghost small" aria-label=move || t_string!(i18n, chat.close_search)
                        title=move || t_string!(i18n, chat.close_search_title)
                        on:click={
                            let close = close.clone();
                            move |_| close()
                        }>
                        "✕"
                    </button>
                </Show>
            </form>
            <Show when=move || searched.with(Option::is_some) fallback=move || children()>
                <div class="search-results" role="region" aria-label=move || t_string!(i18n, chat.search_results) data-testid="search-results">
                    <Transition fallback=move || view! { <p class="empty search-note" role="status">{t!(i18n, chat.searching)}</p> }>
                        {move || results.get().map(|result| match result {
                            Err(e) => view! { <p class="form-error search-note" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                            Ok(None) => view! {
                                <p class="empty search-note" role="status">{t!(i18n, chat.search_how)}</p>
                            }.into_any(),
                            Ok(Some((q, hits))) if hits.is_empty() => view! {
                                <p class="empty search-note" role="status">{t!(i18n, chat.search_no_match, query = move || q.clone())}</p>
                            }.into_any(),
                            Ok(Some((q, hits))) => view! { <HitList query=q hits/> }.into_any(),
                        })}
                    </Transition>
                </div>
            </Show>
        </div>
    }
}

/// Puts the keyboard back in the search box.
fn focus_input() {
    let input = document().get_element_by_id(INPUT_ID).and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(input) = input {
        let _ = input.focus();
    }
}

/// The hits for `query`, best first.
#[component]
fn HitList(query: String, hits: Vec<SearchHit>) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let terms = terms_of(&query);
    let count = match hits.len() {
        1 => t!(i18n, chat.search_count_one).into_any(),
        n => t!(i18n, chat.search_count, count = n).into_any(),
    };
    let encoded = encode(&query);
    let params = use_query_map();
    let open_seq = Memo::new(move |_| params.with(|p| p.get("seq")).and_then(|s| s.parse::<i64>().ok()));
    view! {
        <p class="search-note" role="status">{count}</p>
        <ul class="search-hits">
            {hits.into_iter().map(|hit| {
                let message = hit.message;
                let (conversation, seq) = (message.conversation_id, message.seq);
                let title = chat
                    .summary(conversation)
                    .map_or_else(|| t_string!(i18n, chat.conversation_fallback).to_owned(), |s| Chat::title_of(&s));
                let sender = if chat.me() == Some(hit.sender.id) {
                    t_string!(i18n, chat.you_subject).to_owned()
                } else {
                    hit.sender.display_name
                };
                let at = message.created_at.timestamp_millis() as f64;
                let active = move || chat.open.get() == Some(conversation) && open_seq.get() == Some(seq);
                // Marked in the text the reader sees, without Markdown's markers.
                let parts = snippet(&crate::markdown::plain::plain(&message.body), &terms);
                let data_title = title.clone();
                view! {
                    <li class="search-hit" class:active=active data-testid="search-hit" data-title=data_title>
                        <A href=format!("/chat/{conversation}?q={encoded}&seq={seq}") attr:class="search-hit-link">
                            <span class="conversation-top">
                                <span class="conversation-title">{title}</span>
                                <span class="conversation-time"><time>{time::short(at)}</time></span>
                            </span>
                            <span class="search-sender">{sender}</span>
                            <span class="search-snippet" data-testid="search-snippet">
                                {parts.into_iter().map(|(part, matched)| if matched {
                                    view! { <mark>{part}</mark> }.into_any()
                                } else {
                                    part.into_any()
                                }).collect_view()}
                            </span>
                        </A>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The words of a query worth marking in snippets: quotes dropped, excluded (`-word`) and `or`
/// left out, lowercased. The server stems words, so a hit may match none of them exactly; the
/// marks are only a reading aid.
fn terms_of(query: &str) -> Vec<Vec<char>> {
    let mut terms: Vec<Vec<char>> = query
        .split_whitespace()
        .filter(|word| !word.starts_with('-') && !word.eq_ignore_ascii_case("or"))
        .map(|word| word.trim_matches('"').chars().map(fold).collect::<Vec<_>>())
        .filter(|term| !term.is_empty())
        .collect();
    // Longest first, so "rainbow" wins over "rain" where both match.
    terms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    terms.dedup();
    terms
}

/// One character, case-folded one to one (so positions in the text and its folded form agree).
fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// The byte length of `term` at the start of `text`, ignoring case, if it is there.
fn match_len(text: &str, term: &[char]) -> Option<usize> {
    let mut chars = text.char_indices();
    for want in term {
        let (_, c) = chars.next()?;
        if fold(c) != *want {
            return None;
        }
    }
    Some(chars.next().map_or(text.len(), |(i, _)| i))
}

/// `body` as runs of text, each marked when it matches one of `terms`; a long body starts a
/// little before its first match (with an ellipsis) so the match is on screen.
fn snippet(body: &str, terms: &[Vec<char>]) -> Vec<(String, bool)> {
    let mut ranges = Vec::new();
    let mut from = 0;
    for (start, _) in body.char_indices() {
        if start < from {
            continue;
        }
        if let Some(len) = terms.iter().find_map(|term| match_len(&body[start..], term)) {
            ranges.push((start, start + len));
            from = start + len;
        }
    }
    let mut begin = 0;
    if body.chars().count() > WINDOW_CHARS
        && let Some(&(first, _)) = ranges.first()
    {
        let before = body[..first].chars().count();
        if before > LEAD_CHARS {
            begin = body.char_indices().nth(before - LEAD_CHARS).map_or(0, |(i, _)| i);
        }
    }
    let mut parts = Vec::new();
    if begin > 0 {
        parts.push(("…".to_owned(), false));
    }
    let mut at = begin;
    for (start, end) in ranges.into_iter().filter(|(start, _)| *start >= begin) {
        if start > at {
            parts.push((body[at..start].to_owned(), false));
        }
        parts.push((body[start..end].to_owned(), true));
        at = end;
    }
    if at < body.len() {
        parts.push((body[at..].to_owned(), false));
    }
    parts
}
