//! All of the app's network code: typed REST calls (gloo-net), one module per area, and the
//! WebSocket gateway. Nothing outside `api/` does HTTP or opens a socket.

pub mod account;
pub mod admin;
pub mod bots;
pub mod commands;
pub mod conversations;
pub mod early_socket;
pub mod emoji_data;
pub mod http;
pub mod media;
pub mod push;
pub mod settings;
pub mod social;
pub mod webhooks;
pub mod ws;

pub use http::ApiError;

use gloo_net::http::Method;
use protocol::Readiness;

/// `GET /readyz`: whether the server and its database answer.
pub async fn ready() -> Result<Readiness, ApiError> {
    http::public::<Readiness, ()>(Method::GET, "/readyz", None).await
}
