//! The browser tab's title carries the unread total ("(3) Confab"), so a user in another tab
//! or window sees at a glance that messages wait, as mail and chat apps do.

use leptos::prelude::*;

use super::Chat;

/// The application's name, the whole title when nothing is unread (as in `index.html`).
const APP_NAME: &str = "Confab";

/// The tab's title for `unread` unread messages.
pub fn title(unread: i64) -> String {
    if unread > 0 { format!("({unread}) {APP_NAME}") } else { APP_NAME.to_owned() }
}

impl Chat {
    /// Keeps the tab's title in step with the unread total for as long as the app runs.
    pub fn show_unread_in_tab_title(&self) {
        let chat = *self;
        Effect::new(move |_| {
            let title = title(chat.total_unread());
            if let Some(document) = web_sys::window().and_then(|w| w.document()) {
                document.set_title(&title);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_counts_unread_messages_and_is_plain_at_zero() {
        assert_eq!(title(3), "(3) Confab");
        assert_eq!(title(40), "(40) Confab");
        assert_eq!(title(0), "Confab");
    }
}
