//! Ctrl+K (⌘K on a Mac) from anywhere: a modal list of the conversations, narrowed as a name is
//! typed, where the arrow keys choose and Enter opens one; Esc closes it and gives the focus
//! back to where it was (a native `<dialog>` opened with `showModal`, so the page behind is
//! inert while it is open), and Tab stays in it.

use leptos::html::{Dialog, Input};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use protocol::ConversationId;

use crate::components::focus_trap::{FocusReturn, keep_focus_inside};
use crate::locale::{t, t_string, use_i18n};
use crate::state::chat::Chat;

/// Most conversations listed at once (typing narrows the rest).
const SHOWN: usize = 12;

/// Conversations (id, name) whose name contains `query` (any case), those starting with it
/// first, each group in the list's own order (newest activity first).
pub fn narrowed(all: &[(ConversationId, String)], query: &str) -> Vec<(ConversationId, String)> {
    let query = query.trim().to_lowercase();
    let (mut starts, mut contains) = (Vec::new(), Vec::new());
    for (id, name) in all {
        let lower = name.to_lowercase();
        if lower.starts_with(&query) {
            starts.push((*id, name.clone()));
        } else if lower.contains(&query) {
            contains.push((*id, name.clone()));
        }
    }
    starts.extend(contains);
    starts.truncate(SHOWN);
    starts
}

/// The switcher, listening for its shortcut for the app's life.
#[component]
pub fn QuickSwitcher() -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let navigate = use_navigate();
    let open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let chosen = RwSignal::new(0usize);
    let dialog = NodeRef::<Dialog>::new();
    let input = NodeRef::<Input>::new();
    let opener = FocusReturn::none();

    let shortcut = window_event_listener(leptos::ev::keydown, move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("k") && chat.synced.get_untracked() {
            ev.prevent_default();
            if !open.get_untracked() {
                opener.remember_now();
            }
            query.set(String::new());
            chosen.set(0);
            open.set(true);
        }
    });
    on_cleanup(move || shortcut.remove());

    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            if open.get() && !el.open() {
                let _ = el.show_modal();
                if let Some(field) = input.get_untracked() {
                    let _ = field.focus();
                }
            } else if !open.get() {
                if el.open() {
                    el.close();
                }
                opener.give_back();
            }
        }
    });

    // Only while open: closed, it would re-read every conversation at each new message.
    let offered = Memo::new(move |_| {
        if !open.get() {
            return Vec::new();
        }
        let all: Vec<(ConversationId, String)> =
            chat.conversations.with(|list| list.iter().map(|s| (s.id, Chat::title_of(s))).collect());
        query.with(|q| narrowed(&all, q))
    });
    let go = move |id: ConversationId| {
        // The opened conversation's composer takes the focus: closed now, the dialog does not
        // hand it back to the page left behind.
        opener.forget();
        if let Some(el) = dialog.get_untracked() {
            el.close();
        }
        open.set(false);
        navigate(&format!("/chat/{id}"), Default::default());
    };
    let go_keys = go.clone();
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = offered.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                chosen.update(|i| *i = (*i + 1) % count);
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                chosen.update(|i| *i = (*i + count - 1) % count);
            }
            // Said here too: a text field may keep Esc from reaching the dialog.
            "Escape" => {
                ev.prevent_default();
                open.set(false);
            }
            "Enter" => {
                ev.prevent_default();
                let picked = offered.with_untracked(|list| list.get(chosen.get_untracked()).map(|(id, _)| *id));
                if let Some(id) = picked {
                    go_keys(id);
                }
            }
            "Tab" => {
                if let Some(el) = dialog.get_untracked() {
                    keep_focus_inside(&el, &ev);
                }
            }
            _ => {}
        }
    };

    view! {
        <dialog class="quick-switcher card" node_ref=dialog aria-label=move || t_string!(i18n, chat.jump_to_conversation)
            data-testid="quick-switcher" on:cancel=move |_: leptos::ev::Event| open.set(false) on:close=move |_: leptos::ev::Event| open.set(false)>
            <input node_ref=input type="text" placeholder=move || t_string!(i18n, chat.jump_placeholder)
                aria-label=move || t_string!(i18n, chat.conversation_name)
                role="combobox" aria-expanded="true" aria-controls="quick-switcher-list"
                aria-activedescendant=move || format!("quick-switch-{}", chosen.get())
                prop:value=move || query.get()
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    chosen.set(0);
                }
                on:keydown=on_key/>
            <ul id="quick-switcher-list" role="listbox" aria-label=move || t_string!(i18n, chat.conversations)>
                {move || {
                    let go = go.clone();
                    let list = offered.get();
                    if list.is_empty() {
                        return view! { <li class="empty">{t!(i18n, chat.no_conversation_by_name)}</li> }.into_any();
                    }
                    list.into_iter()
                        .enumerate()
                        .map(|(i, (id, name))| {
                            let go = go.clone();
                            view! {
                                <li role="option" id=format!("quick-switch-{i}")
                                    aria-selected=move || (chosen.get() == i).to_string()
                                    class:chosen=move || chosen.get() == i
                                    on:mousedown=move |ev| {
                                        ev.prevent_default();
                                        go(id);
                                    }>{name}</li>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </ul>
        </dialog>
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn c(n: u128, name: &str) -> (ConversationId, String) {
        (ConversationId(Uuid::from_u128(n)), name.to_owned())
    }

    #[test]
    fn names_starting_with_the_query_come_first_then_those_containing_it() {
        let all = [c(1, "Team Lisbon"), c(2, "Lisa"), c(3, "Bob"), c(4, "lisbon trip")];
        let found: Vec<String> = narrowed(&all, "LIS").into_iter().map(|(_, n)| n).collect();
        assert_eq!(found, ["Lisa", "lisbon trip", "Team Lisbon"]);
        assert_eq!(narrowed(&all, "  ").len(), 4, "an empty query lists everything");
        assert!(narrowed(&all, "zzz").is_empty());
    }
}
