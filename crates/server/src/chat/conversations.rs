//! Conversation operations: the caller's list and one conversation's detail, opening DMs,
//! creating groups, renaming, adding and removing members, roles, leaving. Every change is a
//! command to the writer, which publishes its events, then `Joined`/`Left` for the users whose
//! membership changed.

use std::collections::HashMap;

use db::models::User;
use db::queries::changes::{Command, Outcome};
use db::queries::conversations as queries;
use db::queries::messages as message_queries;
use db::queries::summaries::{self, SummaryRow};
use db::queries::users as user_queries;
use diesel_async::AsyncPgConnection;
use protocol::conversations::{
    ConversationDetail, ConversationSettings, ConversationSummary, Member, MemberRole, UpdateConversation,
    check_description, check_title,
};
use protocol::media::{Attachment, MediaId};
use protocol::{ConversationId, UserId};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// Turns summary rows into the protocol view, loading peers and last messages in two queries.
pub async fn summaries_view(
    conn: &mut AsyncPgConnection,
    rows: Vec<SummaryRow>,
) -> Result<Vec<ConversationSummary>, ApiError> {
    let peer_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.peer_id).collect();
    let message_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.last_message_id).collect();
    let peers: HashMap<Uuid, User> = user_queries::by_ids(conn, &peer_ids).await?;
    let messages = message_queries::by_ids(conn, &message_ids).await?;
    // Last messages with their attachments, so a list can say "Photo" for a picture alone.
    let mut last: Vec<protocol::conversations::Message> = messages.values().map(|m| m.to_protocol()).collect();
    db::queries::media::fill(conn, &mut last).await?;
    let messages: HashMap<Uuid, protocol::conversations::Message> = last.into_iter().map(|m| (m.id.0, m)).collect();
    Ok(rows
        .into_iter()
        .map(|r| ConversationSummary {
            id: ConversationId(r.id),
            kind: r.kind,
            title: r.title,
            description: r.description,
            photo: r.photo_id.map(|id| Attachment::thumbnail_url_of(MediaId(id))),
            peer: r.peer_id.and_then(|p| peers.get(&p)).map(User::to_public),
            member_count: r.member_count,
            my_role: r.role,
            last_seq: r.last_seq,
            read_seq: r.read_seq,
            unread: r.unread,
            unread_mentions: r.unread_mentions,
            settings: ConversationSettings { muted_until: r.muted_until, archived_at: r.archived_at },
            others_read_seq: r.others_read_seq,
            last_message: r.last_message_id.and_then(|m| messages.get(&m)).cloned(),
            last_activity_at: r.last_activity_at,
            created_at: r.created_at,
        })
        .collect())
}

/// One conversation as `user` sees it; 404 unless a member.
pub async fn summary_of(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    conversation: Uuid,
) -> Result<ConversationSummary, ApiError> {
    let row = summaries::summary(conn, user, conversation).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    summaries_view(conn, vec![row]).await?.pop().ok_or_else(|| ApiError::not_found("conversation"))
}

/// The summary plus every member; 404 unless a member.
pub async fn detail(state: &AppState, user: Uuid, conversation: Uuid) -> Result<ConversationDetail, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let summary = summary_of(&mut conn, user, conversation).await?;
    let members = queries::members(&mut conn, conversation)
        .await?
        .into_iter()
        .map(|(m, u)| Member { user: u.to_public(), role: m.role(), joined_at: m.joined_at, read_seq: m.read_seq })
        .collect();
    Ok(ConversationDetail { conversation: summary, members })
}

/// Runs a command that changes a conversation itself and returns its id and whether it was
/// created now.
async fn change(state: &AppState, command: Command) -> Result<(ConversationId, bool), ApiError> {
    match state.writer.run(command).await? {
        Outcome::Conversation { id, created, .. } => Ok((id, created)),
        other => Err(super::messages::unexpected(other)),
    }
}

/// Opens the DM with a friend (or returns the existing one); the bool says whether it is new.
pub async fn open_dm(state: &AppState, user: Uuid, peer: Uuid) -> Result<(ConversationSummary, bool), ApiError> {
    if peer == user {
        return Err(ApiError::new(protocol::ErrorCode::Unprocessable, "user_id: you cannot message yourself"));
    }
    let (opener, peer) = (UserId(user), UserId(peer));
    // Most opens find the DM they already have: answer those without the writer.
    let mut conn = db::pool::checkout(&state.pool).await?;
    let id = match queries::dm_between(&mut conn, opener.0, peer.0).await? {
        Some(existing) => (ConversationId(existing), false),
        None => {
            drop(conn);
            let command = Command::OpenDm { conversation: ConversationId(Uuid::now_v7()), opener, peer };
            let opened = change(state, command).await?;
            conn = db::pool::checkout(&state.pool).await?;
            opened
        }
    };
    let summary = summary_of(&mut conn, user, id.0.0).await?;
    Ok((summary, id.1))
}

