//! Bots and API tokens from Rust: a person's calls to create and manage their bots and tokens,
//! and [`Client::with_api_token`] for a program that acts with one.

use protocol::UserId;
use protocol::bots::{ApiToken, ApiTokenId, Bot, CreateApiToken, CreateBot, UpdateBot};
use protocol::media::MediaId;
use protocol::users::SetPicture;
use reqwest::Method;

use crate::{Client, ClientError};

impl Client {
    /// A client acting with an API token (`cfb_…`): it never expires mid-session and is never
    /// refreshed, so it suits bots and scripts.
    pub fn with_api_token(&self, token: &str) -> Self {
        self.authenticated(token)
    }

    /// `POST /bots`: a bot owned by the caller.
    pub async fn create_bot(&self, bot: &CreateBot) -> Result<Bot, ClientError> {
        self.send(Method::POST, "api/v1/bots", Some(bot)).await
    }

    /// `GET /bots`: the caller's bots.
    pub async fn bots(&self) -> Result<Vec<Bot>, ClientError> {
        self.get_json("api/v1/bots").await
    }

    /// `PATCH /bots/{id}`.
    pub async fn update_bot(&self, id: UserId, changes: &UpdateBot) -> Result<Bot, ClientError> {
        self.send(Method::PATCH, &format!("api/v1/bots/{id}"), Some(changes)).await
    }

    /// `PUT /bots/{id}/avatar` with one of the caller's picture uploads, or `DELETE` with `None`
    /// (initials again).
    pub async fn set_bot_avatar(&self, id: UserId, media: Option<MediaId>) -> Result<Bot, ClientError> {
        let path = format!("api/v1/bots/{id}/avatar");
        match media {
            Some(media_id) => self.send(Method::PUT, &path, Some(&SetPicture { media_id })).await,
            None => self.send(Method::DELETE, &path, None::<&()>).await,
        }
    }

    /// `DELETE /bots/{id}`.
    pub async fn delete_bot(&self, id: UserId) -> Result<(), ClientError> {
        self.send_empty(Method::DELETE, &format!("api/v1/bots/{id}"), None::<&()>).await
    }

    /// `POST /tokens`: a token for the caller or one of their bots. The secret is in
    /// [`protocol::bots::CreatedApiToken::token`], this once.
    pub async fn create_token(&self, token: &CreateApiToken) -> Result<protocol::bots::CreatedApiToken, ClientError> {
        self.send(Method::POST, "api/v1/tokens", Some(token)).await
    }

    /// `GET /tokens`: live tokens of the caller and their bots.
    pub async fn tokens(&self) -> Result<Vec<ApiToken>, ClientError> {
        self.get_json("api/v1/tokens").await
    }

    /// `DELETE /tokens/{id}`.
    pub async fn revoke_token(&self, id: ApiTokenId) -> Result<(), ClientError> {
        self.send_empty(Method::DELETE, &format!("api/v1/tokens/{}", id.0), None::<&()>).await
    }
}

impl Client {
    /// `PUT /conversations/{id}/commands`: the calling bot's slash commands there.
    pub async fn set_commands(
        &self,
        conversation: protocol::ConversationId,
        commands: &protocol::bots::SetCommands,
    ) -> Result<(), ClientError> {
        self.send_empty(Method::PUT, &format!("api/v1/conversations/{conversation}/commands"), Some(commands)).await
    }

    /// `GET /conversations/{id}/commands`.
    pub async fn commands(
        &self,
        conversation: protocol::ConversationId,
    ) -> Result<Vec<protocol::bots::SlashCommand>, ClientError> {
        self.get_json(&format!("api/v1/conversations/{conversation}/commands")).await
    }

    /// `POST /conversations/{id}/commands/{name}`: invokes `/name args`.
    pub async fn invoke_command(
        &self,
        conversation: protocol::ConversationId,
        name: &str,
        args: &str,
    ) -> Result<protocol::bots::CommandInvocation, ClientError> {
        let body = protocol::bots::InvokeCommand { args: args.to_owned() };
        self.send(Method::POST, &format!("api/v1/conversations/{conversation}/commands/{name}"), Some(&body)).await
    }

    /// `POST /conversations/{id}/commands/invocations/{seq}/reply`: an ephemeral answer.
    pub async fn reply_ephemerally(
        &self,
        conversation: protocol::ConversationId,
        seq: i64,
        body: &str,
    ) -> Result<(), ClientError> {
        let reply = protocol::bots::EphemeralReply { body: body.to_owned() };
        let path = format!("api/v1/conversations/{conversation}/commands/invocations/{seq}/reply");
        self.send_empty(Method::POST, &path, Some(&reply)).await
    }
}
