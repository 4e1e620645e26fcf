//! Mentions in the composer: typing `@` and the start of a member's username or name opens a
//! list of matching members (arrow keys, Enter or Tab to pick, Esc to close) that completes
//! `@username`; when the message is sent, the members whose `@username` it contains are sent as
//! its mentions (the server checks they are members).

use leptos::prelude::*;
use protocol::UserId;
use protocol::users::PublicUser;

use crate::locale::{t_string, use_i18n};

/// Most members the list offers at once.
const SHOWN: usize = 6;

fn is_username_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// The mention being typed before `caret` (a byte offset in `text`): the byte offset of its
/// `@` and what follows it, when the `@` starts a word and only username characters follow.
pub fn mention_query(text: &str, caret: usize) -> Option<(usize, &str)> {
    let before = text.get(..caret)?;
    let at = before.rfind('@')?;
    let query = &before[at + 1..];
    let starts_word = before[..at].chars().next_back().is_none_or(char::is_whitespace);
    (starts_word && query.chars().all(is_username_char) && query.len() <= 32).then_some((at, query))
}

/// Members matching `query` (by the start of their username or of any word of their name),
/// best first: usernames before names, then alphabetically.
pub fn candidates<'a>(members: &'a [PublicUser], query: &str, me: Option<UserId>) -> Vec<&'a PublicUser> {
    let query = query.to_lowercase();
    let mut found: Vec<(bool, &PublicUser)> = members
        .iter()
        .filter(|m| Some(m.id) != me)
        .filter_map(|m| {
            let by_username = m.username.to_lowercase().starts_with(&query);
            let by_name = m.display_name.to_lowercase().split_whitespace().any(|w| w.starts_with(&query));
            (by_username || by_name).then_some((!by_username, m))
        })
        .collect();
    found.sort_by(|a, b| (a.0, &a.1.username).cmp(&(b.0, &b.1.username)));
    found.into_iter().take(SHOWN).map(|(_, m)| m).collect()
}

/// The members `body` mentions: those whose `@username` appears as a whole word.
pub fn mentioned(body: &str, members: &[PublicUser]) -> Vec<UserId> {
    members
        .iter()
        .filter(|m| {
            let needle = format!("@{}", m.username);
            body.match_indices(&needle).any(|(at, _)| {
                let before_ok = body[..at].chars().next_back().is_none_or(|c| !is_username_char(c) && c != '@');
                let after_ok = body[at + needle.len()..].chars().next().is_none_or(|c| !is_username_char(c));
                before_ok && after_ok
            })
        })
        .map(|m| m.id)
        .collect()
}

/// The list of members to mention, shown above the composer while a mention is typed.
#[component]
pub fn MentionPicker(
    /// The members offered, best first.
    #[prop(into)]
    offered: Signal<Vec<PublicUser>>,
    /// Which one the arrow keys point at.
    #[prop(into)]
    selected: Signal<usize>,
    /// Called with the member picked by a click.
    pick: Callback<PublicUser>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let offered = offered.get();
        (!offered.is_empty()).then(|| {
            let items = offered
                .into_iter()
                .enumerate()
                .map(|(i, user)| {
                    let chosen = move || selected.get() == i;
                    let label = format!("{} @{}", user.display_name, user.username);
                    view! {
                        <li role="option" id=format!("mention-{i}") aria-selected=move || chosen().to_string()
                            class="mention-option" class:chosen=chosen data-testid="mention-option"
                            // mousedown, not click: the textarea must keep its focus.
                            on:mousedown=move |ev| { ev.prevent_default(); pick.run(user.clone()); }>
                            {label}
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="mention-picker" id="mention-list" role="listbox" aria-label=move || t_string!(i18n, composer.mention_someone)>{items}</ul> }
        })
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn member(n: u128, username: &str, name: &str) -> PublicUser {
        PublicUser {
            id: UserId(Uuid::from_u128(n)),
            username: username.into(),
            display_name: name.into(),
            bio: String::new(),
            avatar_color: "#000".into(),
            created_at: Default::default(),
            avatar: None,
            kind: Default::default(),
        }
    }

    #[test]
    fn a_mention_is_typed_only_at_the_start_of_a_word() {
        assert_eq!(mention_query("hi @bo", 6), Some((3, "bo")));
        assert_eq!(mention_query("@", 1), Some((0, "")));
        assert_eq!(mention_query("mail me@bo", 10), None, "an address is not a mention");
        assert_eq!(mention_query("hi @bo there", 12), None, "the caret left the mention");
        assert_eq!(mention_query("hi @bo", 2), None);
    }

    #[test]
    fn members_match_by_username_or_any_word_of_their_name() {
        let members = [member(1, "ann", "Ann Lee"), member(2, "bob", "Robert Annan"), member(3, "cy", "Cy")];
        let names = |q: &str| candidates(&members, q, None).iter().map(|m| m.username.clone()).collect::<Vec<_>>();
        assert_eq!(names("an"), ["ann", "bob"], "username matches first");
        assert_eq!(names("AN"), ["ann", "bob"]);
        assert_eq!(names("z"), Vec::<String>::new());
        assert_eq!(candidates(&members, "", Some(UserId(Uuid::from_u128(3)))).len(), 2, "never yourself");
    }

    #[test]
    fn only_whole_usernames_count_as_mentions() {
        let members = [member(1, "ann", "Ann"), member(2, "anna", "Anna"), member(3, "bo.b", "Bob")];
        let ids = |body: &str| mentioned(body, &members).into_iter().map(|u| u.0.as_u128()).collect::<Vec<_>>();
        assert_eq!(ids("@ann, look"), [1]);
        assert_eq!(ids("@anna and @bo.b!"), [2, 3]);
        assert_eq!(ids("mail ann@ann.com or @@ann"), Vec::<u128>::new());
    }
}
