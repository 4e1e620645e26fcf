//! Another user's public profile: name, handle, bio, since when they are on Confab, and what
//! can be done from there: a friend can be messaged; anyone else can be asked to be a friend
//! (never offered a "Message" that would fail) or blocked, after a confirmation.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use protocol::UserId;
use protocol::social::SendFriendRequestOutcome;
use protocol::users::PublicUser;

use super::open_dm;
use crate::api;
use crate::components::avatar::Avatar;
use crate::components::bot_badge::{bot_badge_if, is_bot};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::locale::{error_text, t, t_string, td_string, use_i18n};
use crate::state::chat::Chat;
use crate::state::session::Session;
use crate::time;

/// The profile page at `/users/:id`.
#[component]
pub fn Profile() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let params = use_params_map();
    let chat = expect_context::<Chat>();
    let navigate = use_navigate();
    let notice = RwSignal::new(None::<String>);
    // Whose blocking the dialog is asking about.
    let blocking = RwSignal::new(None::<PublicUser>);
    let befriend = move |user: PublicUser| {
        let language = i18n.get_locale_untracked();
        spawn_local(async move {
            let name = &user.display_name;
            let said = match api::social::send_request(session, user.id).await {
                Ok(SendFriendRequestOutcome::Pending { .. }) => {
                    td_string!(language, social.request_sent_notice, name).to_string()
                }
                Ok(SendFriendRequestOutcome::Accepted { .. }) => {
                    td_string!(language, social.befriended_notice, name).to_string()
                }
                Err(e) => error_text(&e, language),
            };
            notice.set(Some(said));
            session.social_changed();
        });
    };
    let block = move |user: PublicUser| {
        let language = i18n.get_locale_untracked();
        spawn_local(async move {
            let said = match api::social::block(session, user.id).await {
                Ok(()) => td_string!(language, social.blocked_notice, name = user.display_name).to_string(),
                Err(e) => error_text(&e, language),
            };
            notice.set(Some(said));
            session.social_changed();
        });
    };
    let profile = LocalResource::new(move || {
        let id = params.with(|p| p.get("id")).and_then(|id| id.parse::<uuid::Uuid>().ok());
        async move {
            match id {
                Some(id) => api::social::user(session, UserId(id)).await.map(Some),
                None => Ok(None),
            }
        }
    });
    view! {
        <section class="card profile">
            <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
                {move || profile.get().map(|result| match result {
                    Ok(Some(user)) => {
                        let navigate = navigate.clone();
                        let id = user.id;
                        let itself = chat.me() == Some(id);
                        let joined = user.created_at.timestamp_millis() as f64;
                        view! {
                        <div class="profile-head">
                            <Avatar name=user.display_name.clone() color=user.avatar_color.clone() photo=user.avatar.clone()/>
                            <div>
                                <h1>{user.display_name.clone()}{bot_badge_if(is_bot(&user))}</h1>
                                <p class="username">"@"{user.username.clone()}</p>
                            </div>
                        </div>
                        <p class="bio">{if user.bio.is_empty() { t!(i18n, social.no_bio).into_any() } else { user.bio.clone().into_any() }}</p>
                        <p class="lede small">{t!(i18n, social.on_confab_since, month = move || time::month_year(joined))}</p>
                        {(!itself).then(|| {
                            let (asked, blocked) = (user.clone(), user.clone());
                            let friend = move || chat.friends.with(|all| all.iter().any(|f| f.user.id == id));
                            view! {
                                <div class="profile-actions">
                                    {move || if friend() {
                                        let navigate = navigate.clone();
                                        view! {
                                            <button type="button" on:click=move |_| open_dm(session, i18n.get_locale_untracked(), chat, id, notice, navigate.clone())>
                                                {t!(i18n, social.message)}
                                            </button>
                                        }.into_any()
                                    } else {
                                        let asked = asked.clone();
                                        view! {
                                            <button type="button" on:click=move |_| befriend(asked.clone())>{t!(i18n, social.add_friend)}</button>
                                        }.into_any()
                                    }}
                                    <button type="button" class="danger" on:click=move |_| blocking.set(Some(blocked.clone()))>{t!(i18n, social.block)}</button>
                                </div>
                            }
                        })}
                        {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                    }.into_any()
                    }
                    Ok(None) => view! { <p class="form-error">{t!(i18n, social.invalid_profile)}</p> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                })}
            </Transition>
            {move || blocking.get().map(|user| {
                let name = user.display_name.clone();
                view! {
                    <ConfirmDialog title=t_string!(i18n, social.block_title, name).to_string() action=t_string!(i18n, social.block)
                        confirm=Callback::new(move |()| {
                            blocking.set(None);
                            block(user.clone());
                        })
                        cancel=Callback::new(move |()| blocking.set(None))>
                        <p>{t!(i18n, social.profile_block_why)}</p>
                    </ConfirmDialog>
                }
            })}
        </section>
    }
}
