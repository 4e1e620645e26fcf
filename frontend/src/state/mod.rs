//! Global client state, provided as contexts by `App`.

pub mod chat;
pub mod session;
pub mod theme;
