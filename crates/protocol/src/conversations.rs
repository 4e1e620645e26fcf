//! Conversations (direct and group), their members, messages, and the per-conversation event
//! log that makes delivery lossless: every change carries a gap-free `seq`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{ConversationId, MessageId, UserId};
use crate::media::{Attachment, Location, MediaId};
use crate::users::PublicUser;

/// Longest message body, in characters (Unicode scalar values).
pub const MAX_BODY_CHARS: usize = 4_000;
/// Longest group title, in characters.
pub const MAX_TITLE_CHARS: usize = 100;
/// Longest group description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Most members a group may have.
pub const MAX_GROUP_MEMBERS: usize = 1_000;
/// Most members added in one request (group creation or `POST .../members`).
pub const MAX_MEMBERS_PER_REQUEST: usize = 200;
/// Largest page of history or events a client may ask for.
pub const MAX_PAGE: u32 = 200;
/// Page size when the client does not say.
pub const DEFAULT_PAGE: u32 = 50;
/// Most users one message may mention.
pub const MAX_MENTIONS: usize = 50;
/// Most pinned messages a conversation may have.
pub const MAX_PINS: usize = 50;
/// Most different emoji one message may carry as reactions.
pub const MAX_REACTION_KINDS: usize = 20;
/// Most conversations one message may be forwarded to at once.
pub const MAX_FORWARD_TARGETS: usize = 10;
/// Most group events (joins, renames, pins) one history page carries.
pub const MAX_PAGE_EVENTS: u32 = 500;

/// Direct (exactly two friends) or group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// A 1:1 conversation between two friends.
    Dm,
    /// A titled conversation with roles.
    Group,
}

/// A member's role in a group (a DM's two members are both `member`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// Created the group or inherited it; everything an admin can do, and promote admins.
    Owner,
    /// Adds and removes members, renames, deletes others' messages.
    Admin,
    /// Reads and writes.
    Member,
}

impl MemberRole {
    /// Whether this role may manage members, rename and moderate.
    pub fn can_manage(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

/// A message as stored. A deleted message stays as a tombstone: `deleted_at` set, `body` empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// Server id, stable across edits.
    pub id: MessageId,
    /// Where it was sent.
    pub conversation_id: ConversationId,
    /// The `seq` of the event that created it: its place in the conversation.
    pub seq: i64,
    /// Author.
    pub sender_id: UserId,
    /// The sender's idempotency key.
    pub client_msg_id: Uuid,
    /// Text, exactly as sent (empty once deleted).
    pub body: String,
    /// The message this one answers, if any.
    pub reply_to: Option<MessageId>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// When its author last edited it.
    pub edited_at: Option<DateTime<Utc>>,
    /// When it was deleted.
    pub deleted_at: Option<DateTime<Utc>>,
    /// True when someone other than its author removed it (a group admin, an operator, or
    /// the retention policy), so clients can say "removed by a moderator" after a reload too.
    #[serde(default)]
    pub moderated: bool,
    /// Users the message mentions (members when it was sent), as the sender's client chose
    /// them; the text itself is not parsed for mentions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<UserId>,
    /// A copy forwarded from another conversation (which it does not name).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forwarded: bool,
    /// Reactions, one entry per emoji in the order each was first used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// Set while the message is pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<Pin>,
    /// Files attached when it was sent (none once it is deleted), in the sender's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// A shared position (none once it is deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The name to show for this message instead of its author's (the `username` an
    /// incoming webhook's caller gave); absent on everyone else's messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// One emoji's reactions to a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reaction {
    /// The emoji, fully qualified (as `emojis::get` spells it).
    pub emoji: String,
    /// Who reacted with it, in the order they did.
    pub user_ids: Vec<UserId>,
}

/// Who pinned a message, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pin {
    /// Who pinned it (the nil id once their account is gone).
    pub by: UserId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A member of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// Their profile.
    pub user: PublicUser,
    /// Their role.
    pub role: MemberRole,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// How far they have read.
    pub read_seq: i64,
}

