//! The open conversation: its header (back on phones, name, presence or member count,
//! notifications, members), the history, who is typing, and the composer, whose attachments
//! files dropped anywhere on the conversation join (its tray, kept while another conversation
//! is open, see `state::trays`). Marks the conversation read while it is on
//! screen and the window is visible.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use protocol::ConversationId;
use protocol::conversations::Message;
use wasm_bindgen::JsCast;

use crate::api;
use crate::api::http::encode;
use crate::api::ws::{Gateway, Link};
use crate::components::avatar::Avatar;
use crate::components::bot_badge::{bot_badge_if, is_bot};
use crate::components::composer::Composer;
use crate::components::conversation_settings::ConversationSettingsControls;
use crate::components::members_panel::MembersPanel;
use crate::components::message_editing::MessageEditing;
use crate::components::message_list::MessageList;
use crate::components::pinned_bar::PinnedBar;
use crate::locale::{t, t_string, use_i18n};
use crate::state::chat::Chat;
use crate::state::chat::notifications;
use crate::state::session::Session;
use crate::state::trays::Trays;
use crate::state::uploads::files_of;

/// Conversation `id`, whose summary the chat state holds.
#[component]
pub fn ConversationView(id: ConversationId) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let gateway = expect_context::<Gateway>();
    let session = expect_context::<Session>();
    let summary = Memo::new(move |_| chat.summary(id));
    let reply = RwSignal::new(None::<Message>);
    // Which message is being edited: the history draws it, the composer's ↑ and Esc change it.
    MessageEditing::provide();
    let stick = Trigger::new();
    let panel = RwSignal::new(false);
    let can_notify = RwSignal::new(notifications::can_ask());
    // Not stopped when the view goes: the tray waits for the user's return.
    let uploads = expect_context::<Trays>().tray(id);
    // Files dragged over the conversation: accepted anywhere on it, with a hint while over it.
    let dragging = RwSignal::new(false);
    let carries_files =
        |ev: &leptos::ev::DragEvent| ev.data_transfer().is_some_and(|data| data.types().includes(&"Files".into(), 0));
    let on_drag_over = move |ev: leptos::ev::DragEvent| {
        if carries_files(&ev) {
            ev.prevent_default();
            if let Some(data) = ev.data_transfer() {
                data.set_drop_effect("copy");
            }
            dragging.set(true);
        }
    };
    let on_drag_leave = move |ev: leptos::ev::DragEvent| {
        // Moving between the conversation's own children also fires `dragleave`.
        let inside = ev.related_target().and_then(|to| {
            let to = to.dyn_into::<web_sys::Node>().ok()?;
            let here = ev.current_target()?.dyn_into::<web_sys::Node>().ok()?;
            Some(here.contains(Some(&to)))
        });
        if inside != Some(true) {
            dragging.set(false);
        }
    };
    // The language a refused file is explained in.
    let drop_i18n = crate::locale::use_i18n();
    let on_drop = move |ev: leptos::ev::DragEvent| {
        dragging.set(false);
        if carries_files(&ev) {
            ev.prevent_default();
            uploads.add(files_of(ev.data_transfer().and_then(|data| data.files())), drop_i18n.get_locale_untracked());
        }
    };

    chat.load_latest(id);
    // Members (for names, roles and read markers), re-read when they change.
    let detail = LocalResource::new(move || {
        chat.members_changed.track();
        async move {
            let detail = api::conversations::detail(session, id).await;
            if let Ok(detail) = &detail {
                chat.remember_users(detail.members.iter().map(|m| m.user.clone()));
                chat.set_reads(id, detail.members.iter().map(|m| (m.user.id, m.read_seq)));
            }
            detail
        }
    });

    let members = Signal::derive(move || {
        detail.get().and_then(Result::ok).map(|d| d.members.into_iter().map(|m| m.user).collect()).unwrap_or_default()
    });

    // Read while on screen: the window must be visible and focused.
    let visible = RwSignal::new(notifications::page_visible());
    let refresh = move || visible.set(notifications::page_visible());
    let handles = [
        window_event_listener(leptos::ev::focus, move |_| refresh()),
        window_event_listener(leptos::ev::blur, move |_| refresh()),
        window_event_listener(leptos::ev::visibilitychange, move |_| refresh()),
    ];
    on_cleanup(move || handles.into_iter().for_each(|h| h.remove()));
    Effect::new(move |_| {
        let Some(s) = summary.get() else { return };
        if visible.get() && gateway.link.get() == Link::Online && s.last_seq > s.read_seq {
            gateway.mark_read(id, s.last_seq);
        }
    });

    let typing = move || {
        let names: Vec<String> =
            chat.typing.with(|t| t.get(&id).map(|u| u.keys().map(|u| chat.name_of(*u)).collect()).unwrap_or_default());
        match names.as_slice() {
            [] => None,
            [one] => Some(t_string!(i18n, chat.typing_one, name = one).to_string()),
            [a, b] => Some(t_string!(i18n, chat.typing_two, first = a, second = b).to_string()),
            _ => Some(t_string!(i18n, chat.typing_several).to_owned()),
        }
    };

    // "last seen 5 min ago" is read again twice a minute.
    let clock = RwSignal::new(crate::state::chat::now_ms());
    if let Ok(ticker) =
        set_interval_with_handle(move || clock.set(crate::state::chat::now_ms()), std::time::Duration::from_secs(30))
    {
        on_cleanup(move || ticker.clear());
    }
    // A DM whose peer is no longer a friend (unfriended, or blocked either way): the server
    // would refuse every message, so the composer says why instead of failing after a send.
    let lost_friend = Memo::new(move |_| {
        let peer = summary.get()?.peer?;
        let friend = chat.friends.with(|all| all.iter().any(|f| f.user.id == peer.id));
        (!friend && chat.synced.get()).then_some(peer)
    });
    let head = move || {
        summary.get().map(|s| {
            let title = Chat::title_of(&s);
            let color = s.peer.as_ref().map_or_else(|| "#7a5af5".to_owned(), |p| p.avatar_color.clone());
            let photo = s.peer.as_ref().map_or_else(|| s.photo.clone(), |p| p.avatar.clone());
            let peer = s.peer.as_ref().map(|p| p.id);
            let peer_is_bot = s.peer.as_ref().is_some_and(is_bot);
            let subtitle = move || match peer {
                Some(p) if chat.presence.with(|pr| pr.get(&p).copied().unwrap_or(false)) => {
                    t_string!(i18n, chat.online).to_owned()
                }
                Some(p) => match chat.last_seen.with(|seen| seen.get(&p).copied()) {
                    Some(at) => crate::time::last_seen(at, clock.get()),
                    None => t_string!(i18n, chat.offline).to_owned(),
                },
                None => {
                    let (n, about) = chat.summary(id).map_or((0, String::new()), |s| (s.member_count, s.description));
                    match (n, about.is_empty()) {
                        (1, true) => t_string!(i18n, chat.member_count_one, count = n).to_string(),
                        (_, true) => t_string!(i18n, chat.member_count, count = n).to_string(),
                        (1, false) => t_string!(i18n, chat.member_count_about_one, count = n, about).to_string(),
                        (_, false) => t_string!(i18n, chat.member_count_about, count = n, about).to_string(),
                    }
                }
            };
            view! {
                <Avatar name=title.clone() color=color photo/>
                <div class="conversation-head-text">
                    <div class="conversation-head-title">
                        <h2 data-testid="conversation-title">{title}</h2>
                        {bot_badge_if(peer_is_bot)}
                    </div>
                    <span class="conversation-sub" data-testid="conversation-sub">{subtitle}</span>
                </div>
            }
        })
    };

    // Opened from a search hit, "back" (on phones) returns to the hits rather than the list.
    let query = use_query_map();
    let back = move || match query.with(|q| q.get("q")) {
        Some(q) => format!("/chat?q={}", encode(&q)),
        None => "/chat".to_owned(),
    };

    view! {
        <div class="conversation" class:with-panel=move || panel.get()>
            <div class="conversation-main" class:dragging=move || dragging.get() on:dragenter=on_drag_over
                on:dragover=on_drag_over on:dragleave=on_drag_leave on:drop=on_drop>
                <Show when=move || dragging.get()>
                    <div class="drop-hint" aria-hidden="true">{t!(i18n, chat.drop_files)}</div>
                </Show>
                <header class="conversation-head">
                    <A href=back attr:class="back" attr:aria-label=move || t_string!(i18n, chat.back_to_conversations)>"←"</A>
                    {head}
                    <div class="conversation-head-actions">
                        <Show when=move || can_notify.get()>
                            <button type="button" class="ghost small icon" aria-label=move || t_string!(i18n, chat.enable_notifications)
                                title=move || t_string!(i18n, chat.enable_notifications) on:click=move |_| {
                                    notifications::ask(move |_| can_notify.set(notifications::can_ask()));
                                }>
                                <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                                    <path d="M12 3a6 6 0 0 0-6 6v3.5L4 16h16l-2-3.5V9a6 6 0 0 0-6-6zM10 19a2 2 0 0 0 4 0"
                                        fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/>
                                </svg>
                            </button>
                        </Show>
                        <ConversationSettingsControls id/>
                        <button type="button" class="ghost small" aria-pressed=move || panel.get().to_string()
                            data-testid="details-toggle" on:click=move |_| panel.update(|p| *p = !*p)>
                            {move || if summary.get().is_some_and(|s| s.peer.is_none()) {
                                t_string!(i18n, chat.members)
                            } else {
                                t_string!(i18n, chat.details)
                            }}
                        </button>
                    </div>
                </header>
                <PinnedBar id/>
                <MessageList id reply stick/>
                <p class="typing" data-testid="typing" aria-live="polite">{typing}</p>
                {move || match lost_friend.get() {
                    Some(peer) => {
                        let profile = format!("/users/{}", peer.id);
                        view! {
                            <p class="composer-closed" role="status" data-testid="composer-closed">
                                // Two keys: this version of leptos_i18n reads no value before a tag.
                                {t!(i18n, chat.lost_friend, name = peer.display_name.clone())}" "
                                {t!(i18n, chat.lost_friend_add,
                                    <add> = move |children: ChildrenFn| view! { <a href=profile.clone()>{children()}</a> })}
                            </p>
                        }.into_any()
                    }
                    None => view! { <Composer id reply stick members uploads/> }.into_any(),
                }}
            </div>
            <Show when=move || panel.get()>
                <MembersPanel id detail close=panel/>
            </Show>
        </div>
    }
}
