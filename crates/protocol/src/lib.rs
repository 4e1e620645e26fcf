//! Confab's wire protocol: every type that crosses the network between the server, the Rust
//! `client` crate and the browser, with serde only, so it builds for wasm32 as well as natively.
//!
//! Breaking changes get a new [`PROTOCOL_VERSION`], never a silent change to an existing shape.

pub mod admin;
pub mod auth;
pub mod bots;
pub mod conversations;
pub mod error;
pub mod health;
pub mod ids;
pub mod media;
pub mod push;
pub mod settings;
pub mod social;
pub mod users;
pub mod webhooks;
pub mod ws;

pub use error::{ErrorBody, ErrorCode};
pub use health::{Health, Readiness};
pub use ids::{ConversationId, MessageId, UserId};

/// Version of the REST + WebSocket protocol described by this crate.
pub const PROTOCOL_VERSION: u32 = 1;

/// Prefix of every REST route.
pub const API_PREFIX: &str = "/api/v1";
