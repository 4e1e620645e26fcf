//! "Read by": for a message, the members whose read marker has passed it (and when their marker
//! last moved), those who have not read it yet, and which of those have it on a device (their
//! delivery marker, moved by their apps' `delivered` frames, has passed it).

use db::models::User;
use db::queries::conversations as conversation_queries;
use protocol::conversations::{Delivery, MessageReaders, Reader};
use protocol::{ConversationId, MessageId, UserId};

use crate::chat::messages::readable_message;
use crate::error::ApiError;
use crate::state::AppState;

/// Who has read message `message` of `conversation` (asked by a member).
pub async fn readers(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    message: MessageId,
) -> Result<MessageReaders, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let found = readable_message(&mut conn, conversation, user, message).await?;
    let members = conversation_queries::members(&mut conn, conversation).await?;
    let (mut read, mut unread, mut delivered) = (Vec::new(), Vec::new(), Vec::new());
    for (member, profile) in members.into_iter().filter(|(m, _)| m.user_id != found.sender_id) {
        if member.read_seq >= found.seq {
            read.push(Reader { user: User::to_public(&profile), read_at: member.read_at });
        } else {
            if member.delivered_seq >= found.seq {
                delivered.push(Delivery { user: profile.to_public(), delivered_at: member.delivered_at });
            }
            unread.push(profile.to_public());
        }
    }
    read.sort_by_key(|r| std::cmp::Reverse(r.read_at));
    delivered.sort_by_key(|d| std::cmp::Reverse(d.delivered_at));
    Ok(MessageReaders { read, unread, delivered })
}
