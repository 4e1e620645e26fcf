//! Global client state, provided as contexts by `App`.

pub mod chat;
pub mod media;
pub mod server_settings;
pub mod session;
pub mod theme;
pub mod trays;
pub mod uploads;
