//! The commands a conversation's log takes, and what an accepted one answers.

use protocol::conversations::{ConversationKind, Event, MemberRole, Message};
use protocol::media::{Attachment, Location, MediaId};
use protocol::{ConversationId, MessageId, UserId};
use std::collections::HashSet;

use uuid::Uuid;

use crate::queries::messages::MessageRow;

/// One send waiting to be stored (body and reply already parsed by the caller).
#[derive(Clone, Debug)]
pub struct NewMessage {
    /// The conversation it is sent to.
    pub conversation: ConversationId,
    /// Its author.
    pub sender: UserId,
    /// The sender's idempotency key: a retry with the same key answers the stored message.
    pub client_msg_id: Uuid,
    /// The text, already checked against the length rules.
    pub body: String,
    /// The message it answers, which must be in the same conversation.
    pub reply_to: Option<MessageId>,
    /// Users it mentions (distinct, at most `MAX_MENTIONS`), who must be members.
    pub mentions: Vec<UserId>,
    /// A copy forwarded from another conversation.
    pub forwarded: bool,
    /// The sender's own unattached uploads (distinct, at most `MAX_ATTACHMENTS`), in order.
    pub attachments: Vec<MediaId>,
    /// A position shared, already checked.
    pub location: Option<Location>,
    /// The name shown instead of the sender's (an incoming webhook's `username`), checked.
    pub display_name: Option<String>,
    /// Posted through an incoming webhook: the sender is the webhook's own account, which is
    /// not a member, and the caller has checked that the webhook belongs to this group.
    pub by_webhook: bool,
}

impl NewMessage {
    /// A plain text message with a fresh idempotency key: no reply, mention, attachment or
    /// location, sent by a member under their own name.
    pub fn text(conversation: ConversationId, sender: UserId, body: impl Into<String>) -> Self {
        Self {
            conversation,
            sender,
            client_msg_id: Uuid::now_v7(),
            body: body.into(),
            reply_to: None,
            mentions: Vec::new(),
            forwarded: false,
            attachments: Vec::new(),
            location: None,
            display_name: None,
            by_webhook: false,
        }
    }
}

/// Who removes a message, which decides what they must be allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deleter {
    /// A member: the author, or a group's owner or admin.
    Member(UserId),
    /// An operator: anywhere, no membership needed; members see it as moderated.
    Operator(UserId),
}

impl Deleter {
    /// The account recorded as having deleted it.
    pub fn user(self) -> UserId {
        match self {
            Self::Member(user) | Self::Operator(user) => user,
        }
    }
}

/// A change to one conversation. Every kind of change goes through the writer as one of these.
#[derive(Clone, Debug)]
pub enum Command {
    /// A new message.
    Send(NewMessage),
    /// The author replaces a message's text.
    Edit {
        /// Where the message is.
        conversation: ConversationId,
        /// Who edits (must be the author).
        editor: UserId,
        /// Which message.
        message: MessageId,
        /// The new text, already checked.
        body: String,
    },
    /// A message becomes a tombstone.
    Delete {
        /// Where the message is.
        conversation: ConversationId,
        /// Who deletes it, and in which capacity.
        by: Deleter,
        /// Which message.
        message: MessageId,
    },
    /// A member adds or takes back a reaction (one per emoji per user per message).
    React {
        /// Where the message is.
        conversation: ConversationId,
        /// Who reacts.
        user: UserId,
        /// Which message.
        message: MessageId,
        /// The emoji, already normalised to its fully qualified form.
        emoji: String,
        /// True to add it, false to take it back.
        add: bool,
    },
    /// A message is pinned or unpinned (by a group's owner or admin, by either member of a DM).
    Pin {
        /// Where the message is.
        conversation: ConversationId,
        /// Who pins.
        actor: UserId,
        /// Which message.
        message: MessageId,
        /// True to pin, false to unpin.
        pinned: bool,
    },
    /// The retention sweep removes expired messages; each removal is a deletion event.
    Expire {
        /// Where the messages are.
        conversation: ConversationId,
        /// Which messages (those already gone are skipped).
        messages: Vec<MessageId>,
    },
    /// A group gets a new title.
    Rename {
        /// Which group.
        conversation: ConversationId,
        /// An owner or admin.
        actor: UserId,
        /// The new title, trimmed and checked.
        title: String,
    },
    /// A group gets a new description.
    Describe {
        /// Which group.
        conversation: ConversationId,
        /// An owner or admin.
        actor: UserId,
        /// The new description, trimmed and checked (empty removes it).
        description: String,
    },
    /// A group's photo is set (one of the actor's picture uploads) or removed.
    SetPhoto {
        /// Which group.
        conversation: ConversationId,
        /// An owner or admin.
        actor: UserId,
        /// The picture, or none to remove it.
        photo: Option<MediaId>,
    },
    /// An owner or admin adds some of their friends to a group.
    AddMembers {
        /// Which group.
        conversation: ConversationId,
        /// An owner or admin.
        actor: UserId,
        /// Who to add (members already in it are skipped).
        users: Vec<UserId>,
    },
    /// A member is removed, or leaves when `target == actor`.
    RemoveMember {
        /// Which group.
        conversation: ConversationId,
        /// Who removes.
        actor: UserId,
        /// Who goes.
        target: UserId,
    },
    /// An admin is made or unmade.
    SetRole {
        /// Which group.
        conversation: ConversationId,
        /// An owner or admin.
        actor: UserId,
        /// Whose role changes.
        target: UserId,
        /// Admin or member (ownership is only inherited).
        role: MemberRole,
    },
    /// A new group of the creator and some of their friends.
    CreateGroup {
        /// The id chosen for it.
        conversation: ConversationId,
        /// Its owner.
        creator: UserId,
        /// Its title, trimmed and checked.
        title: String,
        /// Friends to add.
        members: Vec<UserId>,
    },
    /// The DM between two friends, created unless they have one.
    OpenDm {
        /// The id it gets if it is created now.
        conversation: ConversationId,
        /// Who opens it.
        opener: UserId,
        /// The friend (never the opener).
        peer: UserId,
    },
    /// A member invokes a bot's slash command (the caller found which bot registered it).
    InvokeCommand {
        /// Where.
        conversation: ConversationId,
        /// Who invokes it (must be a member).
        invoker: UserId,
        /// The bot that answers it (must still be a member).
        bot: UserId,
        /// The command's name.
        name: String,
        /// What followed it, already checked.
        args: String,
    },
}

