//! The WebSocket gateway: `session` serves one WebSocket, `hub` routes what the domain's bus
//! delivers to the live connections in this process, `heartbeat` schedules their pings,
//! `draining` refuses new sockets once shutdown has begun. The gateway depends on the domain
//! (`chat`, `bus`), never the reverse.

pub mod draining;
mod heartbeat;
pub mod hub;
pub mod session;
