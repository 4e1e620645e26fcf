//! Slash commands as a member uses them: the commands the conversation's bots declared (for the
//! composer's suggestions) and invoking one. Bots declare and answer through their own tokens,
//! never from the web app.

use gloo_net::http::Method;
use protocol::ConversationId;
use protocol::bots::{CommandInvocation, InvokeCommand, SlashCommand};

use super::http::{self, ApiError, encode};
use crate::state::session::Session;

/// The commands members of conversation `id` can invoke.
pub async fn list(session: Session, id: ConversationId) -> Result<Vec<SlashCommand>, ApiError> {
    http::authed::<_, ()>(session, Method::GET, &format!("/api/v1/conversations/{}/commands", id.0), None).await
}

/// Invokes `/name args` in conversation `id`; the answer is where its `command_invoked` event sits.
pub async fn invoke(
    session: Session,
    id: ConversationId,
    name: &str,
    args: String,
) -> Result<CommandInvocation, ApiError> {
    let path = format!("/api/v1/conversations/{}/commands/{}", id.0, encode(name));
    http::authed(session, Method::POST, &path, Some(&InvokeCommand { args })).await
}
