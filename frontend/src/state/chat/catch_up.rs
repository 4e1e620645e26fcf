//! Catching up a conversation after a gap (a missed live event, a reconnect): pages of
//! `events?after_seq=` are fetched and applied until the timeline reaches the newest seq the
//! server announced. One catch-up per conversation runs at a time; overlapping events are skipped.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ConversationId;

use super::Chat;
use crate::api;

impl Chat {
    /// Fetches and applies the events after the last applied one, until it reaches the newest
    /// seq mentioned by the server. Events at or below the applied seq are skipped, so pages
    /// overlapping live frames change nothing.
    pub fn catch_up(&self, id: ConversationId) {
        let mut start = false;
        self.timelines.update(|t| {
            if let Some(timeline) = t.get_mut(&id)
                && !timeline.syncing
            {
                timeline.syncing = true;
                start = true;
            }
        });
        if !start {
            return;
        }
        let chat = *self;
        spawn_local(async move {
            let mut failures = 0u32;
            loop {
                let Some((known, seen)) =
                    chat.timelines.with_untracked(|t| t.get(&id).map(|tl| (tl.known_seq, tl.seen_seq)))
                else {
                    return;
                };
                match api::conversations::events(chat.session, id, known).await {
                    Ok(page) => {
                        failures = 0;
                        chat.remember_users(page.users);
                        let empty = page.items.is_empty();
                        for event in page.items {
                            chat.apply(event, false);
                        }
                        let known_now = chat.timelines.with_untracked(|t| t.get(&id).map(|tl| tl.known_seq));
                        if finished(page.has_more, empty, known_now, seen.max(page.last_seq)) {
                            break;
                        }
                    }
                    Err(_) => {
                        // Offline or the server restarting: the next `ready` starts a new catch-up.
                        failures += 1;
                        if failures > 3 {
                            break;
                        }
                        gloo_timers::future::TimeoutFuture::new(1_000 * failures).await;
                    }
                }
            }
            chat.timelines.update(|t| {
                if let Some(timeline) = t.get_mut(&id) {
                    timeline.syncing = false;
                }
            });
        });
    }
}

/// Whether a catch-up stops after a page: when the log is exhausted (`!has_more`) and the
/// timeline (`known`, `None` once the conversation is gone) reaches everything announced
/// (`target`). An empty last page also ends it, so a stale announcement cannot spin.
fn finished(has_more: bool, empty: bool, known: Option<i64>, target: i64) -> bool {
    let caught_up = known.is_none_or(|k| k >= target);
    !has_more && (caught_up || empty)
}

#[cfg(test)]
mod tests {
    use super::finished;

    #[test]
    fn stops_once_the_last_page_reaches_the_announced_seq() {
        assert!(finished(false, false, Some(7), 7));
        assert!(finished(false, false, Some(8), 7));
    }

    #[test]
    fn goes_on_while_the_server_has_more_pages() {
        assert!(!finished(true, false, Some(7), 7));
        assert!(!finished(true, false, Some(3), 7));
    }

    #[test]
    fn goes_on_when_the_last_page_fell_short_of_the_announced_seq() {
        assert!(!finished(false, false, Some(5), 7));
    }

    #[test]
    fn an_empty_last_page_ends_it_even_short_of_a_stale_announcement() {
        assert!(finished(false, true, Some(5), 7));
    }

    #[test]
    fn a_conversation_gone_meanwhile_ends_it() {
        assert!(finished(false, false, None, 7));
    }
}
