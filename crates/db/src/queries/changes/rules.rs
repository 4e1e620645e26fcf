//! The rules of every conversation change, applied in order to an in-memory draft of the
//! batch's locked conversations: each command is judged against the draft as the commands
//! before it left it, takes the next seqs, and records its rows and events. Pure (no I/O),
//! so the rules are unit-tested here and the batch's writes are derived from the draft.
//!
//! A command is checked completely before it changes the draft, so a refused one leaves no
//! trace and the commands after it are judged as if it had never come.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use protocol::conversations::{
    ConversationKind, Event, EventKind, MAX_GROUP_MEMBERS, MAX_PINS, MAX_REACTION_KINDS, MemberRole, Message, Reaction,
};
use protocol::media::{Attachment, MediaId, MediaKind};
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

use super::command::{Applied, Command, Deleter, NewMessage, Outcome};
use super::facts::{Facts, Locked, Membership, pair};
use crate::models::User;
use crate::queries::conversations::{Refusal, dm_key};
use crate::queries::media::MediaRow;
use crate::queries::messages::MessageRow;

/// A conversation as the batch has left it so far.
#[derive(Debug)]
struct Working {
    now: Locked,
    /// As read under the lock; `None` for one this batch creates.
    before: Option<Locked>,
    dm_key: Option<String>,
    created_by: Option<UserId>,
}

/// An event to store: `message_id` for message events (read back joined to the message),
/// `payload` for the others.
#[derive(Debug)]
pub(super) struct EventRow {
    pub conversation: ConversationId,
    pub seq: i64,
    pub kind: &'static str,
    pub message_id: Option<Uuid>,
    pub payload: serde_json::Value,
}

/// A conversation this batch creates.
#[derive(Debug)]
pub(super) struct NewConversation {
    pub id: ConversationId,
    pub kind: ConversationKind,
    pub title: String,
    pub dm_key: Option<String>,
    pub created_by: UserId,
    pub last_seq: i64,
}

/// Everything the batch writes, derived from the draft once every command is applied.
#[derive(Debug)]
pub(super) struct Changes {
    /// The batch's time, which every row and event it writes carries.
    pub at: DateTime<Utc>,
    pub created: Vec<NewConversation>,
    /// Existing conversations whose seq or title moved: `(id, last_seq, title)`.
    pub moved: Vec<(ConversationId, i64, String)>,
    /// New memberships: `(conversation, user, role, joined_at)`.
    pub joined: Vec<(ConversationId, UserId, MemberRole, DateTime<Utc>)>,
    pub parted: Vec<(ConversationId, UserId)>,
    pub roles: Vec<(ConversationId, UserId, MemberRole)>,
    /// New messages in their final state.
    pub stored: Vec<MessageRow>,
    /// Existing messages edited or deleted, in their final state.
    pub changed: Vec<MessageRow>,
    /// New descriptions of existing conversations.
    pub described: Vec<(ConversationId, String)>,
    /// New photos of existing conversations (none: removed).
    pub photos: Vec<(ConversationId, Option<MediaId>)>,
    /// Messages removed by retention.
    pub expired: Vec<MessageId>,
    /// Reactions to add and to remove: `(message, emoji, user)`.
    pub reactions_added: Vec<(MessageId, String, UserId)>,
    pub reactions_removed: Vec<(MessageId, String, UserId)>,
    /// Uploads attached to new messages: `(upload, message, position)`.
    pub attached: Vec<(MediaId, MessageId, i16)>,
    /// Stored messages deleted, whose attachments go (their blobs are left to the janitor).
    pub detached: Vec<MessageId>,
    pub events: Vec<EventRow>,
}

/// The batch's working state.
pub(super) struct Draft {
    at: DateTime<Utc>,
    conversations: HashMap<ConversationId, Working>,
    messages: HashMap<MessageId, MessageRow>,
    /// Reactions of the messages whose reactions the batch reads or changes, as it left them,
    /// and as they were read.
    reactions: HashMap<MessageId, Vec<Reaction>>,
    reactions_before: HashMap<MessageId, Vec<Reaction>>,
    pins: HashMap<ConversationId, usize>,
    /// Attachments of the messages the batch shows or sends, as it left them.
    attachments: HashMap<MessageId, Vec<Attachment>>,
    /// Uploads the batch's sends name, as read under their locks.
    uploads: HashMap<MediaId, MediaRow>,
    attached: Vec<(MediaId, MessageId, i16)>,
    detached: Vec<MessageId>,
    /// Photos set or removed by the batch, the last one per conversation.
    photos: HashMap<ConversationId, Option<MediaId>>,
    /// Descriptions set by the batch, the last one per conversation.
    described: HashMap<ConversationId, String>,
    friends: HashSet<(UserId, UserId)>,
    profiles: HashMap<UserId, User>,
    dms: HashMap<String, ConversationId>,
    created_messages: Vec<MessageId>,
    changed_messages: Vec<MessageId>,
    expired: Vec<MessageId>,
    events: Vec<EventRow>,
}