impl Command {
    /// The conversation it changes (for a creation, the id it will have).
    pub fn conversation(&self) -> ConversationId {
        match self {
            Self::Send(send) => send.conversation,
            Self::Edit { conversation, .. }
            | Self::Delete { conversation, .. }
            | Self::React { conversation, .. }
            | Self::Pin { conversation, .. }
            | Self::Expire { conversation, .. }
            | Self::Rename { conversation, .. }
            | Self::Describe { conversation, .. }
            | Self::SetPhoto { conversation, .. }
            | Self::AddMembers { conversation, .. }
            | Self::RemoveMember { conversation, .. }
            | Self::SetRole { conversation, .. }
            | Self::CreateGroup { conversation, .. }
            | Self::OpenDm { conversation, .. }
            | Self::InvokeCommand { conversation, .. } => *conversation,
        }
    }

    /// Adds to `out` the users whose membership the batch must read: the one acting, and those
    /// a send mentions (no allocation per command: every send of a batch passes here).
    pub(super) fn concerned(&self, out: &mut HashSet<Uuid>) {
        match self {
            Self::Send(send) => {
                out.insert(send.sender.0);
                out.extend(send.mentions.iter().map(|u| u.0));
            }
            Self::Edit { editor: user, .. }
            | Self::Delete { by: Deleter::Member(user), .. }
            | Self::React { user, .. }
            | Self::Pin { actor: user, .. }
            | Self::Rename { actor: user, .. }
            | Self::Describe { actor: user, .. }
            | Self::SetPhoto { actor: user, .. }
            | Self::AddMembers { actor: user, .. }
            | Self::RemoveMember { actor: user, .. }
            | Self::SetRole { actor: user, .. } => {
                out.insert(user.0);
            }
            Self::InvokeCommand { invoker, bot, .. } => {
                out.insert(invoker.0);
                out.insert(bot.0);
            }
            Self::Delete { by: Deleter::Operator(_), .. }
            | Self::Expire { .. }
            | Self::CreateGroup { .. }
            | Self::OpenDm { .. } => {}
        }
    }

    /// Whether the command may change the member list, so the batch needs all of it.
    pub(super) fn needs_all_members(&self) -> bool {
        matches!(self, Self::AddMembers { .. } | Self::RemoveMember { .. } | Self::SetRole { .. })
    }

    /// Whether it creates a conversation (which has no row to lock yet).
    pub(super) fn creates(&self) -> bool {
        matches!(self, Self::CreateGroup { .. } | Self::OpenDm { .. })
    }
}

/// What an accepted command answers its caller.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The stored message; `created` is false for a replay of a `client_msg_id` already used.
    Sent {
        /// The message as stored.
        message: Box<MessageRow>,
        /// Its attachments, in order.
        attachments: Vec<Attachment>,
        /// Whether this command stored it.
        created: bool,
    },
    /// The message after an edit, a deletion, a reaction or a pin, with its reactions.
    Message(Box<Message>),
    /// How many messages the retention sweep removed.
    Expired(usize),
    /// An event was appended (a slash command's invocation) at this seq.
    Logged(i64),
    /// The conversation changed (members, roles, title) or was opened.
    Conversation {
        /// Which.
        id: ConversationId,
        /// Its kind.
        kind: ConversationKind,
        /// Whether this command created it.
        created: bool,
    },
}

/// An accepted command: its answer, the events it appended (in seq order), and whose
/// membership it changed, for the bus.
#[derive(Clone, Debug)]
pub struct Applied {
    /// The answer.
    pub outcome: Outcome,
    /// The events appended, in seq order.
    pub events: Vec<Event>,
    /// Users who joined the conversation.
    pub joined: Vec<UserId>,
    /// Users who left it or were removed.
    pub left: Vec<UserId>,
}

impl Applied {
    /// An answer that changed nothing (a replayed send, a second delete).
    pub fn quiet(outcome: Outcome) -> Self {
        Self { outcome, events: Vec::new(), joined: Vec::new(), left: Vec::new() }
    }
}
