//! Another user's public profile: name, handle, bio, since when they are on Confab, and a
//! button to message them (the server refuses unless you are friends).

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use protocol::UserId;

use super::open_dm;
use crate::api;
use crate::components::avatar::Avatar;
use crate::components::bot_badge::{bot_badge_if, is_bot};
use crate::state::chat::Chat;
use crate::state::session::Session;

/// The profile page at `/users/:id`.
#[component]
pub fn Profile() -> impl IntoView {
    let session = expect_context::<Session>();
    let params = use_params_map();
    let chat = expect_context::<Chat>();
    let navigate = use_navigate();
    let notice = RwSignal::new(None::<String>);
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
            <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
                {move || profile.get().map(|result| match result {
                    Ok(Some(user)) => {
                        let navigate = navigate.clone();
                        let id = user.id;
                        let itself = chat.me() == Some(id);
                        view! {
                        <div class="profile-head">
                            <Avatar name=user.display_name.clone() color=user.avatar_color.clone() photo=user.avatar.clone()/>
                            <div>
                                <h1>{user.display_name.clone()}{bot_badge_if(is_bot(&user))}</h1>
                                <p class="username">"@"{user.username.clone()}</p>
                            </div>
                        </div>
                        <p class="bio">{if user.bio.is_empty() { "No bio yet.".to_owned() } else { user.bio.clone() }}</p>
                        <p class="lede small">{format!("On Confab since {}", user.created_at.format("%B %Y"))}</p>
                        {(!itself).then(|| view! {
                            <button type="button" on:click=move |_| open_dm(session, chat, id, notice, navigate.clone())>"Message"</button>
                        })}
                        {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                    }.into_any()
                    }
                    Ok(None) => view! { <p class="form-error">"This is not a valid profile address."</p> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.message}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
