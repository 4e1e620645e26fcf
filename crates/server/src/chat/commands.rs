//! Slash commands: a bot declares the commands it answers in a conversation it is in; a member
//! invokes one, which is an event (`command_invoked`) through the writer, so the bot gets it
//! live, on resync and through its webhooks like any event; the bot answers with a message, or
//! ephemerally: a frame to the invoker's open apps only, never stored.

use chrono::Utc;
use db::queries::bot_commands::{self as queries, SetRefused};
use db::queries::changes::{Command, Outcome};
use protocol::bots::{
    COMMAND_NAME_MAX_CHARS, COMMAND_TEXT_MAX_CHARS, EPHEMERAL_REPLY_WINDOW_SECS, MAX_COMMANDS_PER_BOT, SetCommands,
    SlashCommand,
};
use protocol::conversations::{EventKind, MAX_BODY_CHARS};
use protocol::ws::ServerFrame;
use protocol::{ConversationId, ErrorCode, UserId};

use crate::auth::AuthUser;
use crate::bus::BusMessage;
use crate::chat::messages::require_member;
use crate::error::ApiError;
use crate::state::AppState;

/// A valid command name: 1–32 of `a-z`, `0-9`, `_`, `-`.
pub fn command_name(raw: &str, field: &str) -> Result<String, ApiError> {
    let ok = !raw.is_empty()
        && raw.chars().count() <= COMMAND_NAME_MAX_CHARS
        && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !ok {
        return Err(ApiError::invalid_field(field, format!("1 to {COMMAND_NAME_MAX_CHARS} of a-z, 0-9, _ and -")));
    }
    Ok(raw.to_owned())
}

fn short_text(raw: &str, field: &str) -> Result<String, ApiError> {
    let text = raw.trim();
    if text.chars().count() > COMMAND_TEXT_MAX_CHARS {
        return Err(ApiError::invalid_field(field, format!("at most {COMMAND_TEXT_MAX_CHARS} characters")));
    }
    Ok(text.to_owned())
}

/// The calling bot's commands in `conversation` become `set`.
pub async fn declare(
    state: &AppState,
    auth: &AuthUser,
    conversation: ConversationId,
    set: SetCommands,
) -> Result<(), ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    require_member(&mut conn, conversation, auth.id()).await?;
    if !auth.user.is_bot() {
        return Err(ApiError::new(ErrorCode::Forbidden, "only bots declare slash commands"));
    }
    if set.commands.len() > MAX_COMMANDS_PER_BOT {
        return Err(ApiError::invalid_field("commands", format!("at most {MAX_COMMANDS_PER_BOT}")));
    }
    let mut commands = Vec::with_capacity(set.commands.len());
    for spec in &set.commands {
        let name = command_name(&spec.name, "commands")?;
        if commands.iter().any(|(taken, _)| *taken == name) {
            return Err(ApiError::invalid_field("commands", format!("/{name} is listed twice")));
        }
        commands.push((name, short_text(&spec.description, "commands")?));
    }
    match queries::replace(&mut conn, conversation, auth.id(), &commands).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(SetRefused::Taken(name))) => {
            Err(ApiError::new(ErrorCode::Conflict, format!("another bot here answers /{name}")))
        }
        Err(e) if crate::error::is_unique_violation(&e) => {
            Err(ApiError::new(ErrorCode::Conflict, "another bot declared one of these names at the same time"))
        }
        Err(e) => Err(e.into()),
    }
}

/// The commands members of `conversation` can invoke.
pub async fn available(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
) -> Result<Vec<SlashCommand>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    require_member(&mut conn, conversation, user).await?;
    let rows = queries::of_conversation(&mut conn, conversation).await?;
    Ok(rows
        .into_iter()
        .map(|(name, description, bot)| SlashCommand { name, description, bot: bot.to_public() })
        .collect())
}

/// `user` invokes `/name args` in `conversation`; the seq of its event.
pub async fn invoke(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    name: &str,
    args: &str,
) -> Result<i64, ApiError> {
    let args = short_text(args, "args")?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    require_member(&mut conn, conversation, user).await?;
    let bot = queries::bot_for(&mut conn, conversation, name).await?.ok_or_else(|| ApiError::not_found("command"))?;
    drop(conn);
    let command = Command::InvokeCommand { conversation, invoker: user, bot, name: name.to_owned(), args };
    match state.writer.run(command).await? {
        Outcome::Logged(seq) => Ok(seq),
        other => Err(ApiError::internal(anyhow::anyhow!("unexpected outcome of an invocation: {other:?}"))),
    }
}

/// The invoked bot answers the invocation at `seq` for its invoker's eyes only.
pub async fn reply_ephemerally(
    state: &AppState,
    bot: &AuthUser,
    conversation: ConversationId,
    seq: i64,
    body: &str,
) -> Result<(), ApiError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::invalid_field("body", format!("1 to {MAX_BODY_CHARS} characters")));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    require_member(&mut conn, conversation, bot.id()).await?;
    let not_found = || ApiError::not_found("invocation");
    let (payload, at) = queries::invocation(&mut conn, conversation, seq).await?.ok_or_else(not_found)?;
    let Ok(EventKind::CommandInvoked { by, bot_id, .. }) = serde_json::from_value(payload) else {
        return Err(not_found());
    };
    if bot_id != bot.id() {
        return Err(not_found());
    }
    if (Utc::now() - at).num_seconds() > EPHEMERAL_REPLY_WINDOW_SECS {
        return Err(ApiError::new(
            ErrorCode::Unprocessable,
            format!("an invocation can be answered ephemerally for {} minutes", EPHEMERAL_REPLY_WINDOW_SECS / 60),
        ));
    }
    let frame = ServerFrame::EphemeralMessage {
        conversation_id: conversation,
        invocation_seq: seq,
        sender: bot.user.to_public(),
        body: body.to_owned(),
    };
    state.bus.publish(BusMessage::ToUsers { user_ids: vec![by], frame }).await;
    Ok(())
}