/// Creates a group of the caller and some friends.
pub async fn create_group(
    state: &AppState,
    user: Uuid,
    title: &str,
    member_ids: &[Uuid],
) -> Result<ConversationSummary, ApiError> {
    check_title(title).map_err(|e| ApiError::invalid_field("title", e))?;
    if member_ids.len() > protocol::conversations::MAX_MEMBERS_PER_REQUEST {
        return Err(ApiError::invalid_field("member_ids", "at most 200 members per request; add more afterwards"));
    }
    let command = Command::CreateGroup {
        conversation: ConversationId(Uuid::now_v7()),
        creator: UserId(user),
        title: title.trim().to_owned(),
        members: member_ids.iter().map(|u| UserId(*u)).collect(),
    };
    let (id, _) = change(state, command).await?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    summary_of(&mut conn, user, id.0).await
}

/// Renames a group and/or changes its description (both checked before either is queued).
pub async fn update(
    state: &AppState,
    user: Uuid,
    conversation: Uuid,
    input: UpdateConversation,
) -> Result<ConversationSummary, ApiError> {
    let (id, actor) = (ConversationId(conversation), UserId(user));
    let mut commands = Vec::new();
    if let Some(title) = input.title {
        check_title(&title).map_err(|e| ApiError::invalid_field("title", e))?;
        commands.push(Command::Rename { conversation: id, actor, title: title.trim().to_owned() });
    }
    if let Some(description) = input.description {
        check_description(&description).map_err(|e| ApiError::invalid_field("description", e))?;
        commands.push(Command::Describe { conversation: id, actor, description: description.trim().to_owned() });
    }
    if commands.is_empty() {
        return Err(ApiError::invalid_field("title", "give a title, a description, or both"));
    }
    for command in commands {
        change(state, command).await?;
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    summary_of(&mut conn, user, conversation).await
}

/// Sets (one of the caller's picture uploads) or removes a group's photo.
pub async fn set_photo(
    state: &AppState,
    user: Uuid,
    conversation: Uuid,
    photo: Option<MediaId>,
) -> Result<ConversationSummary, ApiError> {
    change(state, Command::SetPhoto { conversation: ConversationId(conversation), actor: UserId(user), photo }).await?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    summary_of(&mut conn, user, conversation).await
}

/// Adds friends of the caller to a group.
pub async fn add_members(
    state: &AppState,
    user: Uuid,
    conversation: Uuid,
    user_ids: &[Uuid],
) -> Result<ConversationDetail, ApiError> {
    if user_ids.is_empty() || user_ids.len() > protocol::conversations::MAX_MEMBERS_PER_REQUEST {
        return Err(ApiError::invalid_field("user_ids", "give 1 to 200 users"));
    }
    let command = Command::AddMembers {
        conversation: ConversationId(conversation),
        actor: UserId(user),
        users: user_ids.iter().map(|u| UserId(*u)).collect(),
    };
    change(state, command).await?;
    detail(state, user, conversation).await
}

/// Removes a member, or leaves when `target == user`.
pub async fn remove_member(state: &AppState, user: Uuid, conversation: Uuid, target: Uuid) -> Result<(), ApiError> {
    let command = Command::RemoveMember {
        conversation: ConversationId(conversation),
        actor: UserId(user),
        target: UserId(target),
    };
    change(state, command).await.map(|_| ())
}

/// Promotes or demotes a member.
pub async fn set_role(
    state: &AppState,
    user: Uuid,
    conversation: Uuid,
    target: Uuid,
    role: MemberRole,
) -> Result<Member, ApiError> {
    let command = Command::SetRole {
        conversation: ConversationId(conversation),
        actor: UserId(user),
        target: UserId(target),
        role,
    };
    change(state, command).await?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    let member =
        queries::membership(&mut conn, conversation, target).await?.ok_or_else(|| ApiError::not_found("member"))?;
    let profile = user_queries::by_id(&mut conn, target).await?.ok_or_else(|| ApiError::not_found("member"))?;
    Ok(Member {
        user: profile.to_public(),
        role: member.role(),
        joined_at: member.joined_at,
        read_seq: member.read_seq,
    })
}
