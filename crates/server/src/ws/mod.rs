//! The real-time side: `session` serves one WebSocket, `hub` routes frames to live
//! connections in this process, `bus` carries committed changes between processes.

pub mod bus;
pub mod hub;
pub mod sequencer;
pub mod session;
