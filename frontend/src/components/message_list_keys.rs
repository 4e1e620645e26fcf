//! Keyboard access to a conversation's history (message_list.rs). The list is one Tab stop: a
//! roving tabindex gives 0 to the current message (or to the list, before one is chosen) and -1
//! to the other messages and to every control inside them, so Tab crosses a long history in one
//! step. On a focused message ↑/↓ move to the previous/next one (↑ on the first loads an older
//! page), Home/End to the first/last loaded, Enter (or Tab) goes into its actions and Esc back
//! out of them, R replies to it and E edits it (an own message).

use leptos::html::Div;
use leptos::prelude::*;
use protocol::ConversationId;
use protocol::conversations::Message;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Element, HtmlElement, MutationObserver, MutationObserverInit};

use crate::components::message_editing::{MessageEditing, composer};
use crate::state::chat::Chat;

/// The rows the arrow keys move between: stored, pending and a bot's private answers.
const ITEM: &str = "[data-testid=\"message\"], [data-testid=\"ephemeral\"]";
/// Whatever Tab would stop at inside the list.
const CONTROL: &str = "a[href], button, input, select, textarea, audio[controls], video[controls], [tabindex]";
/// Where a control's own tabindex waits (empty: it had none) while the roving one is -1.
const SAVED_TABINDEX: &str = "data-roving-tabindex";
/// A message's actions: Enter goes to the first one shown (the row, or "…" on phones).
const ACTIONS: &str = ".message-actions button, .message-menu-toggle";

/// The keyboard behaviour of one conversation's history.
#[derive(Clone, Copy)]
pub struct ListKeys {
    list: NodeRef<Div>,
    id: ConversationId,
    reply: RwSignal<Option<Message>>,
    chat: Chat,
    editing: Option<MessageEditing>,
    /// The message holding the Tab stop, and its seq to find it again once redrawn (an edit or
    /// a reaction draws a message anew).
    current: StoredValue<(Option<Element>, Option<String>), LocalStorage>,
    /// A pointer went down on the list: the focus it gives the list is not a Tab into it.
    pointing: StoredValue<bool>,
    observer: StoredValue<Option<Watcher>, LocalStorage>,
}

/// The observer of the list's rows, and the callback it calls (kept alive while it watches).
type Watcher = (MutationObserver, Closure<dyn FnMut()>);

impl ListKeys {
    /// The keys of `list`, the history of conversation `id`; R puts the message in `reply`.
    pub fn new(list: NodeRef<Div>, id: ConversationId, reply: RwSignal<Option<Message>>) -> Self {
        let keys = Self {
            list,
            id,
            reply,
            chat: expect_context::<Chat>(),
            editing: use_context::<MessageEditing>(),
            current: StoredValue::new_local((None, None)),
            pointing: StoredValue::new(false),
            observer: StoredValue::new_local(None),
        };
        // Rows come and go (new messages, older pages, a menu opened inside one): each change
        // is brought back to a single Tab stop before anyone can press Tab.
        Effect::new(move |_| {
            let Some(el) = list.get() else { return };
            if keys.observer.with_value(Option::is_some) {
                return;
            }
            let callback = Closure::<dyn FnMut()>::new(move || keys.rove());
            let Ok(observer) = MutationObserver::new(callback.as_ref().unchecked_ref()) else { return };
            let options = MutationObserverInit::new();
            options.set_child_list(true);
            options.set_subtree(true);
            let _ = observer.observe_with_options(&el, &options);
            keys.observer.set_value(Some((observer, callback)));
            keys.rove();
        });
        on_cleanup(move || {
            keys.observer.try_update_value(|o| {
                if let Some((observer, _)) = o.take() {
                    observer.disconnect();
                }
            });
        });
        keys
    }

    /// A pointer pressed on the list (a click on a message focuses it without scrolling to it).
    pub fn on_pointer_down(&self) {
        self.pointing.set_value(true);
        let pointing = self.pointing;
        request_animation_frame(move || {
            let _ = pointing.try_set_value(false);
        });
    }

    /// Focus arriving in the list: a message (or a control in it) becomes the current one; Tab
    /// onto the list itself goes on to the current message, or the newest.
    pub fn on_focus_in(&self, ev: &leptos::ev::FocusEvent) {
        let Some(list) = self.list.get_untracked() else { return };
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        if target.is_same_node(Some(&list)) {
            if self.pointing.get_value() {
                return;
            }
            let item = self.current_item(&list).or_else(|| items(&list).pop());
            if let Some(item) = item {
                // Made current here: the focus event this sends arrives while this handler runs,
                // and the page's event delegation drops it.
                let seq = item.get_attribute("data-seq");
                self.current.set_value((Some(item.clone()), seq));
                self.rove();
                focus(&item);
            }
            return;
        }
        if let Some(item) = item_of(&target, &list) {
            let seq = item.get_attribute("data-seq");
            self.current.set_value((Some(item), seq));
            self.rove();
        }
    }