/// A conversation as the caller's list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationSummary {
    /// Id.
    pub id: ConversationId,
    /// DM or group.
    pub kind: ConversationKind,
    /// The group's title (empty for DMs: show the peer's name).
    pub title: String,
    /// The group's description (empty when it has none).
    #[serde(default)]
    pub description: String,
    /// The group's photo thumbnail (fetch with `?access=`); none: initials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    /// For a DM, the other person.
    pub peer: Option<PublicUser>,
    /// How many members it has.
    pub member_count: i64,
    /// The caller's role.
    pub my_role: MemberRole,
    /// The newest event's seq: fetch `events?after_seq=` up to here.
    pub last_seq: i64,
    /// How far the caller has read.
    pub read_seq: i64,
    /// Messages from others after `read_seq` (deleted ones excluded).
    pub unread: i64,
    /// Those of them that mention the caller (shown even when muted).
    #[serde(default)]
    pub unread_mentions: i64,
    /// The caller's own settings (muted, archived).
    #[serde(default, flatten)]
    pub settings: ConversationSettings,
    /// How far every other member has read (the lowest of their read markers): drives read ticks.
    pub others_read_seq: i64,
    /// The newest message, for the preview.
    pub last_message: Option<Message>,
    /// When anything last happened (for ordering the list).
    pub last_activity_at: DateTime<Utc>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A member's own settings of a conversation, the same on all their devices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationSettings {
    /// No notifications (but for mentions) until then; absent when not muted. Muting "until
    /// unmuted" is a time far ahead.
    #[serde(default)]
    pub muted_until: Option<DateTime<Utc>>,
    /// When it was archived: hidden from the list until a message newer than this arrives.
    #[serde(default)]
    pub archived_at: Option<DateTime<Utc>>,
}

impl ConversationSettings {
    /// Whether notifications are off at `now`.
    pub fn muted_at(&self, now: DateTime<Utc>) -> bool {
        self.muted_until.is_some_and(|until| until > now)
    }
}

/// `PUT /api/v1/conversations/{id}/settings`: mute, unmute, archive, unarchive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateConversationSettings {
    /// Mute until then (in the future), or `null` to unmute.
    pub muted_until: Option<DateTime<Utc>>,
    /// Archive (true) or bring back (false).
    pub archived: bool,
}

/// `GET /api/v1/conversations/{id}/messages/{message_id}/readers`: who has read a message, from
/// the members' read markers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageReaders {
    /// Members whose marker passed the message (its author excluded), most recent first.
    pub read: Vec<Reader>,
    /// Members who have not read it yet.
    pub unread: Vec<PublicUser>,
    /// Those of `unread` whose devices have received it (the rest have not opened an app since
    /// it was sent), most recent first. Absent from servers before delivery markers.
    #[serde(default)]
    pub delivered: Vec<Delivery>,
}

/// A member whose devices have received a message they have not read yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// Who.
    pub user: PublicUser,
    /// When their delivery marker last moved (the message had reached them by then).
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A member who has read a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reader {
    /// Who.
    pub user: PublicUser,
    /// When their marker last moved (they had read the message by then).
    pub read_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/conversations/{id}`: the summary and every member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationDetail {
    /// The caller's view of the conversation.
    pub conversation: ConversationSummary,
    /// Every member, owners first.
    pub members: Vec<Member>,
}

/// `POST /api/v1/conversations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CreateConversation {
    /// Opens (or returns the existing) DM with a friend.
    Dm {
        /// The friend.
        user_id: UserId,
    },
    /// Creates a group with some of the caller's friends.
    Group {
        /// Title, 1 to 100 characters.
        title: String,
        /// Initial members besides the caller (friends of the caller).
        member_ids: Vec<UserId>,
    },
}

/// `PATCH /api/v1/conversations/{id}`: rename a group or change its description (at least one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateConversation {
    /// The new title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The new description (up to 500 characters; empty removes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `POST /api/v1/conversations/{id}/members`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddMembers {
    /// Friends of the caller to add.
    pub user_ids: Vec<UserId>,
}

/// `PUT /api/v1/conversations/{id}/members/{user_id}/role`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetRole {
    /// `admin` or `member` (ownership passes only when the last owner leaves).
    pub role: MemberRole,
}

/// `POST /api/v1/conversations/{id}/messages` (and the `send_message` frame).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessage {
    /// A UUID the client picks; resending with the same one returns the stored message.
    pub client_msg_id: Uuid,
    /// Up to 4,000 characters, not only whitespace; may be empty when it has attachments.
    #[serde(default)]
    pub body: String,
    /// The message this one answers (in the same conversation).
    #[serde(default)]
    pub reply_to: Option<MessageId>,
    /// Members the message mentions (at most 50): they see it highlighted and counted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<UserId>,
    /// The sender's own unattached uploads (at most 10), attached in this order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<MediaId>,
    /// A position to share (the body may then be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl SendMessage {
    /// A plain text message with the given idempotency key.
    pub fn new(client_msg_id: Uuid, body: impl Into<String>) -> Self {
        Self {
            client_msg_id,
            body: body.into(),
            reply_to: None,
            mentions: Vec::new(),
            attachments: Vec::new(),
            location: None,
        }
    }
}

/// `POST /api/v1/conversations/{id}/messages/{message_id}/forward`: copies a message into
/// other conversations of the caller's, marked "forwarded".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForwardMessage {
    /// Where to (1 to 10 conversations the caller belongs to).
    pub conversation_ids: Vec<ConversationId>,
    /// A UUID the client picks: forwarding again with it stores nothing twice.
    pub client_msg_id: Uuid,
}

