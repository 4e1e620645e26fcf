//! The side panel of a conversation: its members with their roles, and for a group's owners
//! and admins the ways to set its photo, rename it, add friends, remove members and promote or demote them,
//! and its incoming webhooks (`incoming_webhooks.rs`); anyone may leave a group.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use protocol::conversations::{ConversationDetail, MemberRole, check_description, check_title};
use protocol::{ConversationId, UserId};

use crate::api::{self, ApiError};
use crate::components::avatar::Avatar;
use crate::components::bot_badge::{bot_badge_if, is_bot};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::incoming_webhooks::IncomingWebhooksSection;
use crate::components::photo_picker::{PhotoOf, PhotoPicker};
use crate::state::chat::Chat;
use crate::state::session::Session;

fn role_name(role: MemberRole) -> &'static str {
    match role {
        MemberRole::Owner => "Owner",
        MemberRole::Admin => "Admin",
        MemberRole::Member => "Member",
    }
}

/// The members panel of conversation `id`, showing `detail`; `close` hides it.
#[component]
pub fn MembersPanel(
    id: ConversationId,
    detail: LocalResource<Result<ConversationDetail, ApiError>>,
    close: RwSignal<bool>,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let notice = RwSignal::new(None::<String>);
    let title = RwSignal::new(chat.summary(id).map(|s| s.title).unwrap_or_default());
    let about = RwSignal::new(chat.summary(id).map(|s| s.description).unwrap_or_default());
    let picked = RwSignal::new(HashSet::<UserId>::new());
    let me = chat.me();

    let run = move |change: std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, ApiError>>>>| {
        spawn_local(async move {
            notice.set(Some(change.await.unwrap_or_else(|e| e.message)));
            detail.refetch();
        });
    };
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new_title = title.get_untracked().trim().to_owned();
        if let Err(e) = check_title(&new_title) {
            notice.set(Some(e.to_owned()));
            return;
        }
        run(Box::pin(async move {
            let summary = api::conversations::rename(session, id, new_title).await?;
            chat.upsert_summary(summary);
            Ok("Renamed.".to_owned())
        }));
    };
    let describe = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = about.get_untracked().trim().to_owned();
        if let Err(e) = check_description(&text) {
            notice.set(Some(e.to_owned()));
            return;
        }
        run(Box::pin(async move {
            let summary = api::conversations::describe(session, id, text).await?;
            chat.upsert_summary(summary);
            Ok("Description saved.".to_owned())
        }));
    };
    let add = move |_| {
        let ids: Vec<UserId> = picked.get_untracked().into_iter().collect();
        if ids.is_empty() {
            return;
        }
        picked.set(HashSet::new());
        run(Box::pin(async move {
            api::conversations::add_members(session, id, ids).await?;
            Ok("Added.".to_owned())
        }));
    };
    // Leaving and removing ask first (the confirmation dialog): neither can be undone here.
    let confirm_leave = RwSignal::new(false);
    let removing = RwSignal::new(None::<(UserId, String)>);
    let leave = move || {
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::conversations::leave(session, id).await {
                Ok(()) => {
                    chat.forget(id);
                    navigate("/chat", Default::default());
                }
                Err(e) => notice.set(Some(e.message)),
            }
        });
    };

    view! {
        <aside class="members-panel" data-testid="members-panel" aria-label="Members">
            <div class="panel-head">
                <h2>"Members"</h2>
                <button type="button" class="ghost small" aria-label="Close" on:click=move |_| close.set(false)>"✕"</button>
            </div>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
                {move || detail.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message}</p> }.into_any(),
                    Ok(detail) => {
                        let group = detail.conversation.peer.is_none();
                        let my_role = detail.conversation.my_role;
                        let manage = group && my_role.can_manage();
                        let members: HashSet<UserId> = detail.members.iter().map(|m| m.user.id).collect();
                        let names: std::collections::HashMap<UserId, String> =
                            detail.members.iter().map(|m| (m.user.id, m.user.display_name.clone())).collect();
                        let candidates = move || chat.friends.with(|f| {
                            let mut list: Vec<_> = f.iter().filter(|f| !members.contains(&f.user.id)).map(|f| f.user.clone()).collect();
                            list.sort_by_cached_key(|u| u.display_name.to_lowercase());
                            list
                        });
                        view! {
                            {manage.then(|| view! {
                                <PhotoPicker of=PhotoOf::Group(id)
                                    has_photo=Signal::derive(move || chat.summary(id).is_some_and(|s| s.photo.is_some()))/>
                                <form class="inline-form" on:submit=rename>
                                    <input aria-label="Group title" prop:value=move || title.get()
                                        on:input=move |ev| title.set(event_target_value(&ev))/>
                                    <button type="submit" class="secondary">"Rename"</button>
                                </form>
                                <form class="describe-form" on:submit=describe>
                                    <textarea aria-label="Group description" rows="2" maxlength="500"
                                        placeholder="What is this group about?" data-testid="description-input"
                                        prop:value=move || about.get()
                                        on:input=move |ev| about.set(event_target_value(&ev))></textarea>
                                    <button type="submit" class="secondary">"Save description"</button>
                                </form>
                            })}
                            {(!manage && !detail.conversation.description.is_empty()).then(|| view! {
                                <p class="group-description">{detail.conversation.description.clone()}</p>
                            })}
                            <ul class="list members" data-testid="members">
                                {detail.members.into_iter().map(|member| {
                                    let user = member.user.clone();
                                    let uid = user.id;
                                    let itself = Some(uid) == me;
                                    let can_change = manage && !itself && member.role != MemberRole::Owner;
                                    let name = user.display_name.clone();
                                    let (remove_name, role_name_) = (name.clone(), name.clone());
                                    let next_role = if member.role == MemberRole::Admin { MemberRole::Member } else { MemberRole::Admin };
                                    view! {
                                        <li class="user-row" data-username=user.username.clone()>
                                            <Avatar name=name.clone() color=user.avatar_color.clone() photo=user.avatar.clone()/>
                                            <span class="user-names">
                                                <span class="name-line">
                                                    <span class="display-name">{name.clone()}{itself.then_some(" (you)")}</span>
                                                    {bot_badge_if(is_bot(&user))}
                                                </span>
                                                <span class="username">{role_name(member.role)}</span>
                                            </span>
                                            {can_change.then(|| view! {
                                                <div class="row-actions">
                                                    <button type="button" class="secondary small" on:click=move |_| {
                                                        let who = role_name_.clone();
                                                        run(Box::pin(async move {
                                                            api::conversations::set_role(session, id, uid, next_role).await?;
                                                            Ok(format!("{who} is now {}.", role_name(next_role).to_lowercase()))
                                                        }));
                                                    }>{if next_role == MemberRole::Admin { "Make admin" } else { "Remove admin" }}</button>
                                                    <button type="button" class="danger small"
                                                        on:click=move |_| removing.set(Some((uid, remove_name.clone())))>"Remove"</button>
                                                </div>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            {manage.then(|| view! {
                                <h3>"Add friends"</h3>
                                {move || {
                                    let list = candidates();
                                    if list.is_empty() {
                                        view! { <p class="empty">"All your friends are here."</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="list pick-list">
                                                {list.into_iter().map(|u| {
                                                    let uid = u.id;
                                                    view! {
                                                        <li><label class="pick">
                                                            <input type="checkbox" prop:checked=move || picked.with(|p| p.contains(&uid))
                                                                on:change=move |_| picked.update(|p| if !p.remove(&uid) { p.insert(uid); })/>
                                                            {u.display_name.clone()}
                                                            {bot_badge_if(is_bot(&u))}
                                                        </label></li>
                                                    }
                                                }).collect_view()}
                                            </ul>
                                            <button type="button" class="secondary" on:click=add>"Add selected"</button>
                                        }.into_any()
                                    }
                                }}
                            })}
                            {manage.then(|| view! { <IncomingWebhooksSection id names/> })}
                            {group.then(|| view! {
                                <button type="button" class="danger leave" on:click=move |_| confirm_leave.set(true)>"Leave group"</button>
                            })}
                        }.into_any()
                    }
                })}
            </Transition>
            {move || confirm_leave.get().then(|| {
                let leave = leave.clone();
                let group_title = chat.summary(id).map(|s| s.title).unwrap_or_default();
                view! {
                    <ConfirmDialog title=format!("Leave “{group_title}”?") action="Leave group"
                        confirm=Callback::new(move |()| {
                            confirm_leave.set(false);
                            leave();
                        })
                        cancel=Callback::new(move |()| confirm_leave.set(false))>
                        <p>"You stop receiving its messages and it leaves your list. Someone in it must add you again for you to come back."</p>
                    </ConfirmDialog>
                }
            })}
            {move || removing.get().map(|(uid, who)| {
                let name = who.clone();
                view! {
                    <ConfirmDialog title=format!("Remove {name} from the group?") action="Remove"
                        confirm=Callback::new(move |()| {
                            removing.set(None);
                            let who = who.clone();
                            run(Box::pin(async move {
                                api::conversations::remove_member(session, id, uid).await?;
                                Ok(format!("Removed {who}."))
                            }));
                        })
                        cancel=Callback::new(move |()| removing.set(None))>
                        <p>"They stop receiving the group's messages. An admin can add them again later."</p>
                    </ConfirmDialog>
                }
            })}
        </aside>
    }
}
