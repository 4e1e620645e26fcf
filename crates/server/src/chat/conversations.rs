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
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// Turns summary rows into the protocol view, loading peers and last messages in two queries.
pub async fn summaries_view(
    conn: &mut AsyncPgConnection,
    rows: Vec<SummaryRow>,
) -> Result<Vec<ConversationSummary>, ApiError> {
    let peer_ids: Vec<UserId> = rows.iter().filter_map(SummaryRow::peer).collect();
    let message_ids: Vec<MessageId> = rows.iter().filter_map(SummaryRow::last_message).collect();
    // Independent reads, sent together (pipelined on the one connection).
    let shared: &AsyncPgConnection = conn;
    let (peers, messages): (HashMap<UserId, User>, _) = futures_util::try_join!(
        user_queries::by_ids(shared, &peer_ids),
        message_queries::by_ids(shared, &message_ids)
    )?;
    // Last messages with their attachments, so a list can say "Photo" for a picture alone.
    let mut last: Vec<protocol::conversations::Message> = messages.values().map(|m| m.to_protocol()).collect();
    db::queries::media::fill(conn, &mut last).await?;
    let messages: HashMap<MessageId, protocol::conversations::Message> = last.into_iter().map(|m| (m.id, m)).collect();
    Ok(rows
        .into_iter()
        .map(|r| ConversationSummary {
            // Read through `r`'s accessors before its fields are moved out below.
            photo: r.photo().map(Attachment::thumbnail_url_of),
            peer: r.peer().and_then(|p| peers.get(&p)).map(User::to_public),
            last_message: r.last_message().and_then(|m| messages.get(&m)).cloned(),
            id: r.id,
            kind: r.kind,
            title: r.title,
            description: r.description,
            member_count: r.member_count,
            my_role: r.role,
            last_seq: r.last_seq,
            read_seq: r.read_seq,
            unread: r.unread,
            unread_mentions: r.unread_mentions,
            settings: ConversationSettings { muted_until: r.muted_until, archived_at: r.archived_at },
            others_read_seq: r.others_read_seq,
            last_activity_at: r.last_activity_at,
            created_at: r.created_at,
        })
        .collect())
}

/// One conversation as `user` sees it; 404 unless a member.
pub async fn summary_of(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
) -> Result<ConversationSummary, ApiError> {
    let row = summaries::summary(conn, user, conversation).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    summaries_view(conn, vec![row]).await?.pop().ok_or_else(|| ApiError::not_found("conversation"))
}

/// The summary plus every member; 404 unless a member.
pub async fn detail(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
) -> Result<ConversationDetail, ApiError> {
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
pub async fn open_dm(state: &AppState, user: UserId, peer: UserId) -> Result<(ConversationSummary, bool), ApiError> {
    if peer == user {
        return Err(ApiError::new(protocol::ErrorCode::Unprocessable, "user_id: you cannot message yourself"));
    }
    // Most opens find the DM they already have: answer those without the writer.
    let mut conn = db::pool::checkout(&state.pool).await?;
    let id = match queries::dm_between(&mut conn, user, peer).await? {
        Some(existing) => (existing, false),
        None => {
            drop(conn);
            let command = Command::OpenDm { conversation: ConversationId(Uuid::now_v7()), opener: user, peer };
            let opened = change(state, command).await?;
            conn = db::pool::checkout(&state.pool).await?;
            opened
        }
    };
    let summary = summary_of(&mut conn, user, id.0).await?;
    Ok((summary, id.1))
}

/// Creates a group of the caller and some friends.
pub async fn create_group(
    state: &AppState,
    user: UserId,
    title: &str,
    member_ids: &[UserId],
) -> Result<ConversationSummary, ApiError> {
    check_title(title).map_err(|e| ApiError::invalid_field("title", e))?;
    if member_ids.len() > protocol::conversations::MAX_MEMBERS_PER_REQUEST {
        return Err(ApiError::invalid_field("member_ids", "at most 200 members per request; add more afterwards"));
    }
    let command = Command::CreateGroup {
        conversation: ConversationId(Uuid::now_v7()),
        creator: user,
        title: title.trim().to_owned(),
        members: member_ids.to_vec(),
    };
    let (id, _) = change(state, command).await?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    summary_of(&mut conn, user, id).await
}

/// Renames a group and/or changes its description (both checked before either is queued).
pub async fn update(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    input: UpdateConversation,
) -> Result<ConversationSummary, ApiError> {
    let (id, actor) = (conversation, user);
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
    user: UserId,
    conversation: ConversationId,
    photo: Option<MediaId>,
) -> Result<ConversationSummary, ApiError> {
    change(state, Command::SetPhoto { conversation, actor: user, photo }).await?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    summary_of(&mut conn, user, conversation).await
}

/// Adds friends of the caller to a group.
pub async fn add_members(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    user_ids: &[UserId],
) -> Result<ConversationDetail, ApiError> {
    if user_ids.is_empty() || user_ids.len() > protocol::conversations::MAX_MEMBERS_PER_REQUEST {
        return Err(ApiError::invalid_field("user_ids", "give 1 to 200 users"));
    }
    let command = Command::AddMembers { conversation, actor: user, users: user_ids.to_vec() };
    change(state, command).await?;
    detail(state, user, conversation).await
}

/// Removes a member, or leaves when `target == user`.
pub async fn remove_member(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    target: UserId,
) -> Result<(), ApiError> {
    let command = Command::RemoveMember { conversation, actor: user, target };
    change(state, command).await.map(|_| ())
}

/// Promotes or demotes a member.
pub async fn set_role(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    target: UserId,
    role: MemberRole,
) -> Result<Member, ApiError> {
    let command = Command::SetRole { conversation, actor: user, target, role };
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
