//! The side panel of a conversation: its members with their roles, and for a group's owners
//! and admins the ways to set its photo, rename it, add friends, remove members and promote or demote them,
//! and its incoming webhooks (`incoming_webhooks.rs`); anyone may leave a group.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use protocol::conversations::{ConversationDetail, MemberRole, check_description, check_title};
use protocol::webhooks::CreatedIncomingWebhook;
use protocol::{ConversationId, UserId};

use crate::api::{self, ApiError};
use crate::components::avatar::Avatar;
use crate::components::bot_badge::{bot_badge_if, is_bot};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::incoming_webhooks::IncomingWebhooksSection;
use crate::components::photo_picker::{PhotoOf, PhotoPicker};
use crate::locale::{Locale, error_text, t, t_string, td_string, use_i18n};
use crate::state::chat::Chat;
use crate::state::session::Session;

fn role_name(role: MemberRole, language: Locale) -> &'static str {
    match role {
        MemberRole::Owner => td_string!(language, chat.role_owner),
        MemberRole::Admin => td_string!(language, chat.role_admin),
        MemberRole::Member => td_string!(language, chat.role_member),
    }
}

/// The members panel of conversation `id`, showing `detail`; `close` hides it.
#[component]
pub fn MembersPanel(
    id: ConversationId,
    detail: LocalResource<Result<ConversationDetail, ApiError>>,
    close: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let notice = RwSignal::new(None::<String>);
    let title = RwSignal::new(chat.summary(id).map(|s| s.title).unwrap_or_default());
    let about = RwSignal::new(chat.summary(id).map(|s| s.description).unwrap_or_default());
    let picked = RwSignal::new(HashSet::<UserId>::new());
    // Outlives the rebuilds of the details below (see IncomingWebhooksSection).
    let new_webhook = RwSignal::new(None::<CreatedIncomingWebhook>);
    let me = chat.me();

    let run = move |change: std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, ApiError>>>>| {
        spawn_local(async move {
            notice.set(Some(change.await.unwrap_or_else(|e| error_text(&e, i18n.get_locale_untracked()))));
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
            Ok(t_string!(i18n, chat.renamed).to_owned())
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
            Ok(t_string!(i18n, chat.description_saved).to_owned())
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
            Ok(t_string!(i18n, chat.added).to_owned())
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
                Err(e) => notice.set(Some(error_text(&e, i18n.get_locale_untracked()))),
            }
        });
    };

    view! {
        <aside class="members-panel" data-testid="members-panel" aria-label=move || t_string!(i18n, chat.members)>
            <div class="panel-head">
                <h2>{t!(i18n, chat.members)}</h2>
                <button type="button" class="ghost small" aria-label=move || t_string!(i18n, chat.close) on:click=move |_| close.set(false)>"✕"</button>
            </div>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
                {move || detail.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
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
                                    <input aria-label=move || t_string!(i18n, chat.group_title) prop:value=move || title.get()
                                        on:input=move |ev| title.set(event_target_value(&ev))/>
                                    <button type="submit" class="secondary">{t!(i18n, chat.rename)}</button>
                                </form>
                                <form class="describe-form" on:submit=describe>
                                    <textarea aria-label=move || t_string!(i18n, chat.group_description) rows="2" maxlength="500"
                                        placeholder=move || t_string!(i18n, chat.description_placeholder) data-testid="description-input"
                                        prop:value=move || about.get()
                                        on:input=move |ev| about.set(event_target_value(&ev))></textarea>
                                    <button type="submit" class="secondary">{t!(i18n, chat.save_description)}</button>
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
                                                    <span class="display-name">{name.clone()}{itself.then_some(t!(i18n, chat.you_suffix))}</span>
                                                    {bot_badge_if(is_bot(&user))}
                                                </span>
                                                <span class="username">{move || role_name(member.role, i18n.get_locale())}</span>
                                            </span>
                                            {can_change.then(|| view! {
                                                <div class="row-actions">
                                                    <button type="button" class="secondary small" on:click=move |_| {
                                                        let who = role_name_.clone();
                                                        run(Box::pin(async move {
                                                            api::conversations::set_role(session, id, uid, next_role).await?;
                                                            Ok(if next_role == MemberRole::Admin {
                                                                t_string!(i18n, chat.now_admin, name = who).to_string()
                                                            } else {
                                                                t_string!(i18n, chat.now_member, name = who).to_string()
                                                            })
                                                        }));
                                                    }>
                                                        {move || if next_role == MemberRole::Admin {
                                                            t_string!(i18n, chat.make_admin)
                                                        } else {
                                                            t_string!(i18n, chat.remove_admin)
                                                        }}
                                                    </button>
                                                    <button type="button" class="danger small"
                                                        on:click=move |_| removing.set(Some((uid, remove_name.clone())))>{t!(i18n, chat.remove)}</button>
                                                </div>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            {manage.then(|| view! {
                                <h3>{t!(i18n, chat.add_friends)}</h3>
                                {move || {
                                    let list = candidates();
                                    if list.is_empty() {
                                        view! { <p class="empty">{t!(i18n, chat.all_friends_here)}</p> }.into_any()
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
                                            <button type="button" class="secondary" on:click=add>{t!(i18n, chat.add_selected)}</button>
                                        }.into_any()
                                    }
                                }}
                            })}
                            {manage.then(|| view! { <IncomingWebhooksSection id names created=new_webhook/> })}
                            {group.then(|| view! {
                                <button type="button" class="danger leave" on:click=move |_| confirm_leave.set(true)>{t!(i18n, chat.leave_group)}</button>
                            })}
                        }.into_any()
                    }
                })}
            </Transition>
            {move || confirm_leave.get().then(|| {
                let leave = leave.clone();
                let group_title = chat.summary(id).map(|s| s.title).unwrap_or_default();
                view! {
                    <ConfirmDialog title=t_string!(i18n, chat.leave_title, title = group_title).to_string()
                        action=t_string!(i18n, chat.leave_group)
                        confirm=Callback::new(move |()| {
                            confirm_leave.set(false);
                            leave();
                        })
                        cancel=Callback::new(move |()| confirm_leave.set(false))>
                        <p>{t!(i18n, chat.leave_text)}</p>
                    </ConfirmDialog>
                }
            })}
            {move || removing.get().map(|(uid, who)| {
                let name = who.clone();
                view! {
                    <ConfirmDialog title=t_string!(i18n, chat.remove_title, name).to_string() action=t_string!(i18n, chat.remove)
                        confirm=Callback::new(move |()| {
                            removing.set(None);
                            let who = who.clone();
                            run(Box::pin(async move {
                                api::conversations::remove_member(session, id, uid).await?;
                                Ok(t_string!(i18n, chat.removed_member, name = who).to_string())
                            }));
                        })
                        cancel=Callback::new(move |()| removing.set(None))>
                        <p>{t!(i18n, chat.remove_text)}</p>
                    </ConfirmDialog>
                }
            })}
        </aside>
    }
}
