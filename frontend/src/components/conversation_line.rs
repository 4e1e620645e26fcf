//! A change to the conversation itself (created, someone added or removed, a role, a rename, a
//! pin), shown as a centred line between the messages, at both ends and after a reload.

use leptos::prelude::*;
use protocol::UserId;
use protocol::conversations::{Event, EventKind, MemberRole};

use crate::state::chat::Chat;
use crate::time;

/// What the line says; `name` names a user ("You" for the reader).
pub fn describe(kind: &EventKind, name: impl Fn(UserId) -> String) -> String {
    match kind {
        EventKind::ConversationCreated { by, title } if title.is_empty() => {
            format!("{} started the conversation", name(*by))
        }
        EventKind::ConversationCreated { by, title } => format!("{} created the group “{title}”", name(*by)),
        EventKind::MemberAdded { user, by, .. } if user.id == *by => format!("{} joined", name(*by)),
        EventKind::MemberAdded { user, by, .. } => format!("{} added {}", name(*by), name(user.id)),
        EventKind::MemberRemoved { user_id, by } if user_id == by => format!("{} left", name(*by)),
        EventKind::MemberRemoved { user_id, by } => format!("{} removed {}", name(*by), name(*user_id)),
        EventKind::MemberRoleChanged { user_id, role: MemberRole::Owner, .. } => {
            format!("{} is now the group's owner", name(*user_id))
        }
        EventKind::MemberRoleChanged { user_id, role: MemberRole::Admin, by } => {
            format!("{} made {} an admin", name(*by), name(*user_id))
        }
        EventKind::MemberRoleChanged { user_id, role: MemberRole::Member, by } => {
            format!("{} made {} a member", name(*by), name(*user_id))
        }
        EventKind::ConversationRenamed { title, by } => format!("{} renamed the group to “{title}”", name(*by)),
        EventKind::DescriptionChanged { by, description } if description.is_empty() => {
            format!("{} removed the group description", name(*by))
        }
        EventKind::DescriptionChanged { by, .. } => format!("{} changed the group description", name(*by)),
        EventKind::PhotoChanged { by, photo: Some(_) } => format!("{} changed the group photo", name(*by)),
        EventKind::PhotoChanged { by, photo: None } => format!("{} removed the group photo", name(*by)),
        EventKind::MessagePinned { by, .. } => format!("{} pinned a message", name(*by)),
        EventKind::MessageUnpinned { by, .. } => format!("{} unpinned a message", name(*by)),
        EventKind::CommandInvoked { command, args, by, .. } if args.is_empty() => {
            format!("{} used /{command}", name(*by))
        }
        EventKind::CommandInvoked { command, args, by, .. } => format!("{} used /{command} {args}", name(*by)),
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
    let chat = expect_context::<Chat>();
    let me = chat.me();
    // Read as the names come in: a line naming someone who is not a friend shows "Someone"
    // only until the conversation's members are loaded.
    let kind = event.kind.clone();
    let text = move || describe(&kind, |user| if Some(user) == me { "You".to_owned() } else { chat.name_of(user) });
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
            assert_eq!(describe(&kind, name), said);
        }
    }
}