/// The copies a forward stored, one per target conversation, in the request's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Forwarded {
    /// The stored copies.
    pub items: Vec<Message>,
}

/// `GET /api/v1/conversations/{id}/pins`: the pinned messages, most recently pinned first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinnedMessages {
    /// The pinned messages.
    pub items: Vec<Message>,
    /// Their authors.
    pub users: Vec<PublicUser>,
}

/// `PATCH /api/v1/conversations/{id}/messages/{message_id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditMessage {
    /// The new text (same rules as sending).
    pub body: String,
}

/// `POST /api/v1/conversations/{id}/read`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkRead {
    /// Everything up to and including this seq has been read (clamped to `last_seq`; never moves back).
    pub seq: i64,
}

/// The caller's read marker after `POST .../read`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadMarker {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Who read.
    pub user_id: UserId,
    /// Up to where.
    pub seq: i64,
}

/// A page of history, newest first, with the profiles of the authors it mentions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagePage {
    /// Messages, newest first (tombstones included).
    pub items: Vec<Message>,
    /// Authors of these messages and the people the page's events name (deleted accounts
    /// appear as "Deleted user").
    pub users: Vec<PublicUser>,
    /// Pass as `before_seq` for the next (older) page; absent at the beginning of history.
    pub next_before_seq: Option<i64>,
    /// The conversation's own events between this page's messages (created, members, roles,
    /// renames, pins), oldest first, to show as lines in the history; at most 500.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One change in a conversation. Message events carry the message as it is now, so an edit or
/// a deletion made later is never undone by replaying an older event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The conversation was created (seq 1).
    ConversationCreated {
        /// Creator.
        by: UserId,
        /// Title at creation.
        title: String,
    },
    /// A message was sent.
    MessageCreated {
        /// The message.
        message: Message,
    },
    /// A message was edited.
    MessageEdited {
        /// The message after the edit.
        message: Message,
    },
    /// A message was deleted (a tombstone stays).
    MessageDeleted {
        /// Which.
        message_id: MessageId,
        /// Who deleted it.
        by: UserId,
        /// True when an admin or moderator deleted someone else's message.
        moderated: bool,
    },
    /// Someone joined (added at creation or later).
    MemberAdded {
        /// The new member.
        user: PublicUser,
        /// Their role.
        role: MemberRole,
        /// Who added them.
        by: UserId,
    },
    /// Someone left or was removed.
    MemberRemoved {
        /// Who.
        user_id: UserId,
        /// Who removed them (themselves when they left).
        by: UserId,
    },
    /// A member's role changed (including ownership handed on when the last owner left).
    MemberRoleChanged {
        /// Whose.
        user_id: UserId,
        /// The new role.
        role: MemberRole,
        /// Who changed it.
        by: UserId,
    },
    /// The group was renamed.
    ConversationRenamed {
        /// New title.
        title: String,
        /// Who renamed it.
        by: UserId,
    },
    /// The group's description changed.
    DescriptionChanged {
        /// The new description (empty: removed).
        description: String,
        /// Who changed it.
        by: UserId,
    },
    /// A group's photo was set, replaced or removed.
    PhotoChanged {
        /// The new photo's thumbnail (fetch with `?access=`); none: removed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        photo: Option<String>,
        /// Who changed it.
        by: UserId,
    },
    /// Someone reacted to a message with an emoji.
    ReactionAdded {
        /// Which message.
        message_id: MessageId,
        /// Who.
        user_id: UserId,
        /// The emoji (fully qualified).
        emoji: String,
    },
    /// Someone took their reaction back.
    ReactionRemoved {
        /// Which message.
        message_id: MessageId,
        /// Who.
        user_id: UserId,
        /// The emoji.
        emoji: String,
    },
    /// A message was pinned.
    MessagePinned {
        /// Which.
        message_id: MessageId,
        /// Who pinned it.
        by: UserId,
    },
    /// A message was unpinned (deleting a message unpins it without this event).
    MessageUnpinned {
        /// Which.
        message_id: MessageId,
        /// Who unpinned it.
        by: UserId,
    },
    /// A member invoked a bot's slash command (`/faq shipping`). The bot answers with a message,
    /// or with an ephemeral reply only the invoker sees; others see "Ann used /faq".
    CommandInvoked {
        /// The command's name, without the slash.
        command: String,
        /// What followed it (may be empty).
        args: String,
        /// Who invoked it.
        by: UserId,
        /// The bot that registered it.
        bot_id: UserId,
    },
    /// A kind of change this client does not know, from a newer server. Its seq still counts
    /// (the log has no gap); there is nothing to show. Never sent.
    #[serde(other)]
    Unknown,
}

