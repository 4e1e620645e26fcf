//! Global client state, provided as contexts by `App`.

pub mod chat;
pub mod notifications;
pub mod outbox;
pub mod session;
pub mod theme;
