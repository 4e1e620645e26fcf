//! The Rust SDK for Confab: typed calls to the REST API and the WebSocket gateway, used by our
//! own tests, the load generator and third-party bots alike.
//!
//! Every error the server answers arrives as [`ClientError::Api`] with its stable code.
//!
//! - [`Client`]: REST calls, over `http://` or `https://`; [`Client::connect`] opens one
//!   gateway connection ([`ws::Socket`], `ws://` or `wss://`) and leaves reconnecting to you.
//! - [`session::Session`]: what a program that must not miss anything uses. It reconnects
//!   with capped, jittered backoff, follows the resume procedure of `docs/protocol.md`
//!   (known seq per conversation, catch-up through `events?after_seq=`, duplicates dropped)
//!   and keeps unacknowledged sends in an outbox resent with the same `client_msg_id`, so
//!   every event arrives once, in seq order per conversation, and every send is stored once.
//! - [`bot::BotRunner`]: slash commands declared wherever the bot is (answered with a message
//!   or ephemerally), mentions and messages over a session
//!   (`examples/faq_bot.rs` answers FAQ entries from a file and hands tickets to agents).
//! - TLS is rustls with the system's roots; [`Client::with_root_certificate_pem`] adds a
//!   private CA (both for REST and `wss://`) without turning verification off.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use client::session::{Credentials, Session, SessionConfig, SessionEvent};
//! let api = client::Client::new("https://chat.example.com")?;
//! // A bot's API token (`cfb_...`) is never refreshed; `Credentials::Password` signs in and
//! // refreshes its access token when the server says it expired.
//! let mut session = Session::start(&api, Credentials::Static("cfb_...".into()), SessionConfig::default()).await?;
//! while let Ok(item) = session.next_event().await {
//!     if let SessionEvent::Event(event) = item {
//!         println!("{} #{}", event.conversation_id, event.seq);
//!     }
//! }
//! # Ok(()) }
//! ```

use protocol::auth::{
    AuthResponse, ChangePasswordRequest, DeleteAccountRequest, LoginRequest, RefreshRequest, RegisterRequest,
    SessionInfo, TokenDelivery,
};
use protocol::conversations::{
    AddMembers, ConversationDetail, ConversationSettings, ConversationSummary, CreateConversation, EditMessage, Event,
    EventPage, ForwardMessage, Forwarded, MarkRead, Member, MemberRole, Message, MessagePage, MessageReaders,
    PinnedMessages, ReadMarker, SearchResults, SendMessage, SetRole, UpdateConversation, UpdateConversationSettings,
};
use protocol::media::{Attachment, MediaAccess, MediaUsage};
use protocol::social::{BlockedUser, Friend, FriendRequests, SendFriendRequest, SendFriendRequestOutcome};
use protocol::users::{Me, Page, PublicUser, UpdateProfileRequest};
use protocol::ws::ServerFrame;
use protocol::{ConversationId, ErrorBody, ErrorCode, Health, MessageId, Readiness, UserId};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;
use uuid::Uuid;

pub mod bot;
mod bots;
mod push;
pub mod session;
pub mod tls;
pub mod ws;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{status}: {body}")]
    Api {
        /// HTTP status.
        status: StatusCode,
        /// The decoded error.
        body: ErrorBody,
    },
    /// The request could not be sent or the response not read.
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// The response was not what the protocol promises.
    #[error("unexpected response ({status}): {detail}")]
    Unexpected {
        /// HTTP status.
        status: StatusCode,
        /// What was wrong.
        detail: String,
    },
    /// The base URL is unusable.
    #[error("invalid URL: {0}")]
    Url(#[from] url::ParseError),
    /// A certificate given to trust could not be used.
    #[error("{0}")]
    Tls(#[from] tls::TlsError),
}

impl ClientError {
    /// The API error code, when the server sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { body, .. } => Some(body.error),
            _ => None,
        }
    }

    /// The input field the server named as wrong, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Api { body, .. } => body.field.as_deref(),
            _ => None,
        }
    }
}

