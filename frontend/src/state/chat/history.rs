//! Loading a conversation's history through REST: the newest page when it is first opened,
//! older pages as the user scrolls up. Events, live or caught up, only bring what follows a
//! timeline's known seq; what came before is fetched here, on demand.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ConversationId;

use super::{Chat, History, reducer};
use crate::api;

impl Chat {
    /// Loads the newest page of a conversation if nothing is loaded yet.
    pub fn load_latest(&self, id: ConversationId) {
        let needed = self.timelines.with_untracked(|t| t.get(&id).is_some_and(|tl| tl.history == History::NotLoaded));
        if needed {
            self.load_page(id, None);
        }
    }

    /// Loads the page before the oldest loaded message, if there is one.
    pub fn load_older(&self, id: ConversationId) {
        let before = self.timelines.with_untracked(|t| match t.get(&id) {
            Some(tl) if !tl.loading_older => match tl.history {
                History::Partial(before) => Some(before),
                _ => None,
            },
            _ => None,
        });
        if let Some(before) = before {
            self.load_page(id, Some(before));
        }
    }

    fn load_page(&self, id: ConversationId, before: Option<i64>) {
        self.timelines.update(|t| {
            if let Some(tl) = t.get_mut(&id) {
                tl.loading_older = true;
            }
        });
        let chat = *self;
        spawn_local(async move {
            let page = api::conversations::messages(chat.session, id, before).await.ok();
            if let Some(page) = &page {
                chat.remember_users(page.users.iter().cloned());
            }
            chat.timelines.update(|t| reducer::history_page(t, id, before, page));
        });
    }
}
