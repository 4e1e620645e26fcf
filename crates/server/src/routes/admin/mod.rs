//! `/api/v1/admin/...`: user management, chat history and moderation, retention, stats and the
//! audit log, one file each. Every handler takes the `Admin` extractor (403 otherwise) and
//! records what it changed in the audit log.

mod audit;
mod bots;
mod conversations;
mod policy;
mod stats;
mod users;

pub use audit::*;
pub use bots::*;
pub use conversations::*;
pub use policy::*;
pub use stats::*;
pub use users::*;

use db::models::User;
use protocol::admin::AdminUser;
use serde::Deserialize;

/// Largest page of users, conversations or audit entries.
pub(super) const MAX_PAGE: u32 = 200;

pub(super) fn admin_view(user: &User) -> AdminUser {
    AdminUser {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role(),
        disabled_at: user.disabled_at,
        deleted_at: user.deleted_at,
        last_seen_at: user.last_seen_at,
        created_at: user.created_at,
    }
}

pub(super) use super::time_cursor::{make as make_time_cursor, parse as time_cursor};

/// Query of the admin conversation list and audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CursorQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}
