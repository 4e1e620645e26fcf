//! Slash commands' registry: which bot answers which `/name` in a conversation. A bot replaces
//! its whole set at once (so a restarted bot declares what it knows, and stale commands go).

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::{ConversationId, UserId};
use uuid::Uuid;

use crate::models::User;
use crate::schema::{bot_commands, users};

/// Why a bot's set of commands was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SetRefused {
    /// Another bot in the conversation answers this name.
    Taken(String),
}

/// Replaces `bot`'s commands in `conversation` with `commands` (name, description); the caller
/// has checked that the bot is a member and the names are valid and distinct.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    bot: UserId,
    commands: &[(String, String)],
) -> QueryResult<Result<(), SetRefused>> {
    let (conversation, bot) = (conversation.0, bot.0);
    let commands = commands.to_vec();
    conn.transaction(async move |conn| {
        let names: Vec<&str> = commands.iter().map(|(name, _)| name.as_str()).collect();
        let taken: Option<String> = bot_commands::table
            .filter(bot_commands::conversation_id.eq(conversation))
            .filter(bot_commands::name.eq_any(&names))
            .filter(bot_commands::bot_id.ne(bot))
            .select(bot_commands::name)
            .first(conn)
            .await
            .optional()?;
        if let Some(name) = taken {
            return Ok(Err(SetRefused::Taken(name)));
        }
        diesel::delete(
            bot_commands::table
                .filter(bot_commands::conversation_id.eq(conversation))
                .filter(bot_commands::bot_id.eq(bot)),
        )
        .execute(conn)
        .await?;
        let rows: Vec<_> = commands
            .iter()
            .map(|(name, description)| {
                (
                    bot_commands::conversation_id.eq(conversation),
                    bot_commands::name.eq(name),
                    bot_commands::bot_id.eq(bot),
                    bot_commands::description.eq(description),
                )
            })
            .collect();
        // Two bots declaring the same name at once: the second insert fails on the key.
        diesel::insert_into(bot_commands::table).values(rows).execute(conn).await?;
        Ok(Ok(()))
    })
    .await
}

/// The commands of `conversation` with their bots, by name: only those of bots still in it.
pub async fn of_conversation(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
) -> QueryResult<Vec<(String, String, User)>> {
    use crate::schema::conversation_members;
    let conversation = conversation.0;
    let still_member = conversation_members::table
        .filter(conversation_members::conversation_id.eq(conversation))
        .filter(conversation_members::user_id.eq(bot_commands::bot_id));
    bot_commands::table
        .inner_join(users::table)
        .filter(bot_commands::conversation_id.eq(conversation))
        .filter(users::deleted_at.is_null())
        .filter(diesel::dsl::exists(still_member))
        .order(bot_commands::name.asc())
        .select((bot_commands::name, bot_commands::description, User::as_select()))
        .load(conn)
        .await
}

/// The bot answering `/name` in `conversation`.
pub async fn bot_for(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    name: &str,
) -> QueryResult<Option<UserId>> {
    let bot: Option<Uuid> =
        bot_commands::table.find((conversation.0, name)).select(bot_commands::bot_id).first(conn).await.optional()?;
    Ok(bot.map(UserId))
}

/// The `command_invoked` event at `seq` of `conversation`: its payload and when it was stored.
pub async fn invocation(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    seq: i64,
) -> QueryResult<Option<(serde_json::Value, chrono::DateTime<chrono::Utc>)>> {
    use crate::schema::events;
    events::table
        .filter(events::conversation_id.eq(conversation.0))
        .filter(events::seq.eq(seq))
        .filter(events::kind.eq("command_invoked"))
        .select((events::payload, events::created_at))
        .first(conn)
        .await
        .optional()
}
