//! The slash commands of each conversation, for the composer's suggestions and for telling an
//! invocation from a message that merely starts with `/`. Fetched when a conversation opens
//! (unless already known), again in the background whenever the user starts typing a command
//! (a bot may have declared new ones since; no event says so), and forgotten when the
//! conversation's members change (a bot that left takes its commands along).

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ConversationId;

use super::Chat;
use crate::api;

impl Chat {
    /// Whether `/name` is one of the known commands of `id`.
    pub fn has_command(&self, id: ConversationId, name: &str) -> bool {
        self.commands.with_untracked(|c| c.get(&id).is_some_and(|list| list.iter().any(|c| c.name == name)))
    }

    /// Fetches the commands of `id` unless they are known.
    pub fn load_commands(&self, id: ConversationId) {
        if !self.commands.with_untracked(|c| c.contains_key(&id)) {
            self.refresh_commands(id);
        }
    }

    /// Fetches the commands of `id`; the known ones stay shown meanwhile, and on failure.
    pub fn refresh_commands(&self, id: ConversationId) {
        let chat = *self;
        spawn_local(async move {
            if let Ok(commands) = api::commands::list(chat.session, id).await {
                chat.remember_users(commands.iter().map(|c| c.bot.clone()));
                chat.commands.update(|c| {
                    c.insert(id, commands);
                });
            }
        });
    }

    /// Drops what is known of `id`'s commands, so the next use fetches them again.
    pub(super) fn forget_commands(&self, id: ConversationId) {
        // Only a change wakes the composer's readers of the list.
        self.commands.maybe_update(|c| c.remove(&id).is_some());
    }
}