impl Draft {
    /// A draft of the locked conversations, before any command.
    pub(super) fn new(facts: Facts) -> Self {
        let conversations = (facts.conversations.into_iter())
            .map(|(id, locked)| {
                (id, Working { before: Some(locked.clone()), now: locked, dm_key: None, created_by: None })
            })
            .collect();
        Self {
            at: facts.at,
            conversations,
            messages: facts.messages,
            reactions_before: facts.reactions.clone(),
            reactions: facts.reactions,
            pins: facts.pins,
            attachments: facts.attachments,
            uploads: facts.uploads,
            attached: Vec::new(),
            detached: Vec::new(),
            described: HashMap::new(),
            photos: HashMap::new(),
            friends: facts.friends,
            profiles: facts.profiles,
            dms: facts.dms,
            created_messages: Vec::new(),
            changed_messages: Vec::new(),
            expired: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Judges `command` against the draft and, if accepted, applies it.
    pub(super) fn apply(&mut self, command: &Command) -> Result<Applied, Refusal> {
        match command {
            Command::Send(send) => self.send(send),
            Command::Edit { conversation, editor, message, body } => self.edit(*conversation, *editor, *message, body),
            Command::Delete { conversation, by, message } => self.delete(*conversation, *by, *message),
            Command::React { conversation, user, message, emoji, add } => {
                self.react(*conversation, *user, *message, emoji, *add)
            }
            Command::Pin { conversation, actor, message, pinned } => self.pin(*conversation, *actor, *message, *pinned),
            Command::Expire { conversation, messages } => self.expire(*conversation, messages),
            Command::Rename { conversation, actor, title } => self.rename(*conversation, *actor, title),
            Command::Describe { conversation, actor, description } => self.describe(*conversation, *actor, description),
            Command::SetPhoto { conversation, actor, photo } => self.set_photo(*conversation, *actor, *photo),
            Command::AddMembers { conversation, actor, users } => self.add_members(*conversation, *actor, users),
            Command::RemoveMember { conversation, actor, target } => self.remove_member(*conversation, *actor, *target),
            Command::SetRole { conversation, actor, target, role } => {
                self.set_role(*conversation, *actor, *target, *role)
            }
            Command::CreateGroup { conversation, creator, title, members } => {
                self.create_group(*conversation, *creator, title, members)
            }
            Command::OpenDm { conversation, opener, peer } => self.open_dm(*conversation, *opener, *peer),
            Command::InvokeCommand { conversation, invoker, bot, name, args } => {
                self.invoke(*conversation, *invoker, *bot, name, args)
            }
        }
    }

    /// The conversation as `user` sees it; absent unless they are a member, so a stranger
    /// cannot tell a conversation they are not in from one that does not exist.
    fn as_member(&self, conversation: ConversationId, user: UserId) -> Result<(&Locked, Membership), Refusal> {
        let found = self.conversations.get(&conversation).ok_or(Refusal::NotFound("conversation"))?;
        let me = found.now.members.get(&user).copied().ok_or(Refusal::NotFound("conversation"))?;
        Ok((&found.now, me))
    }

    /// Checks `actor` may manage the group: a member, of a group, an owner or admin.
    fn as_manager(&self, conversation: ConversationId, actor: UserId) -> Result<(&Locked, Membership), Refusal> {
        let (found, me) = self.as_member(conversation, actor)?;
        if found.kind != ConversationKind::Group {
            return Err(Refusal::Unprocessable("direct conversations have no members to manage".into()));
        }
        if !me.role.can_manage() {
            return Err(Refusal::Forbidden("only the group's owners and admins can do this"));
        }
        Ok((found, me))
    }

    /// A message of `conversation` as it stands in the draft.
    fn message_in(&self, conversation: ConversationId, message: MessageId) -> Result<&MessageRow, Refusal> {
        self.messages.get(&message).filter(|m| m.conversation_id == conversation).ok_or(Refusal::NotFound("message"))
    }

    /// The seq the next event of `conversation` takes (the conversation is in the draft).
    fn next_seq(&self, conversation: ConversationId) -> i64 {
        self.conversations.get(&conversation).map_or(1, |c| c.now.last_seq + 1)
    }

    /// Appends an event at the conversation's next seq.
    fn push_event(&mut self, conversation: ConversationId, kind: EventKind) -> Event {
        let seq = self.next_seq(conversation);
        if let Some(found) = self.conversations.get_mut(&conversation) {
            found.now.last_seq = seq;
        }
        let (name, message_id, payload) = stored_form(&kind);
        self.events.push(EventRow { conversation, seq, kind: name, message_id, payload });
        Event { conversation_id: conversation, seq, at: self.at, kind }
    }

    fn members(&self, conversation: ConversationId) -> Option<&HashMap<UserId, Membership>> {
        self.conversations.get(&conversation).map(|c| &c.now.members)
    }

    fn members_mut(&mut self, conversation: ConversationId) -> Option<&mut HashMap<UserId, Membership>> {
        self.conversations.get_mut(&conversation).map(|c| &mut c.now.members)
    }

    fn send(&mut self, send: &NewMessage) -> Result<Applied, Refusal> {
        let found = if send.by_webhook {
            // The webhook's account is no member; the group need only exist (see NewMessage).
            let group = self.conversations.get(&send.conversation).map(|c| &c.now);
            group.filter(|c| c.kind == ConversationKind::Group).ok_or(Refusal::NotFound("conversation"))?
        } else {
            self.as_member(send.conversation, send.sender)?.0
        };
        if found.kind == ConversationKind::Dm {
            let peer = found.members.keys().find(|u| **u != send.sender);
            if !peer.is_some_and(|peer| self.friends.contains(&pair(send.sender, *peer))) {
                return Err(Refusal::Forbidden("you can only message your friends"));
            }
        }
        if let Some(reply_to) = send.reply_to
            && self.message_in(send.conversation, reply_to).is_err()
        {
            return Err(Refusal::UnprocessableField("reply_to", "no such message in this conversation".into()));
        }
        if send.mentions.iter().any(|user| !found.members.contains_key(user)) {
            return Err(Refusal::UnprocessableField(
                "mentions",
                "you can only mention members of this conversation".into(),
            ));
        }
        let attachments = self.attachable(send)?;
        let message = MessageRow {
            id: MessageId(Uuid::now_v7()),
            conversation_id: send.conversation,
            seq: self.next_seq(send.conversation),
            sender_id: send.sender,
            client_msg_id: send.client_msg_id,
            body: send.body.clone(),
            reply_to: send.reply_to.map(|m| m.0),
            created_at: self.at,
            edited_at: None,
            deleted_at: None,
            deleted_by: None,
            mentions: send.mentions.iter().map(|u| u.0).collect(),
            forwarded: send.forwarded,
            pinned_at: None,
            pinned_by: None,
            location_latitude: send.location.map(|l| l.latitude),
            location_longitude: send.location.map(|l| l.longitude),
            location_accuracy_m: send.location.and_then(|l| l.accuracy_m).and_then(|a| i32::try_from(a).ok()),
            display_name: send.display_name.clone(),
        };
        let id = message.id;
        for (position, attachment) in (0_i16..).zip(&attachments) {
            self.attached.push((attachment.id, id, position));
        }
        let mut view = message.to_protocol();
        view.attachments = attachments.clone();
        let event = self.push_event(send.conversation, EventKind::MessageCreated { message: view });
        self.created_messages.push(id);
        self.attachments.insert(id, attachments.clone());
        self.messages.insert(id, message.clone());
        Ok(Applied {
            events: vec![event],
            ..Applied::quiet(Outcome::Sent { message: Box::new(message), attachments, created: true })
        })
    }

    /// The uploads a send attaches: each must be the sender's own and not attached yet (by an
    /// earlier message or command of this batch). Another's upload is answered as missing.
    fn attachable(&self, send: &NewMessage) -> Result<Vec<Attachment>, Refusal> {
        send.attachments
            .iter()
            .map(|id| {
                let upload =
                    self.uploads.get(id).filter(|u| u.uploader_id == send.sender).ok_or_else(|| {
                        Refusal::UnprocessableField("attachments", format!("no upload {id} of yours"))
                    })?;
                if upload.message_id.is_some() || self.attached.iter().any(|(taken, ..)| taken == id) {
                    return Err(Refusal::UnprocessableField(
                        "attachments",
                        format!("upload {id} is already attached to a message"),
                    ));
                }
                Ok(upload.to_attachment())
            })
            .collect()
    }

    fn edit(
        &mut self,
        conversation: ConversationId,
        editor: UserId,
        message: MessageId,
        body: &str,
    ) -> Result<Applied, Refusal> {
        self.as_member(conversation, editor)?;
        let found = self.message_in(conversation, message)?;
        if found.sender_id != editor {
            return Err(Refusal::Forbidden("only its author can edit a message"));
        }
        if found.deleted_at.is_some() {
            return Err(Refusal::Unprocessable("this message was deleted".into()));
        }
        let edited = MessageRow { body: body.to_owned(), edited_at: Some(self.at), ..found.clone() };
        let view = self.view(&edited);
        let event = self.push_event(conversation, EventKind::MessageEdited { message: view.clone() });
        self.replace(edited);
        Ok(Applied { events: vec![event], ..Applied::quiet(Outcome::Message(Box::new(view))) })
    }

    fn delete(&mut self, conversation: ConversationId, by: Deleter, message: MessageId) -> Result<Applied, Refusal> {
        let (kind, role) = match by {
            Deleter::Member(user) => {
                let (found, me) = self.as_member(conversation, user)?;
                (found.kind, Some(me.role))
            }
            Deleter::Operator(_) => {
                let found = self.conversations.get(&conversation).ok_or(Refusal::NotFound("conversation"))?;
                (found.now.kind, None)
            }
        };
        let found = self.message_in(conversation, message)?;
        let actor = by.user();
        if let Some(role) = role {
            let allowed = found.sender_id == actor || (kind == ConversationKind::Group && role.can_manage());
            if !allowed {
                return Err(Refusal::Forbidden("you can only delete your own messages"));
            }
        }
        if found.deleted_at.is_some() {
            // Deleting twice changes nothing and appends nothing.
            return Ok(Applied::quiet(Outcome::Message(Box::new(found.to_protocol()))));
        }
        // A tombstone keeps no text, no reactions and no pin.
        let deleted = MessageRow {
            body: String::new(),
            deleted_at: Some(self.at),
            deleted_by: Some(actor.0),
            pinned_at: None,
            pinned_by: None,
            location_latitude: None,
            location_longitude: None,
            location_accuracy_m: None,
            ..found.clone()
        };
        if found.pinned_at.is_some() {
            self.count_pin(conversation, false);
        }
        self.reactions.insert(message, Vec::new());
        self.drop_attachments(message);
        let moderated = deleted.sender_id != actor;
        let event =
            self.push_event(conversation, EventKind::MessageDeleted { message_id: message, by: actor, moderated });
        let view = deleted.to_protocol();
        self.replace(deleted);
        Ok(Applied { events: vec![event], ..Applied::quiet(Outcome::Message(Box::new(view))) })
    }

    /// A message as clients see it: with its reactions and attachments as the draft has them.
    fn view(&self, row: &MessageRow) -> Message {
        let mut message = row.to_protocol();
        message.reactions = self.reactions.get(&message.id).cloned().unwrap_or_default();
        message.attachments = self.attachments.get(&message.id).cloned().unwrap_or_default();
        message
    }

    /// A deleted message keeps no attachments: those of a message sent in this batch are
    /// never attached, those stored before are removed.
    fn drop_attachments(&mut self, message: MessageId) {
        let had = self.attachments.insert(message, Vec::new()).is_some_and(|a| !a.is_empty());
        if self.created_messages.contains(&message) {
            self.attached.retain(|(_, m, _)| *m != message);
        } else if had && !self.detached.contains(&message) {
            self.detached.push(message);
        }
    }

    /// Keeps the conversation's pin count as the batch changes it.
    fn count_pin(&mut self, conversation: ConversationId, pinned: bool) {
        let count = self.pins.entry(conversation).or_default();
        *count = if pinned { *count + 1 } else { count.saturating_sub(1) };
    }

    fn react(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        message: MessageId,
        emoji: &str,
        add: bool,
    ) -> Result<Applied, Refusal> {
        self.as_member(conversation, user)?;
        let found = self.message_in(conversation, message)?;
        if found.deleted_at.is_some() {
            return Err(Refusal::Unprocessable("this message was deleted".into()));
        }
        let reactions = self.reactions.get(&message).map(Vec::as_slice).unwrap_or_default();
        let same = reactions.iter().find(|r| r.emoji == emoji);
        let has = same.is_some_and(|r| r.user_ids.contains(&user));
        if has == add {
            // Adding twice, or taking back what is not there, changes nothing.
            let view = self.view(found);
            return Ok(Applied::quiet(Outcome::Message(Box::new(view))));
        }
        if add && same.is_none() && reactions.len() >= MAX_REACTION_KINDS {
            return Err(Refusal::UnprocessableField(
                "emoji",
                format!("a message can have at most {MAX_REACTION_KINDS} different reactions"),
            ));
        }
        let reactions = self.reactions.entry(message).or_default();
        if add {
            match reactions.iter_mut().find(|r| r.emoji == emoji) {
                Some(reaction) => reaction.user_ids.push(user),
                None => reactions.push(Reaction { emoji: emoji.to_owned(), user_ids: vec![user] }),
            }
        } else {
            if let Some(reaction) = reactions.iter_mut().find(|r| r.emoji == emoji) {
                reaction.user_ids.retain(|u| *u != user);
            }
            reactions.retain(|r| !r.user_ids.is_empty());
        }
        let (message_id, user_id, emoji) = (message, user, emoji.to_owned());
        let kind = if add {
            EventKind::ReactionAdded { message_id, user_id, emoji }
        } else {
            EventKind::ReactionRemoved { message_id, user_id, emoji }
        };
        let event = self.push_event(conversation, kind);
        let view = self.messages.get(&message).map(|row| self.view(row));
        let outcome = Outcome::Message(Box::new(view.ok_or(Refusal::NotFound("message"))?));
        Ok(Applied { events: vec![event], ..Applied::quiet(outcome) })
    }

    fn pin(
        &mut self,
        conversation: ConversationId,
        actor: UserId,
        message: MessageId,
        pinned: bool,
    ) -> Result<Applied, Refusal> {
        let (found, me) = self.as_member(conversation, actor)?;
        if found.kind == ConversationKind::Group && !me.role.can_manage() {
            return Err(Refusal::Forbidden("only the group's owners and admins can pin messages"));
        }
        let found = self.message_in(conversation, message)?;
        if found.deleted_at.is_some() {
            return Err(Refusal::Unprocessable("this message was deleted".into()));
        }
        if found.pinned_at.is_some() == pinned {
            let view = self.view(found);
            return Ok(Applied::quiet(Outcome::Message(Box::new(view))));
        }
        if pinned && self.pins.get(&conversation).copied().unwrap_or_default() >= MAX_PINS {
            return Err(Refusal::Unprocessable(format!("a conversation can have at most {MAX_PINS} pinned messages")));
        }
        let changed = if pinned {
            MessageRow { pinned_at: Some(self.at), pinned_by: Some(actor.0), ..found.clone() }
        } else {
            MessageRow { pinned_at: None, pinned_by: None, ..found.clone() }
        };
        self.count_pin(conversation, pinned);
        let kind = if pinned {
            EventKind::MessagePinned { message_id: message, by: actor }
        } else {
            EventKind::MessageUnpinned { message_id: message, by: actor }
        };
        let event = self.push_event(conversation, kind);
        let view = self.view(&changed);
        self.replace(changed);
        Ok(Applied { events: vec![event], ..Applied::quiet(Outcome::Message(Box::new(view))) })
    }

    /// Records a message's new state (an edit or deletion of a stored or a new message).
    fn replace(&mut self, message: MessageRow) {
        let id = message.id;
        if !self.created_messages.contains(&id) && !self.changed_messages.contains(&id) {
            self.changed_messages.push(id);
        }
        self.messages.insert(id, message);
    }

    fn expire(&mut self, conversation: ConversationId, messages: &[MessageId]) -> Result<Applied, Refusal> {
        if !self.conversations.contains_key(&conversation) {
            return Err(Refusal::NotFound("conversation"));
        }
        let mut events = Vec::new();
        for message in messages {
            if self.message_in(conversation, *message).is_err() {
                continue;
            }
            // By the nil "system" user: no account removed it.
            let kind = EventKind::MessageDeleted { message_id: *message, by: UserId(Uuid::nil()), moderated: true };
            events.push(self.push_event(conversation, kind));
            self.messages.remove(message);
            // Its reaction and attachment rows go with it (ON DELETE CASCADE): nothing to diff.
            self.reactions.remove(message);
            self.attached.retain(|(_, m, _)| m != message);
            self.reactions_before.remove(message);
            self.created_messages.retain(|m| m != message);
            self.changed_messages.retain(|m| m != message);
            self.expired.push(*message);
        }
        Ok(Applied::quiet(Outcome::Expired(events.len())).with_events(events))
    }

    fn rename(&mut self, conversation: ConversationId, actor: UserId, title: &str) -> Result<Applied, Refusal> {
        let (found, _) = self.as_manager(conversation, actor)?;
        let kind = found.kind;
        if let Some(found) = self.conversations.get_mut(&conversation) {
            found.now.title = title.to_owned();
        }
        let event =
            self.push_event(conversation, EventKind::ConversationRenamed { title: title.to_owned(), by: actor });
        Ok(changed(conversation, kind, false).with_events(vec![event]))
    }

    fn describe(&mut self, conversation: ConversationId, actor: UserId, description: &str) -> Result<Applied, Refusal> {
        let (found, _) = self.as_manager(conversation, actor)?;
        let kind = found.kind;
        self.described.insert(conversation, description.to_owned());
        let event = self
            .push_event(conversation, EventKind::DescriptionChanged { description: description.to_owned(), by: actor });
        Ok(changed(conversation, kind, false).with_events(vec![event]))
    }

    fn set_photo(
        &mut self,
        conversation: ConversationId,
        actor: UserId,
        photo: Option<MediaId>,
    ) -> Result<Applied, Refusal> {
        let (found, _) = self.as_manager(conversation, actor)?;
        let kind = found.kind;
        if let Some(id) = photo {
            let usable = self
                .uploads
                .get(&id)
                .is_some_and(|u| u.uploader_id == actor && u.kind == MediaKind::Image.name() && u.message_id.is_none());
            if !usable || self.attached.iter().any(|(taken, ..)| *taken == id) {
                return Err(Refusal::UnprocessableField("media_id", "not a picture you uploaded".into()));
            }
        }
        self.photos.insert(conversation, photo);
        let url = photo.map(Attachment::thumbnail_url_of);
        let event = self.push_event(conversation, EventKind::PhotoChanged { photo: url, by: actor });
        Ok(changed(conversation, kind, false).with_events(vec![event]))
    }

    fn add_members(
        &mut self,
        conversation: ConversationId,
        actor: UserId,
        users: &[UserId],
    ) -> Result<Applied, Refusal> {
        let (found, _) = self.as_manager(conversation, actor)?;
        let mut wanted: Vec<UserId> = users.iter().copied().filter(|u| !found.members.contains_key(u)).collect();
        wanted.sort_unstable();
        wanted.dedup();
        if found.members.len() + wanted.len() > MAX_GROUP_MEMBERS {
            return Err(Refusal::Unprocessable("a group can have at most 1,000 members".into()));
        }
        let kind = found.kind;
        // A friend has a profile; one without (an account gone meanwhile) counts as a stranger.
        let strangers = wanted
            .iter()
            .filter(|u| !self.friends.contains(&pair(actor, **u)) || !self.profiles.contains_key(u))
            .count();
        if strangers > 0 {
            return Err(Refusal::UnprocessableField(
                "user_ids",
                format!("you can only add your friends ({strangers} are not)"),
            ));
        }
        let mut events = Vec::with_capacity(wanted.len());
        for user in &wanted {
            let membership = Membership { role: MemberRole::Member, joined_at: self.at };
            if let Some(members) = self.members_mut(conversation) {
                members.insert(*user, membership);
            }
            let Some(profile) = self.profiles.get(user).map(User::to_public) else { continue };
            let kind = EventKind::MemberAdded { user: profile, role: MemberRole::Member, by: actor };
            events.push(self.push_event(conversation, kind));
        }
        Ok(Applied { joined: wanted, ..changed(conversation, kind, false) }.with_events(events))
    }

    fn remove_member(
        &mut self,
        conversation: ConversationId,
        actor: UserId,
        target: UserId,
    ) -> Result<Applied, Refusal> {
        let (found, me) = self.as_member(conversation, actor)?;
        if found.kind != ConversationKind::Group {
            return Err(Refusal::Unprocessable("you cannot leave a direct conversation".into()));
        }
        let them = found.members.get(&target).copied().ok_or(Refusal::NotFound("member"))?;
        if actor != target {
            let allowed = matches!(
                (me.role, them.role),
                (MemberRole::Owner, MemberRole::Admin | MemberRole::Member) | (MemberRole::Admin, MemberRole::Member)
            );
            if !allowed {
                return Err(Refusal::Forbidden("you cannot remove this member"));
            }
        }
        let kind = found.kind;
        if let Some(members) = self.members_mut(conversation) {
            members.remove(&target);
        }
        let mut events = vec![self.push_event(conversation, EventKind::MemberRemoved { user_id: target, by: actor })];
        let members = self.members(conversation);
        let owners_left = members.is_some_and(|m| m.values().any(|m| m.role == MemberRole::Owner));
        if them.role == MemberRole::Owner && !owners_left {
            // Admins before members, then whoever joined first.
            let heir = members.and_then(|m| {
                m.iter().min_by_key(|(user, m)| (m.role != MemberRole::Admin, m.joined_at, **user)).map(|(u, _)| *u)
            });
            if let Some(heir) = heir {
                if let Some(m) = self.members_mut(conversation).and_then(|m| m.get_mut(&heir)) {
                    m.role = MemberRole::Owner;
                }
                let kind = EventKind::MemberRoleChanged { user_id: heir, role: MemberRole::Owner, by: actor };
                events.push(self.push_event(conversation, kind));
            }
        }
        Ok(Applied { left: vec![target], ..changed(conversation, kind, false) }.with_events(events))
    }

    fn set_role(
        &mut self,
        conversation: ConversationId,
        actor: UserId,
        target: UserId,
        role: MemberRole,
    ) -> Result<Applied, Refusal> {
        if role == MemberRole::Owner {
            return Err(Refusal::UnprocessableField("role", "ownership passes only when the last owner leaves".into()));
        }
        let (found, _) = self.as_manager(conversation, actor)?;
        let kind = found.kind;
        let them = found.members.get(&target).copied().ok_or(Refusal::NotFound("member"))?;
        if them.role == MemberRole::Owner {
            return Err(Refusal::Forbidden("an owner's role cannot be changed"));
        }
        if them.role == role {
            return Ok(changed(conversation, kind, false));
        }
        if let Some(m) = self.members_mut(conversation).and_then(|m| m.get_mut(&target)) {
            m.role = role;
        }
        let event = self.push_event(conversation, EventKind::MemberRoleChanged { user_id: target, role, by: actor });
        Ok(changed(conversation, kind, false).with_events(vec![event]))
    }

    fn create_group(
        &mut self,
        conversation: ConversationId,
        creator: UserId,
        title: &str,
        members: &[UserId],
    ) -> Result<Applied, Refusal> {
        let mut invited: Vec<UserId> = members.iter().copied().filter(|u| *u != creator).collect();
        invited.sort_unstable();
        invited.dedup();
        if invited.len() + 1 > MAX_GROUP_MEMBERS {
            return Err(Refusal::Unprocessable("a group can have at most 1,000 members".into()));
        }
        let strangers = invited.iter().filter(|u| !self.friends.contains(&pair(creator, **u))).count();
        if strangers > 0 {
            return Err(Refusal::UnprocessableField(
                "member_ids",
                format!("you can only add your friends ({strangers} are not)"),
            ));
        }
        let at = self.at;
        let members = std::iter::once((creator, MemberRole::Owner))
            .chain(invited.iter().map(|u| (*u, MemberRole::Member)))
            .map(|(user, role)| (user, Membership { role, joined_at: at }))
            .collect();
        self.begin(conversation, ConversationKind::Group, title, None, creator, members);
        let event =
            self.push_event(conversation, EventKind::ConversationCreated { by: creator, title: title.to_owned() });
        let joined = std::iter::once(creator).chain(invited).collect();
        Ok(Applied { joined, ..changed(conversation, ConversationKind::Group, true) }.with_events(vec![event]))
    }

    /// A member invokes a slash command of a bot that is still in the conversation.
    fn invoke(
        &mut self,
        conversation: ConversationId,
        invoker: UserId,
        bot: UserId,
        name: &str,
        args: &str,
    ) -> Result<Applied, Refusal> {
        let (found, _) = self.as_member(conversation, invoker)?;
        if !found.members.contains_key(&bot) {
            // The bot left: its commands no longer answer.
            return Err(Refusal::NotFound("command"));
        }
        let kind =
            EventKind::CommandInvoked { command: name.to_owned(), args: args.to_owned(), by: invoker, bot_id: bot };
        let event = self.push_event(conversation, kind);
        let seq = event.seq;
        Ok(Applied { events: vec![event], ..Applied::quiet(Outcome::Logged(seq)) })
    }

    fn open_dm(&mut self, conversation: ConversationId, opener: UserId, peer: UserId) -> Result<Applied, Refusal> {
        let key = dm_key(opener, peer);
        if let Some(existing) = self.dms.get(&key) {
            return Ok(changed(*existing, ConversationKind::Dm, false));
        }
        if opener == peer || !self.friends.contains(&pair(opener, peer)) {
            return Err(Refusal::Forbidden("you can only message your friends"));
        }
        let joined_at = self.at;
        let members =
            [opener, peer].into_iter().map(|user| (user, Membership { role: MemberRole::Member, joined_at })).collect();
        self.begin(conversation, ConversationKind::Dm, "", Some(key.clone()), opener, members);
        self.dms.insert(key, conversation);
        let event = self.push_event(conversation, EventKind::ConversationCreated { by: opener, title: String::new() });
        Ok(Applied { joined: vec![opener, peer], ..changed(conversation, ConversationKind::Dm, true) }
            .with_events(vec![event]))
    }

    /// Adds a conversation this batch creates to the draft.
    fn begin(
        &mut self,
        id: ConversationId,
        kind: ConversationKind,
        title: &str,
        dm_key: Option<String>,
        creator: UserId,
        members: HashMap<UserId, Membership>,
    ) {
        let now = Locked { kind, title: title.to_owned(), last_seq: 0, members };
        self.conversations.insert(id, Working { now, before: None, dm_key, created_by: Some(creator) });
    }

    /// What the batch writes: the difference between the draft and the facts it began from.
    pub(super) fn into_changes(mut self) -> Changes {
        let mut changes = Changes {
            at: self.at,
            created: Vec::new(),
            moved: Vec::new(),
            joined: Vec::new(),
            parted: Vec::new(),
            roles: Vec::new(),
            stored: Vec::new(),
            changed: Vec::new(),
            described: Vec::new(),
            photos: Vec::new(),
            expired: Vec::new(),
            reactions_added: Vec::new(),
            reactions_removed: Vec::new(),
            attached: Vec::new(),
            detached: Vec::new(),
            events: Vec::new(),
        };
        for (message, now) in &self.reactions {
            let before = self.reactions_before.get(message).map(Vec::as_slice).unwrap_or_default();
            changes.reactions_added.extend(missing_from(now, before).map(|(e, u)| (*message, e, u)));
            changes.reactions_removed.extend(missing_from(before, now).map(|(e, u)| (*message, e, u)));
        }
        let mut ids: Vec<&ConversationId> = self.conversations.keys().collect();
        ids.sort_unstable();
        for id in ids {
            let Some(c) = self.conversations.get(id) else { continue };
            let empty = HashMap::new();
            let before_members = c.before.as_ref().map_or(&empty, |b| &b.members);
            match (&c.before, c.created_by) {
                (None, Some(created_by)) => changes.created.push(NewConversation {
                    id: *id,
                    kind: c.now.kind,
                    title: c.now.title.clone(),
                    dm_key: c.dm_key.clone(),
                    created_by,
                    last_seq: c.now.last_seq,
                }),
                (Some(before), _) if before.last_seq != c.now.last_seq || before.title != c.now.title => {
                    changes.moved.push((*id, c.now.last_seq, c.now.title.clone()))
                }
                _ => {}
            }
            for (user, now) in &c.now.members {
                match before_members.get(user) {
                    None => changes.joined.push((*id, *user, now.role, now.joined_at)),
                    Some(before) if before.role != now.role => changes.roles.push((*id, *user, now.role)),
                    Some(_) => {}
                }
            }
            changes.parted.extend(before_members.keys().filter(|u| !c.now.members.contains_key(u)).map(|u| (*id, *u)));
        }
        // Moved out, not cloned: the draft ends here.
        let mut final_state =
            |ids: &[MessageId]| -> Vec<MessageRow> { ids.iter().filter_map(|id| self.messages.remove(id)).collect() };
        changes.stored = final_state(&self.created_messages);
        changes.changed = final_state(&self.changed_messages);
        changes.described = self.described.into_iter().collect();
        changes.photos = self.photos.into_iter().collect();
        changes.expired = self.expired;
        changes.attached = self.attached;
        changes.detached = self.detached;
        changes.events = self.events;
        changes
    }
}

/// The `(emoji, user)` pairs of `these` that `those` lacks.
fn missing_from<'a>(these: &'a [Reaction], those: &'a [Reaction]) -> impl Iterator<Item = (String, UserId)> + 'a {
    these.iter().flat_map(move |r| {
        let other = those.iter().find(|o| o.emoji == r.emoji);
        r.user_ids
            .iter()
            .filter(move |u| !other.is_some_and(|o| o.user_ids.contains(u)))
            .map(move |u| (r.emoji.clone(), *u))
    })
}

impl Applied {
    fn with_events(mut self, events: Vec<Event>) -> Self {
        self.events = events;
        self
    }
}

/// The answer to a change of a conversation itself.
fn changed(id: ConversationId, kind: ConversationKind, created: bool) -> Applied {
    Applied::quiet(Outcome::Conversation { id, kind, created })
}

/// How an event is stored: its kind's name, the message it is about (message events are read
/// back joined to the message, so a replay shows it as it is now), and the payload of the
/// others.
fn stored_form(kind: &EventKind) -> (&'static str, Option<Uuid>, serde_json::Value) {
    let empty = || serde_json::Value::Object(serde_json::Map::new());
    // A plain enum of strings, ids and timestamps: serializing it cannot fail.
    let payload = || serde_json::to_value(kind).unwrap_or_default();
    match kind {
        EventKind::MessageCreated { message } => ("message_created", Some(message.id.0), empty()),
        EventKind::MessageEdited { message } => ("message_edited", Some(message.id.0), empty()),
        EventKind::MessageDeleted { message_id, .. } => ("message_deleted", Some(message_id.0), payload()),
        EventKind::ConversationCreated { .. } => ("conversation_created", None, payload()),
        EventKind::MemberAdded { .. } => ("member_added", None, payload()),
        EventKind::MemberRemoved { .. } => ("member_removed", None, payload()),
        EventKind::MemberRoleChanged { .. } => ("member_role_changed", None, payload()),
        EventKind::ConversationRenamed { .. } => ("conversation_renamed", None, payload()),
        EventKind::DescriptionChanged { .. } => ("description_changed", None, payload()),
        EventKind::PhotoChanged { .. } => ("photo_changed", None, payload()),
        EventKind::ReactionAdded { message_id, .. } => ("reaction_added", Some(message_id.0), payload()),
        EventKind::ReactionRemoved { message_id, .. } => ("reaction_removed", Some(message_id.0), payload()),
        EventKind::MessagePinned { message_id, .. } => ("message_pinned", Some(message_id.0), payload()),
        EventKind::MessageUnpinned { message_id, .. } => ("message_unpinned", Some(message_id.0), payload()),
        EventKind::CommandInvoked { .. } => ("command_invoked", None, payload()),
        // Only a client reading a newer server's log meets it; this server never makes one.
        EventKind::Unknown => ("unknown", None, empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn group(members: &[(UserId, MemberRole)], last_seq: i64) -> Locked {
        let joined = |n: usize| DateTime::<Utc>::from_timestamp(1_700_000_000 + n as i64, 0).unwrap_or_default();
        Locked {
            kind: ConversationKind::Group,
            title: "crew".into(),
            last_seq,
            members: (members.iter().enumerate())
                .map(|(n, (u, role))| (*u, Membership { role: *role, joined_at: joined(n) }))
                .collect(),
        }
    }

    fn draft(conversations: Vec<(ConversationId, Locked)>, friends: &[(UserId, UserId)]) -> Draft {
        Draft::new(Facts {
            at: Utc::now(),
            conversations: conversations.into_iter().collect(),
            messages: HashMap::new(),
            reactions: HashMap::new(),
            attachments: HashMap::new(),
            uploads: HashMap::new(),
            pins: HashMap::new(),
            friends: friends.iter().map(|(a, b)| pair(*a, *b)).collect(),
            profiles: HashMap::new(),
            dms: HashMap::new(),
        })
    }

    fn send(conversation: ConversationId, sender: UserId, body: &str) -> Command {
        Command::Send(NewMessage::text(conversation, sender, body))
    }

    fn upload(uploader: UserId) -> MediaRow {
        MediaRow {
            id: MediaId(Uuid::now_v7()),
            uploader_id: uploader,
            kind: "image".into(),
            content_type: "image/png".into(),
            name: "a.png".into(),
            size: 10,
            sha256: "0".repeat(64),
            width: Some(1),
            height: Some(1),
            duration_ms: None,
            waveform: None,
            thumbhash: None,
            thumbnail_sha256: None,
            message_id: None,
            position: None,
            created_at: Utc::now(),
        }
    }

    fn send_with(conversation: ConversationId, sender: UserId, uploads: &[&MediaRow]) -> Command {
        let Command::Send(mut send) = send(conversation, sender, "") else { unreachable!() };
        send.attachments = uploads.iter().map(|u| u.id).collect();
        Command::Send(send)
    }

    #[test]
    fn an_upload_is_attached_once_by_its_uploader_and_never_to_a_message_deleted_in_the_batch() {
        let (alice, bob) = (user(1), user(2));
        let c = ConversationId(Uuid::from_u128(10));
        let mut d = draft(vec![(c, group(&[(alice, MemberRole::Owner), (bob, MemberRole::Member)], 0))], &[]);
        let (mine, theirs, doomed) = (upload(alice), upload(bob), upload(alice));
        for u in [&mine, &theirs, &doomed] {
            d.uploads.insert(u.id, u.clone());
        }
        let first = d.apply(&send_with(c, alice, &[&mine]));
        assert_eq!(sent(&first).attachments.len(), 1, "the event carries the attachment");
        let again = d.apply(&send_with(c, alice, &[&mine]));
        assert!(matches!(again, Err(Refusal::UnprocessableField("attachments", _))), "{again:?}");
        let stolen = d.apply(&send_with(c, alice, &[&theirs]));
        assert!(matches!(stolen, Err(Refusal::UnprocessableField("attachments", _))), "{stolen:?}");
        let short_lived = sent(&d.apply(&send_with(c, alice, &[&doomed])));
        d.apply(&Command::Delete { conversation: c, by: Deleter::Member(alice), message: short_lived.id }).unwrap();
        let changes = d.into_changes();
        let first_id = sent(&first).id;
        assert_eq!(changes.attached, vec![(mine.id, first_id, 0)]);
        assert!(changes.detached.is_empty(), "a message sent and deleted in one batch had nothing stored");
    }

    fn seqs(applied: &Applied) -> Vec<i64> {
        applied.events.iter().map(|e| e.seq).collect()
    }

    fn sent(applied: &Result<Applied, Refusal>) -> Message {
        match applied.as_ref().map(|a| &a.outcome) {
            Ok(Outcome::Sent { message, attachments, .. }) => {
                Message { attachments: attachments.clone(), ..message.to_protocol() }
            }
            Ok(Outcome::Message(message)) => (**message).clone(),
            other => panic!("expected a message, got {other:?}"),
        }
    }

    #[test]
    fn each_conversation_numbers_its_own_events_in_command_order() {
        let (a, b) = (ConversationId(Uuid::from_u128(1)), ConversationId(Uuid::from_u128(2)));
        let alice = user(10);
        let mut d = draft(
            vec![(a, group(&[(alice, MemberRole::Owner)], 5)), (b, group(&[(alice, MemberRole::Owner)], 40))],
            &[],
        );
        let got: Vec<Vec<i64>> = [send(a, alice, "1"), send(b, alice, "2"), send(a, alice, "3"), send(b, alice, "4")]
            .iter()
            .map(|c| seqs(&d.apply(c).unwrap()))
            .collect();
        assert_eq!(got, [[6], [41], [7], [42]]);
        let changes = d.into_changes();
        let mut moved = changes.moved.iter().map(|m| (m.0, m.1)).collect::<Vec<_>>();
        moved.sort();
        assert_eq!(moved, [(a, 7), (b, 42)]);
        assert_eq!(changes.stored.len(), 4);
        assert_eq!(changes.events.iter().map(|e| e.seq).collect::<Vec<_>>(), [6, 41, 7, 42]);
    }

    #[test]
    fn a_refused_command_leaves_no_trace() {
        let c = ConversationId(Uuid::from_u128(1));
        let (alice, mallory) = (user(10), user(11));
        let mut d = draft(vec![(c, group(&[(alice, MemberRole::Member)], 1))], &[]);
        assert!(matches!(d.apply(&send(c, mallory, "hi")), Err(Refusal::NotFound("conversation"))));
        let rename = Command::Rename { conversation: c, actor: alice, title: "mine".into() };
        assert!(matches!(d.apply(&rename), Err(Refusal::Forbidden(_))), "a plain member may not rename");
        let accepted = d.apply(&send(c, alice, "hello")).unwrap();
        assert_eq!(seqs(&accepted), [2], "the refused commands took no seq");
        let changes = d.into_changes();
        assert_eq!(changes.events.len(), 1);
        assert_eq!(changes.moved, [(c, 2, "crew".to_owned())], "the title is untouched");
    }

    #[test]
    fn a_message_sent_edited_and_deleted_in_one_batch_is_stored_once_in_its_final_state() {
        let c = ConversationId(Uuid::from_u128(1));
        let alice = user(10);
        let mut d = draft(vec![(c, group(&[(alice, MemberRole::Owner)], 1))], &[]);
        let message = sent(&d.apply(&send(c, alice, "draft"))).id;
        let edit = Command::Edit { conversation: c, editor: alice, message, body: "final".into() };
        assert_eq!(sent(&d.apply(&edit)).body, "final");
        let delete = Command::Delete { conversation: c, by: Deleter::Member(alice), message };
        assert!(sent(&d.apply(&delete)).deleted_at.is_some());
        let again = d.apply(&delete).unwrap();
        assert!(again.events.is_empty(), "deleting twice appends nothing");
        let edit_deleted = Command::Edit { conversation: c, editor: alice, message, body: "zombie".into() };
        assert!(matches!(d.apply(&edit_deleted), Err(Refusal::Unprocessable(_))));
        let changes = d.into_changes();
        assert!(changes.changed.is_empty(), "a new message is inserted, not updated");
        assert_eq!(changes.stored.len(), 1);
        assert!(changes.stored[0].deleted_at.is_some() && changes.stored[0].body.is_empty());
        let kinds: Vec<&str> = changes.events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["message_created", "message_edited", "message_deleted"]);
    }

    #[test]
    fn the_last_owner_leaving_hands_the_group_to_the_longest_standing_admin() {
        let c = ConversationId(Uuid::from_u128(1));
        let (owner, member, admin) = (user(1), user(2), user(3));
        let members = [(owner, MemberRole::Owner), (member, MemberRole::Member), (admin, MemberRole::Admin)];
        let mut d = draft(vec![(c, group(&members, 9))], &[]);
        let leave = Command::RemoveMember { conversation: c, actor: owner, target: owner };
        let applied = d.apply(&leave).unwrap();
        assert_eq!(seqs(&applied), [10, 11]);
        assert_eq!(applied.left, [owner]);
        assert!(matches!(
            applied.events[1].kind,
            EventKind::MemberRoleChanged { user_id, role: MemberRole::Owner, .. } if user_id == admin
        ));
        // The new owner acts as one at once, within the same batch.
        let remove = Command::RemoveMember { conversation: c, actor: admin, target: member };
        assert_eq!(seqs(&d.apply(&remove).unwrap()), [12]);
        let changes = d.into_changes();
        let mut parted = changes.parted.clone();
        parted.sort();
        assert_eq!(parted, [(c, owner), (c, member)]);
        assert_eq!(changes.roles, [(c, admin, MemberRole::Owner)]);
    }

    #[test]
    fn a_dm_opened_twice_in_one_batch_is_created_once() {
        let (alice, bob) = (user(1), user(2));
        let mut d = draft(vec![], &[(alice, bob)]);
        let first = ConversationId(Uuid::from_u128(100));
        let open = |conversation| Command::OpenDm { conversation, opener: alice, peer: bob };
        let created = d.apply(&open(first)).unwrap();
        assert!(matches!(created.outcome, Outcome::Conversation { created: true, .. }));
        assert_eq!(seqs(&created), [1]);
        let again = d.apply(&open(ConversationId(Uuid::from_u128(101)))).unwrap();
        assert!(matches!(again.outcome, Outcome::Conversation { id, created: false, .. } if id == first));
        let stranger = Command::OpenDm { conversation: first, opener: alice, peer: user(3) };
        assert!(matches!(d.apply(&stranger), Err(Refusal::Forbidden(_))));
        let changes = d.into_changes();
        assert_eq!(changes.created.len(), 1);
        assert_eq!(changes.joined.len(), 2);
    }

    #[test]
    fn reactions_made_and_taken_back_in_one_batch_write_only_their_net_change() {
        let c = ConversationId(Uuid::from_u128(1));
        let (alice, bob, carol) = (user(1), user(2), user(3));
        let members = [(alice, MemberRole::Owner), (bob, MemberRole::Member), (carol, MemberRole::Member)];
        let mut d = draft(vec![(c, group(&members, 1))], &[]);
        let message = sent(&d.apply(&send(c, alice, "vote"))).id;
        let react = |user, add| Command::React { conversation: c, user, message, emoji: "x".into(), add };
        d.apply(&react(bob, true)).unwrap();
        let shown = sent(&d.apply(&react(carol, true)));
        assert_eq!(shown.reactions, [Reaction { emoji: "x".into(), user_ids: vec![bob, carol] }]);
        assert_eq!(seqs(&d.apply(&react(bob, false)).unwrap()), [5]);
        assert!(d.apply(&react(bob, false)).unwrap().events.is_empty(), "taking back twice appends nothing");
        let pin = Command::Pin { conversation: c, actor: bob, message, pinned: true };
        assert!(matches!(d.apply(&pin), Err(Refusal::Forbidden(_))), "a plain member of a group");
        let changes = d.into_changes();
        assert_eq!(changes.reactions_added, [(message, "x".to_owned(), carol)]);
        assert!(changes.reactions_removed.is_empty());
    }
}
