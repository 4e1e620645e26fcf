//! The composer's emoji picker: a button opening a popover of every emoji by category, with a
//! search by name or shortcode; the chosen one goes in at the caret and the focus goes back to
//! the text. Keyboard: the search box takes the focus, Enter there picks the first match, ↓
//! enters the grid, the arrows move in it, Enter picks, Esc closes. The data is fetched when a
//! picker first opens (`api/emoji_data.rs`), saying so meanwhile and offering to try again if it
//! cannot; the grid handles clicks and keys once for all its buttons.

use leptos::ev::{FocusEvent, KeyboardEvent, MouseEvent};
use leptos::html::{Div, Input, Textarea};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, Node};

use crate::api::emoji_data::{self, Entry, Group};
use crate::locale::{Locale, t, t_string, td_string, use_i18n};

/// A category's label in `language`: the data names each category by its key in the
/// `composer` translations (`frontend/build.rs`).
fn group_label(key: &'static str, language: Locale) -> &'static str {
    match key {
        "emoji_group_smileys_emotion" => td_string!(language, composer.emoji_group_smileys_emotion),
        "emoji_group_people_body" => td_string!(language, composer.emoji_group_people_body),
        "emoji_group_animals_nature" => td_string!(language, composer.emoji_group_animals_nature),
        "emoji_group_food_drink" => td_string!(language, composer.emoji_group_food_drink),
        "emoji_group_travel_places" => td_string!(language, composer.emoji_group_travel_places),
        "emoji_group_activities" => td_string!(language, composer.emoji_group_activities),
        "emoji_group_objects" => td_string!(language, composer.emoji_group_objects),
        "emoji_group_symbols" => td_string!(language, composer.emoji_group_symbols),
        "emoji_group_flags" => td_string!(language, composer.emoji_group_flags),
        // A category the data gained without a translation: better its key than nothing.
        _ => key,
    }
}

/// Columns of the grid (`.emoji-grid` in main.css has as many): ↑ and ↓ move by a row.
const COLUMNS: usize = 8;

/// The picker's data, as far as this picker knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Data {
    /// Not asked for yet: the picker has not been opened.
    Unasked,
    Loading,
    /// The fetch failed (offline, a server error, a damaged file): the picker offers to retry.
    Failed,
    Ready(&'static [Group]),
}

/// Whether every word of `words` (lower case) is in the entry's name or shortcodes.
fn matches(entry: &Entry, words: &[&str]) -> bool {
    words.is_empty() || {
        let name = entry.name.to_lowercase();
        words.iter().all(|w| name.contains(w) || entry.shortcodes.contains(w))
    }
}

/// The categories of `groups`, each with the entries matching `query`, leaving out those with
/// none.
fn search(groups: &'static [Group], query: &str) -> Vec<(usize, &'static str, Vec<Entry>)> {
    let query = query.to_lowercase();
    let words = query.split_whitespace().collect::<Vec<_>>();
    groups
        .iter()
        .enumerate()
        .map(|(i, group)| {
            (i, group.label, group.entries.iter().filter(|e| matches(e, &words)).copied().collect::<Vec<_>>())
        })
        .filter(|(_, _, found)| !found.is_empty())
        .collect()
}

/// `text` with `insert` in place of the selection `start..end`, given in UTF-16 units as a text
/// box reports it (the end of the text when unknown), and the caret's place after the insert.
pub fn insert_at(text: &str, start: Option<u32>, end: Option<u32>, insert: &str) -> (String, u32) {
    let byte = |units: Option<u32>| {
        let Some(units) = units else { return text.len() };
        let mut seen = 0;
        text.char_indices()
            .find(|(_, c)| {
                let reached = seen >= units;
                seen += c.len_utf16() as u32;
                reached
            })
            .map_or(text.len(), |(i, _)| i)
    };
    let (a, b) = (byte(start), byte(end));
    let (start, end) = (a.min(b), a.max(b));
    let joined = [&text[..start], insert, &text[end..]].concat();
    let caret = text[..start].encode_utf16().count() + insert.encode_utf16().count();
    (joined, u32::try_from(caret).unwrap_or(u32::MAX))
}

/// Focuses the grid's button number `index`; false if there is none.
fn focus_emoji(grid: NodeRef<Div>, index: usize) -> bool {
    let Some(grid) = grid.get_untracked() else { return false };
    let Ok(Some(button)) = grid.query_selector(&format!("[data-i=\"{index}\"]")) else { return false };
    button.dyn_into::<HtmlElement>().is_ok_and(|b| b.focus().is_ok())
}

/// The emoji button of the composer and its popover; the emoji goes into `input`, whose text
/// the composer keeps in `text`.
#[component]
pub fn EmojiPicker(
    /// The composer's text box.
    input: NodeRef<Textarea>,
    /// The composer's text.
    text: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let root = NodeRef::<Div>::new();
    let search_box = NodeRef::<Input>::new();
    let popover = NodeRef::<Div>::new();
    let grid = NodeRef::<Div>::new();
    let data = RwSignal::new(Data::Unasked);

    // The data, from this session's copy if there is one, else fetched; at most one fetch at a
    // time per picker.
    let fetch = move || {
        if matches!(data.get_untracked(), Data::Loading | Data::Ready(_)) {
            return;
        }
        if let Some(groups) = emoji_data::loaded() {
            data.set(Data::Ready(groups));
            return;
        }
        data.set(Data::Loading);
        leptos::task::spawn_local(async move {
            let loaded = match emoji_data::load().await {
                Ok(groups) => Data::Ready(groups),
                Err(e) => {
                    leptos::logging::warn!("Confab: the emoji picker's data did not load: {}", e.0);
                    Data::Failed
                }
            };
            // The picker may be gone by now (another conversation opened): nothing to show then.
            let _ = data.try_set(loaded);
        });
    };
    let retry = move |_| {
        // The focus first: the button goes when the loading starts, and a focus lost from the
        // picker closes it.
        if let Some(el) = search_box.get_untracked() {
            let _ = el.focus();
        }
        fetch();
    };

    // The search box takes the focus as soon as the popover is shown; on a touch screen the
    // popover does, so that opening it does not also raise the on-screen keyboard over it.
    Effect::new(move || {
        let touch = window().match_media("(pointer: coarse)").ok().flatten().is_some_and(|q| q.matches());
        let target: Option<HtmlElement> =
            if touch { popover.get().map(Into::into) } else { search_box.get().map(Into::into) };
        if let Some(el) = target {
            let _ = el.focus();
        }
    });

    let close = move |back_to_text: bool| {
        open.set(false);
        query.set(String::new());
        if back_to_text && let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };
    let pick = move |emoji: &str| {
        let Some(el) = input.get_untracked() else { return };
        let (start, end) = (el.selection_start().ok().flatten(), el.selection_end().ok().flatten());
        let (value, caret) = insert_at(&el.value(), start, end, emoji);
        el.set_value(&value);
        text.set(value);
        close(true);
        let _ = el.set_selection_range(caret, caret);
    };
    let on_grid_click = move |ev: MouseEvent| {
        let button =
            ev.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|el| el.closest("[data-i]").ok()?);
        if let Some(emoji) = button.and_then(|b| b.text_content()) {
            pick(&emoji);
        }
    };
    let on_grid_keydown = move |ev: KeyboardEvent| {
        let current =
            ev.target().and_then(|t| t.dyn_into::<Element>().ok()?.get_attribute("data-i")?.parse::<usize>().ok());
        let Some(current) = current else { return };
        let next = match ev.key().as_str() {
            "ArrowRight" => current + 1,
            "ArrowDown" => current + COLUMNS,
            "ArrowLeft" | "ArrowUp" => {
                let step = if ev.key() == "ArrowUp" { COLUMNS } else { 1 };
                match current.checked_sub(step) {
                    Some(i) => i,
                    None => {
                        // Above the first row: back to the search box.
                        ev.prevent_default();
                        if let Some(el) = search_box.get_untracked() {
                            let _ = el.focus();
                        }
                        return;
                    }
                }
            }
            "Home" => 0,
            _ => return,
        };
        ev.prevent_default();
        focus_emoji(grid, next);
    };
    let on_search_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            ev.prevent_default();
            let Data::Ready(groups) = data.get_untracked() else { return };
            let first = query.with_untracked(|q| {
                search(groups, q).into_iter().next().and_then(|(_, _, found)| found.first().copied())
            });
            if let Some(entry) = first {
                pick(entry.emoji);
            }
        }
        "ArrowDown" => {
            ev.prevent_default();
            focus_emoji(grid, 0);
        }
        _ => {}
    };
    // Esc anywhere in the picker closes it; leaving it (Tab, a click elsewhere) does too.
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            ev.prevent_default();
            ev.stop_propagation();
            close(true);
        }
    };
    let on_focusout = move |ev: FocusEvent| {
        let to = ev.related_target().and_then(|t| t.dyn_into::<Node>().ok());
        let inside = root.get_untracked().is_some_and(|r| to.is_some_and(|n| r.contains(Some(&n))));
        if !inside && open.get_untracked() {
            close(false);
        }
    };

    let groups = move || {
        let groups = match data.get() {
            Data::Ready(groups) => groups,
            Data::Failed => {
                return view! {
                    <div class="emoji-status" role="alert">
                        <p>{t!(i18n, composer.emoji_load_failed)}</p>
                        <button type="button" class="small" on:click=retry>{t!(i18n, composer.emoji_retry)}</button>
                    </div>
                }
                .into_any();
            }
            Data::Unasked | Data::Loading => {
                return view! { <p class="emoji-status" role="status">{t!(i18n, composer.emoji_loading)}</p> }
                    .into_any();
            }
        };
        let found = query.with(|q| search(groups, q));
        if found.is_empty() {
            return view! { <p class="emoji-none">{t!(i18n, composer.emoji_none)}</p> }.into_any();
        }
        let mut index = 0usize;
        found
            .into_iter()
            .map(|(group, label, entries)| {
                let buttons = entries
                    .into_iter()
                    .map(|e| {
                        let i = index;
                        index += 1;
                        view! {
                            <button type="button" class="emoji" data-i=i.to_string()
                                tabindex=if i == 0 { "0" } else { "-1" } title=e.name aria-label=e.name>
                                {e.emoji}
                            </button>
                        }
                    })
                    .collect_view();
                view! {
                    <section class="emoji-group" id=format!("emoji-group-{group}")>
                        <h3 class="emoji-group-title" id=format!("emoji-group-{group}-title")>
                            {move || group_label(label, i18n.get_locale())}
                        </h3>
                        <div class="emoji-grid" role="group" aria-labelledby=format!("emoji-group-{group}-title")>
                            {buttons}
                        </div>
                    </section>
                }
            })
            .collect_view()
            .into_any()
    };
    let categories = move || {
        let Data::Ready(groups) = data.get() else { return None };
        let buttons = groups
            .iter()
            .enumerate()
            .map(|(group, Group { label, entries })| {
                let icon = entries.first().map(|e| e.emoji).unwrap_or_default();
                let jump = move |_| {
                    if let Some(section) = document().get_element_by_id(&format!("emoji-group-{group}")) {
                        section.scroll_into_view();
                    }
                };
                let key = *label;
                let label = move || group_label(key, i18n.get_locale());
                view! { <button type="button" aria-label=label title=label on:click=jump>{icon}</button> }
            })
            .collect_view();
        Some(buttons)
    };

    view! {
        <div class="emoji-picker" node_ref=root on:keydown=on_keydown on:focusout=on_focusout>
            <button type="button" class="ghost emoji-toggle" aria-label=move || t_string!(i18n, composer.emoji)
                title=move || t_string!(i18n, composer.emoji)
                aria-haspopup="dialog" aria-controls="emoji-popover" aria-expanded=move || open.get().to_string()
                on:click=move |_| {
                    if open.get_untracked() {
                        close(true);
                    } else {
                        open.set(true);
                        fetch();
                    }
                }>
                // Drawn, not a glyph: emoji fonts are not everywhere.
                <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" fill="none" stroke="currentColor"
                    stroke-width="1.8" stroke-linecap="round">
                    <circle cx="12" cy="12" r="9"/>
                    <path d="M8.5 14.5a4.5 4.5 0 0 0 7 0"/>
                    <path d="M9 9.5h.01M15 9.5h.01" stroke-width="2.6"/>
                </svg>
            </button>
            <Show when=move || open.get()>
                <div class="emoji-popover" id="emoji-popover" node_ref=popover role="dialog"
                    aria-label=move || t_string!(i18n, composer.emoji_picker) tabindex="-1">
                    <input node_ref=search_box type="search" class="emoji-search" placeholder=move || t_string!(i18n, composer.emoji_search)
                        aria-label=move || t_string!(i18n, composer.emoji_search) autocomplete="off" prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev)) on:keydown=on_search_keydown/>
                    <Show when=move || matches!(data.get(), Data::Ready(_)) && query.with(|q| q.trim().is_empty())>
                        <nav class="emoji-categories" aria-label=move || t_string!(i18n, composer.emoji_categories)>{categories}</nav>
                    </Show>
                    <div class="emoji-scroll" node_ref=grid on:click=on_grid_click on:keydown=on_grid_keydown>
                        {groups}
                    </div>
                </div>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emoji_goes_in_at_the_caret_counted_in_utf16_units() {
        assert_eq!(insert_at("Hi there", Some(2), Some(2), "🎉"), ("Hi🎉 there".to_owned(), 4));
        // The text before the caret has a character outside the BMP (two UTF-16 units).
        assert_eq!(insert_at("😀ab", Some(3), Some(3), "!"), ("😀a!b".to_owned(), 4));
        // A selection is replaced, whichever way round it was made.
        assert_eq!(insert_at("abcdef", Some(4), Some(1), "é"), ("aéef".to_owned(), 2));
        // No caret known: at the end.
        assert_eq!(insert_at("abc", None, None, "👍"), ("abc👍".to_owned(), 5));
        assert_eq!(insert_at("abc", Some(99), Some(99), "x"), ("abcx".to_owned(), 4));
    }

    #[test]
    fn search_finds_emoji_by_name_and_shortcode() {
        let groups = emoji_data::built();
        let first = |q: &str| search(groups, q).first().and_then(|(_, _, found)| found.first().map(|e| e.emoji));
        assert_eq!(first("party popper"), Some("🎉"));
        assert_eq!(first("tada"), Some("🎉"));
        assert_eq!(first("THUMBS up"), Some("👍"));
        assert_eq!(first("no such emoji at all"), None);
        assert_eq!(search(groups, "").len(), groups.len());
    }

    #[test]
    fn every_category_of_the_data_has_a_label_in_each_language() {
        let groups = emoji_data::built();
        assert_eq!(groups.len(), 9);
        for Group { label, .. } in groups {
            assert_ne!(group_label(label, Locale::en), *label, "no label for {label}");
            assert_ne!(group_label(label, Locale::de), *label, "no German label for {label}");
        }
        assert_eq!(group_label(groups[0].label, Locale::en), "Smileys & emotion");
        assert_eq!(group_label(groups[8].label, Locale::de), "Flaggen");
    }
}
