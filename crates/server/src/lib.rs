//! Confab's server as a library: the binary in `main.rs` parses settings and calls
//! [`startup::Application`]; the integration tests start the same application on port 0.

pub mod admin;
pub mod auth;
pub mod backup;
pub mod bus;
pub mod chat;
pub mod client_address;
pub mod config;
pub mod egress;
pub mod error;
pub mod healing;
pub mod map_tiles;
pub mod media;
pub mod openapi;
pub mod presence;
pub mod push;
pub mod rate_limits;
pub mod routes;
pub mod secrets;
pub mod security;
pub mod social;
pub mod spa;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod validate;
pub mod webhooks;
pub mod ws;
