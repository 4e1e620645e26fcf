//! API tests: the real server on port 0, a real PostgreSQL database per test, driven through the
//! `client` crate. One binary, so the test cluster and its migrated template are shared.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed unwrap fails the test, with its location")]

mod accounts;
mod admin;
mod backup;
mod bot_avatars;
mod bot_runner;
mod bots;
mod conversations;
mod hardening;
mod healing;
mod health;
mod media;
mod nats_server;
mod observability;
mod push;
mod realtime;
mod rich_messages;
mod s3_server;
mod scale_out;
mod sdk_resume;
mod social;
mod startup;
mod static_files;
mod support;
mod two_factor;
mod webhooks;
mod write_path;