    /// The list's keys, acting when the message itself has the focus (Esc also from its actions).
    pub fn on_key_down(&self, ev: &leptos::ev::KeyboardEvent) {
        if ev.default_prevented() || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let Some(list) = self.list.get_untracked() else { return };
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        let Some(item) = item_of(&target, &list) else { return };
        if !target.is_same_node(Some(&item)) {
            let from_actions = target.closest(ACTIONS).ok().flatten().is_some();
            if ev.key() == "Escape" && from_actions {
                ev.prevent_default();
                focus(&item);
            }
            return;
        }
        let all = items(&list);
        let at = all.iter().position(|i| i.is_same_node(Some(&item)));
        let to = match (ev.key().as_str(), at) {
            ("ArrowUp", Some(0)) => {
                // The first loaded message: an older page, if there is one, comes above it.
                self.chat.load_older(self.id);
                None
            }
            ("ArrowUp", Some(at)) => all.get(at - 1),
            ("ArrowDown", Some(at)) => all.get(at + 1),
            ("Home", _) => all.first(),
            ("End", _) => all.last(),
            ("Enter", _) => {
                ev.prevent_default();
                if let Some(action) = first_shown(&item, ACTIONS) {
                    focus(&action);
                }
                return;
            }
            ("r" | "R", _) if !ev.shift_key() => {
                if let Some(message) = self.message_of(&item) {
                    ev.prevent_default();
                    self.reply.set(Some(message));
                    if let Some(field) = composer() {
                        let _ = field.focus();
                    }
                }
                return;
            }
            ("e" | "E", _) if !ev.shift_key() => {
                let me = self.chat.me();
                let own = self.message_of(&item).filter(|m| m.deleted_at.is_none() && Some(m.sender_id) == me);
                if let (Some(message), Some(editing)) = (own, self.editing) {
                    ev.prevent_default();
                    editing.open(message.id);
                }
                return;
            }
            _ => return,
        };
        // The arrows would scroll the list as well.
        ev.prevent_default();
        if let Some(next) = to {
            focus(next);
        }
    }

    /// The stored message drawn as `item`.
    fn message_of(&self, item: &Element) -> Option<Message> {
        let seq: i64 = item.get_attribute("data-seq")?.parse().ok()?;
        self.chat.timelines.with_untracked(|t| t.get(&self.id)?.messages.get(&seq).cloned())
    }

    /// The current message's element in `list`, found again by its seq if it was redrawn.
    fn current_item(&self, list: &HtmlElement) -> Option<Element> {
        let (element, seq) = self.current.try_get_value()?;
        if let Some(element) = element.filter(|e| e.is_connected() && list.contains(Some(e))) {
            return Some(element);
        }
        let selector = format!("[data-testid=\"message\"][data-seq=\"{}\"]", seq?);
        let found = list.query_selector(&selector).ok().flatten();
        self.current.set_value((found.clone(), found.as_ref().and_then(|f| f.get_attribute("data-seq"))));
        found
    }

    /// Leaves one Tab stop in the list: the current message (its own controls stay reachable
    /// with Tab from it) or, before there is one, the list itself.
    fn rove(&self) {
        let Some(list) = self.list.get_untracked() else { return };
        let current = self.current_item(&list);
        let is_current = |el: &Element| current.as_ref().is_some_and(|c| c.is_same_node(Some(el)));
        for item in items(&list) {
            let _ = item.set_attribute("tabindex", if is_current(&item) { "0" } else { "-1" });
        }
        for control in all(&list, CONTROL) {
            // Rows have theirs already, and a dialog opened from a message keeps its own.
            if control.matches(ITEM).unwrap_or(false)
                || control.closest("dialog, [role=\"dialog\"]").ok().flatten().is_some()
            {
                continue;
            }
            if current.as_ref().is_some_and(|c| c.contains(Some(&control))) {
                give_back_tabindex(&control);
            } else {
                park(&control);
            }
        }
        let _ = list.set_attribute("tabindex", if current.is_some() { "-1" } else { "0" });
    }
}

/// The elements under `root` matching `selector`, in document order.
fn all(root: &HtmlElement, selector: &str) -> Vec<Element> {
    let Ok(found) = root.query_selector_all(selector) else { return Vec::new() };
    (0..found.length()).filter_map(|i| found.item(i)?.dyn_into().ok()).collect()
}

/// The history's rows, in order.
fn items(list: &HtmlElement) -> Vec<Element> {
    all(list, ITEM)
}

/// The row of `list` that `el` is (or is inside).
fn item_of(el: &Element, list: &HtmlElement) -> Option<Element> {
    el.closest(ITEM).ok().flatten().filter(|item| list.contains(Some(item)))
}

/// The first element under `root` matching `selector` that is laid out (not `display: none`).
fn first_shown(root: &Element, selector: &str) -> Option<HtmlElement> {
    let found = root.query_selector_all(selector).ok()?;
    (0..found.length())
        .filter_map(|i| found.item(i)?.dyn_into::<HtmlElement>().ok())
        .find(|el| el.offset_width() > 0 || el.offset_height() > 0)
}

fn focus(el: &Element) {
    if let Some(el) = el.dyn_ref::<HtmlElement>() {
        let _ = el.focus();
    }
}

/// Takes `control` out of the Tab order, keeping its own tabindex for later.
fn park(control: &Element) {
    if control.has_attribute(SAVED_TABINDEX) {
        return;
    }
    let own = control.get_attribute("tabindex").unwrap_or_default();
    if own == "-1" {
        return;
    }
    let _ = control.set_attribute(SAVED_TABINDEX, &own);
    let _ = control.set_attribute("tabindex", "-1");
}

/// Puts `control` back in the Tab order as it was before [`park`].
fn give_back_tabindex(control: &Element) {
    let Some(own) = control.get_attribute(SAVED_TABINDEX) else { return };
    let _ = control.remove_attribute(SAVED_TABINDEX);
    let _ = if own.is_empty() { control.remove_attribute("tabindex") } else { control.set_attribute("tabindex", &own) };
}