/// What a voice message's recorder measured, sent with its upload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Voice {
    /// Its length.
    pub duration_ms: u32,
    /// Levels 0–255 (at most 128).
    pub waveform: Vec<u8>,
}

/// A connection to one Confab server.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
    roots: tls::TrustedRoots,
}

impl Client {
    /// A client for the server at `base_url` (such as `http://127.0.0.1:8080`).
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        let mut base = Url::parse(base_url)?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let roots = tls::TrustedRoots::default();
        Ok(Self { http: http_client(&roots)?, base, token: None, roots })
    }

    /// The same server, also trusting the CA certificate(s) in `pem` for `https://` and
    /// `wss://` (a private CA, or a test's self-signed one). The system's roots stay trusted
    /// and certificates are still verified, host name included.
    pub fn with_root_certificate_pem(&self, pem: &[u8]) -> Result<Self, ClientError> {
        let roots = self.roots.with_pem(pem)?;
        Ok(Self { http: http_client(&roots)?, roots, ..self.clone() })
    }

    /// The certificates this client trusts beyond the system's.
    pub fn trusted_roots(&self) -> &tls::TrustedRoots {
        &self.roots
    }

    /// The token this client calls with, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The same server, calling as the holder of `access_token`.
    pub fn authenticated(&self, access_token: &str) -> Self {
        Self { token: Some(access_token.to_owned()), ..self.clone() }
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `GET /healthz`: is the process up?
    pub async fn health(&self) -> Result<Health, ClientError> {
        self.get_json("healthz").await
    }

    /// `GET /readyz`: can the server reach its database?
    pub async fn ready(&self) -> Result<Readiness, ClientError> {
        self.get_json("readyz").await
    }

    /// `GET /api/v1/settings`: the server's client-visible settings (its map tile server).
    pub async fn server_settings(&self) -> Result<protocol::settings::ServerSettings, ClientError> {
        self.get_json("api/v1/settings").await
    }

    /// `GET /api/v1/openapi.json`: the OpenAPI document, as JSON.
    pub async fn openapi(&self) -> Result<serde_json::Value, ClientError> {
        self.get_json("api/v1/openapi.json").await
    }

    /// `POST /auth/register`: creates an account and signs in (tokens in JSON).
    pub async fn register(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
    ) -> Result<AuthResponse, ClientError> {
        let body = RegisterRequest {
            username: username.into(),
            display_name: display_name.into(),
            password: password.into(),
            token_delivery: TokenDelivery::Json,
        };
        self.send(Method::POST, "api/v1/auth/register", Some(&body)).await
    }

    /// `POST /auth/login` (tokens in JSON).
    pub async fn login(&self, username: &str, password: &str) -> Result<AuthResponse, ClientError> {
        let body = LoginRequest {
            username: username.into(),
            password: password.into(),
            token_delivery: TokenDelivery::Json,
            totp_code: None,
        };
        self.send(Method::POST, "api/v1/auth/login", Some(&body)).await
    }

    /// `POST /auth/refresh`: spends `refresh_token` for new tokens.
    pub async fn refresh(&self, refresh_token: &str) -> Result<AuthResponse, ClientError> {
        let body = RefreshRequest { refresh_token: Some(refresh_token.into()), token_delivery: TokenDelivery::Json };
        self.send(Method::POST, "api/v1/auth/refresh", Some(&body)).await
    }

    /// `POST /auth/logout`: ends this client's session.
    pub async fn logout(&self) -> Result<(), ClientError> {
        self.send_empty(Method::POST, "api/v1/auth/logout", None::<&()>).await
    }

    /// `GET /auth/sessions`.
    pub async fn sessions(&self) -> Result<Vec<SessionInfo>, ClientError> {
        self.get_json("api/v1/auth/sessions").await
    }

    /// `DELETE /auth/sessions/{id}`.
    pub async fn revoke_session(&self, id: Uuid) -> Result<(), ClientError> {
        self.send_empty(Method::DELETE, &format!("api/v1/auth/sessions/{id}"), None::<&()>).await
    }

    /// `GET /users/me`.
    pub async fn me(&self) -> Result<Me, ClientError> {
        self.get_json("api/v1/users/me").await
    }

    /// `PATCH /users/me`.
    pub async fn update_me(&self, changes: &UpdateProfileRequest) -> Result<Me, ClientError> {
        self.send(Method::PATCH, "api/v1/users/me", Some(changes)).await
    }

    /// `PUT /users/me/password`: other sessions are signed out.
    pub async fn change_password(&self, current_password: &str, new_password: &str) -> Result<(), ClientError> {
        let body =
            ChangePasswordRequest { current_password: current_password.into(), new_password: new_password.into() };
        self.send_empty(Method::PUT, "api/v1/users/me/password", Some(&body)).await
    }

    /// `DELETE /users/me`.
    pub async fn delete_account(&self, password: &str) -> Result<(), ClientError> {
        self.send_empty(Method::DELETE, "api/v1/users/me", Some(&DeleteAccountRequest { password: password.into() }))
            .await
    }

    /// `GET /users/{id}`.
    pub async fn user(&self, id: UserId) -> Result<PublicUser, ClientError> {
        self.get_json(&format!("api/v1/users/{id}")).await
    }

    /// `GET /users?q=`: users by username or display-name prefix.
    pub async fn search_users(
        &self,
        q: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<PublicUser>, ClientError> {
        let mut request = self.request(Method::GET, "api/v1/users")?.query(&[("q", q)]);
        if let Some(limit) = limit {
            request = request.query(&[("limit", limit)]);
        }
        if let Some(cursor) = cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        decode(request.send().await?).await
    }

    /// `GET /friends` (first page).
    pub async fn friends(&self) -> Result<Page<Friend>, ClientError> {
        self.get_json("api/v1/friends").await
    }

    /// `DELETE /friends/{user_id}`.
    pub async fn unfriend(&self, user: UserId) -> Result<(), ClientError> {
        self.send_empty(Method::DELETE, &format!("api/v1/friends/{user}"), None::<&()>).await
    }

    /// `GET /friend-requests`.
    pub async fn friend_requests(&self) -> Result<FriendRequests, ClientError> {
        self.get_json("api/v1/friend-requests").await
    }

    /// `POST /friend-requests`.
    pub async fn send_friend_request(&self, to: UserId) -> Result<SendFriendRequestOutcome, ClientError> {
        self.send(Method::POST, "api/v1/friend-requests", Some(&SendFriendRequest { user_id: to })).await
    }

    /// `POST /friend-requests/{id}/accept`.
    pub async fn accept_friend_request(&self, id: Uuid) -> Result<Friend, ClientError> {
        self.send(Method::POST, &format!("api/v1/friend-requests/{id}/accept"), None::<&()>).await
    }

    /// `POST /friend-requests/{id}/decline`.
    pub async fn decline_friend_request(&self, id: Uuid) -> Result<(), ClientError> {
        self.send_empty(Method::POST, &format!("api/v1/friend-requests/{id}/decline"), None::<&()>).await
    }

    /// `DELETE /friend-requests/{id}`: the sender cancels.
    pub async fn cancel_friend_request(&self, id: Uuid) -> Result<(), ClientError> {
        self.send_empty(Method::DELETE, &format!("api/v1/friend-requests/{id}"), None::<&()>).await
    }

    /// `GET /blocks`.
    pub async fn blocks(&self) -> Result<Vec<BlockedUser>, ClientError> {
        self.get_json("api/v1/blocks").await
    }

    /// `PUT /blocks/{user_id}`.
    pub async fn block(&self, user: UserId) -> Result<(), ClientError> {
        self.send_empty(Method::PUT, &format!("api/v1/blocks/{user}"), None::<&()>).await
    }

    /// `DELETE /blocks/{user_id}`.
    pub async fn unblock(&self, user: UserId) -> Result<(), ClientError> {
        self.send_empty(Method::DELETE, &format!("api/v1/blocks/{user}"), None::<&()>).await
    }

    /// `GET /api/v1/conversations`: one page of the caller's conversations.
    pub async fn conversations(&self, cursor: Option<&str>) -> Result<Page<ConversationSummary>, ClientError> {
        let mut request = self.request(Method::GET, "api/v1/conversations")?;
        if let Some(cursor) = cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        decode(request.send().await?).await
    }

    /// `POST /api/v1/conversations` with `kind: dm`: opens (or returns) the DM with a friend.
    pub async fn open_dm(&self, user: UserId) -> Result<ConversationSummary, ClientError> {
        self.send(Method::POST, "api/v1/conversations", Some(&CreateConversation::Dm { user_id: user })).await
    }

    /// `POST /api/v1/conversations` with `kind: group`.
    pub async fn create_group(&self, title: &str, members: &[UserId]) -> Result<ConversationSummary, ClientError> {
        let body = CreateConversation::Group { title: title.to_owned(), member_ids: members.to_vec() };
        self.send(Method::POST, "api/v1/conversations", Some(&body)).await
    }

    /// `GET /api/v1/conversations/{id}`.
    pub async fn conversation(&self, id: ConversationId) -> Result<ConversationDetail, ClientError> {
        self.get_json(&format!("api/v1/conversations/{id}")).await
    }

    /// `PATCH /api/v1/conversations/{id}`: renames a group.
    pub async fn rename_conversation(
        &self,
        id: ConversationId,
        title: &str,
    ) -> Result<ConversationSummary, ClientError> {
        self.send(
            Method::PATCH,
            &format!("api/v1/conversations/{id}"),
            Some(&UpdateConversation { title: Some(title.to_owned()), description: None }),
        )
        .await
    }

    /// `PATCH /api/v1/conversations/{id}`: changes a group's description (empty removes it).
    pub async fn describe_conversation(
        &self,
        id: ConversationId,
        description: &str,
    ) -> Result<ConversationSummary, ClientError> {
        let body = UpdateConversation { title: None, description: Some(description.to_owned()) };
        self.send(Method::PATCH, &format!("api/v1/conversations/{id}"), Some(&body)).await
    }

    /// `POST /api/v1/conversations/{id}/members`.
    pub async fn add_members(&self, id: ConversationId, users: &[UserId]) -> Result<ConversationDetail, ClientError> {
        let body = AddMembers { user_ids: users.to_vec() };
        self.send(Method::POST, &format!("api/v1/conversations/{id}/members"), Some(&body)).await
    }

    /// `DELETE /api/v1/conversations/{id}/members/{user}`.
    pub async fn remove_member(&self, id: ConversationId, user: UserId) -> Result<(), ClientError> {
        self.send_empty(Method::DELETE, &format!("api/v1/conversations/{id}/members/{user}"), None::<&()>).await
    }

    /// `PUT /api/v1/conversations/{id}/members/{user}/role`.
    pub async fn set_role(&self, id: ConversationId, user: UserId, role: MemberRole) -> Result<Member, ClientError> {
        self.send(Method::PUT, &format!("api/v1/conversations/{id}/members/{user}/role"), Some(&SetRole { role })).await
    }

    /// `POST /api/v1/conversations/{id}/leave`.
    pub async fn leave(&self, id: ConversationId) -> Result<(), ClientError> {
        self.send_empty(Method::POST, &format!("api/v1/conversations/{id}/leave"), None::<&()>).await
    }

    /// `GET /api/v1/conversations/{id}/messages`: history, newest first.
    pub async fn messages(
        &self,
        id: ConversationId,
        before_seq: Option<i64>,
        limit: Option<u32>,
    ) -> Result<MessagePage, ClientError> {
        let mut request = self.request(Method::GET, &format!("api/v1/conversations/{id}/messages"))?;
        if let Some(before) = before_seq {
            request = request.query(&[("before_seq", before)]);
        }
        if let Some(limit) = limit {
            request = request.query(&[("limit", limit)]);
        }
        decode(request.send().await?).await
    }

    /// `GET /api/v1/conversations/{id}/events?after_seq=`: one page of missed events.
    pub async fn events(
        &self,
        id: ConversationId,
        after_seq: i64,
        limit: Option<u32>,
    ) -> Result<EventPage, ClientError> {
        let mut request = self.request(Method::GET, &format!("api/v1/conversations/{id}/events"))?;
        request = request.query(&[("after_seq", after_seq)]);
        if let Some(limit) = limit {
            request = request.query(&[("limit", limit)]);
        }
        decode(request.send().await?).await
    }

    /// Every event after `after_seq`, following `has_more` page by page.
    pub async fn all_events(&self, id: ConversationId, mut after_seq: i64) -> Result<Vec<Event>, ClientError> {
        let mut all = Vec::new();
        loop {
            let page = self.events(id, after_seq, Some(protocol::conversations::MAX_PAGE)).await?;
            after_seq = page.items.last().map_or(after_seq, |e| e.seq);
            all.extend(page.items);
            if !page.has_more {
                return Ok(all);
            }
        }
    }

    /// `POST /api/v1/conversations/{id}/messages`: sends (idempotent on `client_msg_id`).
    pub async fn send_message(&self, id: ConversationId, message: &SendMessage) -> Result<Message, ClientError> {
        self.send(Method::POST, &format!("api/v1/conversations/{id}/messages"), Some(message)).await
    }

    /// `PATCH /api/v1/conversations/{id}/messages/{message}`.
    pub async fn edit_message(
        &self,
        id: ConversationId,
        message: MessageId,
        body: &str,
    ) -> Result<Message, ClientError> {
        let path = format!("api/v1/conversations/{id}/messages/{message}");
        self.send(Method::PATCH, &path, Some(&EditMessage { body: body.to_owned() })).await
    }

    /// `DELETE /api/v1/conversations/{id}/messages/{message}`: returns the tombstone.
    pub async fn delete_message(&self, id: ConversationId, message: MessageId) -> Result<Message, ClientError> {
        self.send(Method::DELETE, &format!("api/v1/conversations/{id}/messages/{message}"), None::<&()>).await
    }

    /// `PUT` (`add`) or `DELETE .../messages/{message}/reactions/{emoji}`: the message with
    /// its reactions after the change.
    pub async fn react(
        &self,
        id: ConversationId,
        message: MessageId,
        emoji: &str,
        add: bool,
    ) -> Result<Message, ClientError> {
        let method = if add { Method::PUT } else { Method::DELETE };
        // The URL parser percent-encodes the emoji.
        self.send(method, &format!("api/v1/conversations/{id}/messages/{message}/reactions/{emoji}"), None::<&()>).await
    }

    /// `PUT` (`pinned`) or `DELETE /api/v1/conversations/{id}/pins/{message}`.
    pub async fn pin(&self, id: ConversationId, message: MessageId, pinned: bool) -> Result<Message, ClientError> {
        let method = if pinned { Method::PUT } else { Method::DELETE };
        self.send(method, &format!("api/v1/conversations/{id}/pins/{message}"), None::<&()>).await
    }

    /// `GET /api/v1/conversations/{id}/pins`: pinned messages, most recently pinned first.
    pub async fn pins(&self, id: ConversationId) -> Result<PinnedMessages, ClientError> {
        self.get_json(&format!("api/v1/conversations/{id}/pins")).await
    }

    /// `POST /api/v1/conversations/{id}/messages/{message}/forward`: one copy per target.
    pub async fn forward(
        &self,
        id: ConversationId,
        message: MessageId,
        request: &ForwardMessage,
    ) -> Result<Forwarded, ClientError> {
        self.send(Method::POST, &format!("api/v1/conversations/{id}/messages/{message}/forward"), Some(request)).await
    }

    /// `PUT /api/v1/conversations/{id}/settings`: mute, unmute, archive, unarchive.
    pub async fn update_settings(
        &self,
        id: ConversationId,
        settings: &UpdateConversationSettings,
    ) -> Result<ConversationSettings, ClientError> {
        self.send(Method::PUT, &format!("api/v1/conversations/{id}/settings"), Some(settings)).await
    }

    /// `GET /api/v1/conversations/{id}/messages/{message}/readers`.
    pub async fn readers(&self, id: ConversationId, message: MessageId) -> Result<MessageReaders, ClientError> {
        self.get_json(&format!("api/v1/conversations/{id}/messages/{message}/readers")).await
    }

    /// `POST /api/v1/conversations/{id}/read`.
    pub async fn mark_read(&self, id: ConversationId, seq: i64) -> Result<ReadMarker, ClientError> {
        self.send(Method::POST, &format!("api/v1/conversations/{id}/read"), Some(&MarkRead { seq })).await
    }

    /// `GET /api/v1/search?q=`.
    pub async fn search_messages(&self, q: &str) -> Result<SearchResults, ClientError> {
        let request = self.request(Method::GET, "api/v1/search")?.query(&[("q", q)]);
        decode(request.send().await?).await
    }

    /// `POST /api/v1/media`: uploads `bytes` as a file named `name` (the server decides what
    /// it is from the bytes). Attach the answer's `id` to a message with `SendMessage.attachments`.
    pub async fn upload(&self, name: &str, bytes: Vec<u8>, voice: Option<Voice>) -> Result<Attachment, ClientError> {
        let mut form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
        if let Some(voice) = voice {
            let levels: Vec<String> = voice.waveform.iter().map(u8::to_string).collect();
            form = form
                .text("kind", "voice")
                .text("duration_ms", voice.duration_ms.to_string())
                .text("waveform", levels.join(","));
        }
        decode(self.request(Method::POST, "api/v1/media")?.multipart(form).send().await?).await
    }

    /// `GET /api/v1/media/access`: the token that attachment URLs need.
    pub async fn media_access(&self) -> Result<MediaAccess, ClientError> {
        self.get_json("api/v1/media/access").await
    }

    /// `GET /api/v1/media/usage`.
    pub async fn media_usage(&self) -> Result<MediaUsage, ClientError> {
        self.get_json("api/v1/media/usage").await
    }

    /// Fetches an attachment's `url` (or `thumbnail`) with `access`, as a browser would: the
    /// raw response, so callers can read status, headers and bytes.
    pub async fn download(&self, url: &str, access: &MediaAccess) -> Result<reqwest::Response, ClientError> {
        let path = Attachment::with_access(url, access);
        Ok(self.http.get(self.base.join(path.trim_start_matches('/'))?).send().await?)
    }

    /// Opens the WebSocket gateway with this client's token and waits for `ready`.
    pub async fn connect(&self) -> Result<(ws::Socket, ServerFrame), ws::SocketError> {
        let token = self.token.as_deref().ok_or(ws::SocketError::NoToken)?;
        ws::Socket::connect_trusting(&self.base, token, &self.roots).await
    }

    /// A raw request to a path relative to the base URL (with this client's token), for routes
    /// the SDK has no method for.
    pub fn request(&self, method: Method, path: &str) -> Result<reqwest::RequestBuilder, ClientError> {
        let request = self.http.request(method, self.base.join(path.trim_start_matches('/'))?);
        Ok(match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        })
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let response = self.request(Method::GET, path)?.send().await?;
        decode(response).await
    }

    async fn send<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let mut request = self.request(method, path)?;
        if let Some(body) = body {
            request = request.json(body);
        }
        decode(request.send().await?).await
    }

    async fn send_empty<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<(), ClientError> {
        let mut request = self.request(method, path)?;
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        if response.status().is_success() {
            return Ok(());
        }
        decode::<serde_json::Value>(response).await.map(|_| ())
    }
}

/// The HTTP client for a set of trusted roots.
fn http_client(roots: &tls::TrustedRoots) -> Result<reqwest::Client, ClientError> {
    let mut certificates = Vec::new();
    for root in roots.extra() {
        certificates.push(reqwest::Certificate::from_der(root)?);
    }
    Ok(reqwest::Client::builder()
        .user_agent(concat!("confab-client/", env!("CARGO_PKG_VERSION")))
        .tls_certs_merge(certificates)
        .build()?)
}

/// Decodes a success body as `T`, or an error body as [`ClientError::Api`].
pub async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ClientError> {
    let status = response.status();
    let bytes = response.bytes().await?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Unexpected { status, detail: format!("undecodable body: {e}") });
    }
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => Err(ClientError::Api { status, body }),
        Err(_) => {
            Err(ClientError::Unexpected { status, detail: String::from_utf8_lossy(&bytes).chars().take(200).collect() })
        }
    }
}
