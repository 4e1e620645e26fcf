//! The "BOT" badge beside a bot's name, wherever one is shown (message authors, members,
//! friends and people, the DM header and the conversation list). It is text, not a colour or an
//! icon, so a screen reader says it and it reads the same in both themes.

use leptos::prelude::*;
use protocol::UserId;
use protocol::users::{AccountKind, PublicUser};

use crate::locale::{t, t_string, use_i18n};
use crate::state::chat::Chat;

/// Whether `user` is a bot.
pub fn is_bot(user: &PublicUser) -> bool {
    user.kind == AccountKind::Bot
}

/// Whether the known user `id` is a bot (false while their profile is unknown).
pub fn is_known_bot(chat: &Chat, id: UserId) -> bool {
    chat.users.with(|users| users.get(&id).is_some_and(is_bot))
}

/// The badge. Its title spells out what it means for those who hover it.
#[component]
pub fn BotBadge() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class="bot-badge" title=move || t_string!(i18n, chat.bot_title) data-testid="bot-badge">
            {t!(i18n, chat.bot_badge)}
        </span>
    }
}

/// The badge if `bot`, nothing otherwise: for views that put it after a name.
pub fn bot_badge_if(bot: bool) -> Option<impl IntoView> {
    bot.then(|| view! { <BotBadge/> })
}
