//! Conversation operations: the caller's list and one conversation's detail, opening DMs,
//! creating groups, renaming, adding and removing members, roles, leaving. Changes publish
//! their events, then `Joined`/`Left` for the users whose membership changed.

use std::collections::HashMap;

use db::models::User;
use db::queries::conversations::{self as queries, Change, SummaryRow, parse_role};
use db::queries::messages as message_queries;
use db::queries::users as user_queries;
use diesel_async::AsyncPgConnection;
use protocol::ConversationId;
use protocol::conversations::{
    ConversationDetail, ConversationKind, ConversationSummary, Event, Member, MemberRole, check_title,
};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;
use crate::ws::bus::BusMessage;

/// Turns summary rows into the protocol view, loading peers and last messages in two queries.
pub async fn summaries_view(
    conn: &mut AsyncPgConnection,
    rows: Vec<SummaryRow>,
) -> Result<Vec<ConversationSummary>, ApiError> {
    let peer_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.peer_id).collect();
    let message_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.last_message_id).collect();
    let peers: HashMap<Uuid, User> = user_queries::by_ids(conn, &peer_ids).await?;
    let messages = message_queries::by_ids(conn, &message_ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| ConversationSummary {
            id: ConversationId(r.id),
            kind: if r.kind == "dm" { ConversationKind::Dm } else { ConversationKind::Group },
            title: r.title,
            peer: r.peer_id.and_then(|p| peers.get(&p)).map(User::to_public),
            member_count: r.member_count,
            my_role: parse_role(&r.role),
            last_seq: r.last_seq,
            read_seq: r.read_seq,
            unread: r.unread,
            others_read_seq: r.others_read_seq,
            last_message: r.last_message_id.and_then(|m| messages.get(&m)).map(|m| m.to_protocol()),
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
    let row = queries::summary(conn, user, conversation).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
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

/// Opens the DM with a friend (or returns the existing one); the bool says whether it is new.
pub async fn open_dm(state: &AppState, user: Uuid, peer: Uuid) -> Result<(ConversationSummary, bool), ApiError> {
    if peer == user {
        return Err(ApiError::new(protocol::ErrorCode::Unprocessable, "user_id: you cannot message yourself"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let (row, created) = (state.bus)
        .publishing(&mut conn, async |conn| {
            let (row, created) = queries::open_dm(conn, user, peer).await?;
            let joined = created.then(|| BusMessage::Joined { conversation_id: row.id, user_ids: vec![user, peer] });
            Ok(((row, created), joined.into_iter().collect()))
        })
        .await?;
    let summary = summary_of(&mut conn, user, row.id).await?;
    Ok((summary, created))
}

/// Creates a group of the caller and some friends.
pub async fn create_group(
    state: &AppState,
    user: Uuid,
    title: &str,
    member_ids: &[Uuid],
) -> Result<ConversationSummary, ApiError> {
    check_title(title).map_err(|e| ApiError::invalid(format!("title: {e}")))?;
    if member_ids.len() > protocol::conversations::MAX_MEMBERS_PER_REQUEST {
        return Err(ApiError::invalid("member_ids: at most 200 members per request; add more afterwards"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let row = (state.bus)
        .publishing(&mut conn, async |conn| {
            let row = queries::create_group(conn, user, title.trim(), member_ids).await?;
            let members = queries::member_ids(conn, row.id).await?;
            let joined = BusMessage::Joined { conversation_id: row.id, user_ids: members };
            Ok((row, vec![joined]))
        })
        .await?;
    summary_of(&mut conn, user, row.id).await
}

/// A change's events, to publish.
fn events_of(change: &Change) -> Vec<BusMessage> {
    (change.events.iter())
        .map(|(seq, at, kind)| {
            let conversation_id = ConversationId(change.conversation.id);
            BusMessage::Event { event: Event { conversation_id, seq: *seq, at: *at, kind: kind.clone() } }
        })
        .collect()
}

/// Renames a group.
pub async fn rename(
    state: &AppState,
    user: Uuid,
    conversation: Uuid,
    title: &str,
) -> Result<ConversationSummary, ApiError> {
    check_title(title).map_err(|e| ApiError::invalid(format!("title: {e}")))?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    (state.bus)
        .publishing(&mut conn, async |conn| {
            let change = queries::rename(conn, conversation, user, title.trim()).await?;
            Ok(((), events_of(&change)))
        })
        .await?;
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
        return Err(ApiError::invalid("user_ids: give 1 to 200 users"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    (state.bus)
        .publishing(&mut conn, async |conn| {
            let (change, added) = queries::add_members(conn, conversation, user, user_ids).await?;
            let mut messages = events_of(&change);
            if !added.is_empty() {
                messages.push(BusMessage::Joined { conversation_id: conversation, user_ids: added });
            }
            Ok(((), messages))
        })
        .await?;
    drop(conn);
    detail(state, user, conversation).await
}

/// Removes a member, or leaves when `target == user`.
pub async fn remove_member(state: &AppState, user: Uuid, conversation: Uuid, target: Uuid) -> Result<(), ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    (state.bus)
        .publishing(&mut conn, async |conn| {
            let change = queries::remove_member(conn, conversation, user, target).await?;
            let mut messages = events_of(&change);
            messages.push(BusMessage::Left { conversation_id: conversation, user_ids: vec![target] });
            Ok(((), messages))
        })
        .await
}

/// Promotes or demotes a member.
pub async fn set_role(
    state: &AppState,
    user: Uuid,
    conversation: Uuid,
    target: Uuid,
    role: MemberRole,
) -> Result<Member, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let member = (state.bus)
        .publishing(&mut conn, async |conn| {
            let (change, member) = queries::set_role(conn, conversation, user, target, role).await?;
            Ok((member, events_of(&change)))
        })
        .await?;
    let profile = user_queries::by_id(&mut conn, target).await?.ok_or_else(|| ApiError::not_found("member"))?;
    Ok(Member {
        user: profile.to_public(),
        role: member.role(),
        joined_at: member.joined_at,
        read_seq: member.read_seq,
    })
}
