//! A change to the conversation itself (created, someone added or removed, a role, a rename, a
//! pin), shown as a centred line between the messages, at both ends and after a reload.

use leptos::prelude::*;
use protocol::UserId;
use protocol::conversations::{Event, EventKind, MemberRole};

use crate::locale::{Locale, td_string, use_i18n};
use crate::state::chat::Chat;
use crate::time;

/// What the line says in `language`; `me` is the reader (named "You"), `name` names anyone else.
pub fn describe(kind: &EventKind, me: Option<UserId>, name: impl Fn(UserId) -> String, language: Locale) -> String {
    let mine = |user: &UserId| Some(*user) == me;
    // Someone something was done to: the reader in the object's case ("dich" in German).
    let whom = |user: UserId| if mine(&user) { td_string!(language, chat.you_object).to_owned() } else { name(user) };
    // The reader as the subject takes its own sentence, for the verb's sake.
    macro_rules! line {
        ($by:expr, $key:ident, $you_key:ident $(, $var:ident = $value:expr)*) => {
            if mine($by) {
                td_string!(language, chat.$you_key $(, $var = $value)*).to_string()
            } else {
                td_string!(language, chat.$key, by = name(*$by) $(, $var = $value)*).to_string()
            }
        };
    }
    match kind {
        EventKind::ConversationCreated { by, title } if title.is_empty() => line!(by, line_started, line_started_you),
        EventKind::ConversationCreated { by, title } => {
            line!(by, line_created_group, line_created_group_you, title = title)
        }
        EventKind::MemberAdded { user, by, .. } if user.id == *by => line!(by, line_joined, line_joined_you),
        EventKind::MemberAdded { user, by, .. } => line!(by, line_added, line_added_you, user = whom(user.id)),
        EventKind::MemberRemoved { user_id, by } if user_id == by => line!(by, line_left, line_left_you),
        EventKind::MemberRemoved { user_id, by } => line!(by, line_removed, line_removed_you, user = whom(*user_id)),
        EventKind::MemberRoleChanged { user_id, role: MemberRole::Owner, .. } => {
            if mine(user_id) {
                td_string!(language, chat.line_now_owner_you).to_owned()
            } else {
                td_string!(language, chat.line_now_owner, user = name(*user_id)).to_string()
            }
        }
        EventKind::MemberRoleChanged { user_id, role: MemberRole::Admin, by } => {
            line!(by, line_made_admin, line_made_admin_you, user = whom(*user_id))
        }
        EventKind::MemberRoleChanged { user_id, role: MemberRole::Member, by } => {
            line!(by, line_made_member, line_made_member_you, user = whom(*user_id))
        }
        EventKind::ConversationRenamed { title, by } => line!(by, line_renamed, line_renamed_you, title = title),
        EventKind::DescriptionChanged { by, description } if description.is_empty() => {
            line!(by, line_description_removed, line_description_removed_you)
        }
        EventKind::DescriptionChanged { by, .. } => line!(by, line_description_changed, line_description_changed_you),
        EventKind::PhotoChanged { by, photo: Some(_) } => line!(by, line_photo_changed, line_photo_changed_you),
        EventKind::PhotoChanged { by, photo: None } => line!(by, line_photo_removed, line_photo_removed_you),
        EventKind::MessagePinned { by, .. } => line!(by, line_pinned, line_pinned_you),
        EventKind::MessageUnpinned { by, .. } => line!(by, line_unpinned, line_unpinned_you),
        EventKind::CommandInvoked { command, args, by, .. } if args.is_empty() => {
            line!(by, line_command, line_command_you, command = command)
        }
        EventKind::CommandInvoked { command, args, by, .. } => {
            line!(by, line_command_args, line_command_args_you, command = command, args = args)
        }
        EventKind::MessageCreated { .. }
        | EventKind::MessageEdited { .. }
        | EventKind::MessageDeleted { .. }
        | EventKind::ReactionAdded { .. }
        | EventKind::ReactionRemoved { .. }
        | EventKind::Unknown => String::new(),
    }
}

/// One conversation line.
#[component]
pub fn ConversationLine(event: Event) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let me = chat.me();
    // Read as the names come in: a line naming someone who is not a friend shows "Someone"
    // only until the conversation's members are loaded.
    let kind = event.kind.clone();
    let text = move || describe(&kind, me, |user| chat.name_of(user), i18n.get_locale());
    let at = event.at.timestamp_millis() as f64;
    view! {
        <p class="conversation-line" data-testid="conversation-line" data-seq=event.seq.to_string()>
            <span>{text}</span>
            <time>{time::clock(at)}</time>
        </p>
    }
}

#[cfg(test)]
mod tests {
    use protocol::MessageId;
    use protocol::users::PublicUser;
    use uuid::Uuid;

    use super::*;

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn name(user: UserId) -> String {
        ["?", "Ann", "Bo", "Cy"][user.0.as_u128() as usize].to_owned()
    }

    #[test]
    fn lines_say_who_did_what_to_whom() {
        let bo = PublicUser {
            id: user(2),
            username: "bo".into(),
            display_name: "Bo".into(),
            bio: String::new(),
            avatar_color: "#000".into(),
            created_at: Default::default(),
            avatar: None,
            kind: Default::default(),
        };
        let cases = [
            (EventKind::ConversationCreated { by: user(1), title: "Crew".into() }, "Ann created the group “Crew”"),
            (EventKind::MemberAdded { user: bo, role: MemberRole::Member, by: user(1) }, "Ann added Bo"),
            (EventKind::MemberRemoved { user_id: user(2), by: user(2) }, "Bo left"),
            (EventKind::MemberRemoved { user_id: user(3), by: user(1) }, "Ann removed Cy"),
            (
                EventKind::MemberRoleChanged { user_id: user(3), role: MemberRole::Owner, by: user(1) },
                "Cy is now the group's owner",
            ),
            (
                EventKind::ConversationRenamed { title: "Crew 2".into(), by: user(2) },
                "Bo renamed the group to “Crew 2”",
            ),
        ];
        for (kind, said) in cases {
            assert_eq!(describe(&kind, None, name, Locale::en), said);
        }
    }

    #[test]
    fn the_reader_is_you_and_german_says_it_in_its_own_words() {
        let cases = [
            (EventKind::MemberRemoved { user_id: user(1), by: user(1) }, "You left", "Du hast die Gruppe verlassen"),
            (EventKind::MemberRemoved { user_id: user(1), by: user(2) }, "Bo removed You", "Bo hat dich entfernt"),
            (
                EventKind::ConversationRenamed { title: "Crew".into(), by: user(2) },
                "Bo renamed the group to “Crew”",
                "Bo hat die Gruppe in „Crew“ umbenannt",
            ),
            (
                EventKind::MessagePinned { message_id: MessageId(Uuid::from_u128(9)), by: user(1) },
                "You pinned a message",
                "Du hast eine Nachricht angeheftet",
            ),
        ];
        for (kind, english, german) in cases {
            assert_eq!(describe(&kind, Some(user(1)), name, Locale::en), english);
            assert_eq!(describe(&kind, Some(user(1)), name, Locale::de), german);
        }
    }
}
