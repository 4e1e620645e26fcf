//! One person (or bot, badged) in a list: avatar, names, and the actions the page passes in.

use leptos::prelude::*;
use protocol::users::PublicUser;

use crate::components::avatar::Avatar;
use crate::components::bot_badge::{bot_badge_if, is_bot};

/// A row for `user` with `children` as its action buttons.
#[component]
pub fn UserRow(user: PublicUser, children: Children) -> impl IntoView {
    view! {
        <li class="user-row" data-username=user.username.clone()>
            <Avatar name=user.display_name.clone() color=user.avatar_color.clone() photo=user.avatar.clone()/>
            <a class="user-names" href=format!("/users/{}", user.id)>
                <span class="name-line">
                    <span class="display-name">{user.display_name.clone()}</span>
                    {bot_badge_if(is_bot(&user))}
                </span>
                <span class="username">"@"{user.username.clone()}</span>
            </a>
            <div class="row-actions">{children()}</div>
        </li>
    }
}