impl EventKind {
    /// The message a `message_created` or `message_edited` event carries (for reads that fill
    /// in what lives in other tables: reactions, attachments).
    pub fn carried_message_mut(&mut self) -> Option<&mut Message> {
        match self {
            Self::MessageCreated { message } | Self::MessageEdited { message } => Some(message),
            _ => None,
        }
    }

    /// Whether a history page shows it as a line of its own (a change to the conversation
    /// rather than to one message's text or reactions).
    pub fn is_conversation_line(&self) -> bool {
        matches!(
            self,
            Self::ConversationCreated { .. }
                | Self::MemberAdded { .. }
                | Self::MemberRemoved { .. }
                | Self::MemberRoleChanged { .. }
                | Self::ConversationRenamed { .. }
                | Self::DescriptionChanged { .. }
                | Self::PhotoChanged { .. }
                | Self::MessagePinned { .. }
                | Self::CommandInvoked { .. }
        )
    }
}

/// An event in a conversation's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Its position: 1, 2, 3, ... with no gaps.
    pub seq: i64,
    /// When it was committed.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
}

/// `GET /api/v1/conversations/{id}/events?after_seq=`: what a client missed, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventPage {
    /// Events with `seq > after_seq`, in seq order.
    pub items: Vec<Event>,
    /// Authors of the messages in these events.
    pub users: Vec<PublicUser>,
    /// The conversation's newest seq when this page was read.
    pub last_seq: i64,
    /// True when more events follow: ask again with the last seq of this page.
    pub has_more: bool,
}

/// One hit of `GET /api/v1/search?q=`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// The matching message.
    pub message: Message,
    /// Its author.
    pub sender: PublicUser,
}

/// `GET /api/v1/search?q=` results, best first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// Matches in conversations the caller belongs to.
    pub items: Vec<SearchHit>,
}

/// Checks a message body: 1 to [`MAX_BODY_CHARS`] characters, not only whitespace. Shared by
/// server and clients so a composer can refuse what the server would.
pub fn check_body(body: &str) -> Result<(), &'static str> {
    if body.trim().is_empty() {
        return Err("a message cannot be empty");
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err("a message can be at most 4,000 characters");
    }
    // PostgreSQL text cannot hold NUL; refuse it clearly rather than fail on insert.
    if body.contains('\0') {
        return Err("a message cannot contain NUL characters");
    }
    Ok(())
}

/// The fully qualified form of `emoji` if it is one emoji of the Unicode set (skin tones
/// included), so "❤" and "❤️" count as one reaction.
pub fn normalize_emoji(emoji: &str) -> Option<&'static str> {
    emojis::get(emoji).map(emojis::Emoji::as_str)
}

/// Checks a group description: at most [`MAX_DESCRIPTION_CHARS`] characters after trimming.
pub fn check_description(description: &str) -> Result<(), &'static str> {
    if description.trim().chars().count() > MAX_DESCRIPTION_CHARS {
        return Err("a description can be at most 500 characters");
    }
    if description.contains('\0') {
        return Err("a description cannot contain NUL characters");
    }
    Ok(())
}

/// Checks a group title: 1 to [`MAX_TITLE_CHARS`] characters after trimming.
pub fn check_title(title: &str) -> Result<(), &'static str> {
    let trimmed = title.trim();
    if trimmed.is_empty() {
        return Err("a group needs a title");
    }
    if trimmed.chars().count() > MAX_TITLE_CHARS {
        return Err("a title can be at most 100 characters");
    }
    if trimmed.contains('\0') {
        return Err("a title cannot contain NUL characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_checked_by_characters_not_bytes() {
        assert!(check_body(&"é".repeat(MAX_BODY_CHARS)).is_ok());
        assert!(check_body(&"é".repeat(MAX_BODY_CHARS + 1)).is_err());
        assert!(check_body(" \n\t").is_err());
        assert!(check_body("").is_err());
    }

    #[test]
    fn reactions_take_single_emoji_in_one_spelling() {
        assert_eq!(normalize_emoji("\u{2764}"), Some("\u{2764}\u{fe0f}"));
        assert_eq!(normalize_emoji("\u{1f44d}\u{1f3fd}"), Some("\u{1f44d}\u{1f3fd}"));
        assert_eq!(normalize_emoji("lol"), None);
        assert_eq!(normalize_emoji("\u{1f44d}\u{1f44d}"), None);
        assert_eq!(normalize_emoji(""), None);
    }

    #[test]
    fn events_are_tagged_by_type() {
        let kind = EventKind::ConversationRenamed { title: "x".into(), by: UserId(Uuid::nil()) };
        let json = serde_json::to_value(&kind).unwrap();
        assert_eq!(json["type"], "conversation_renamed");
    }
}
