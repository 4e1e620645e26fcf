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

use chrono::{DateTime, Utc};
use db::models::User;
use protocol::UserId;
use protocol::admin::AdminUser;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::ApiError;

/// Largest page of users, conversations or audit entries.
pub(super) const MAX_PAGE: u32 = 200;

pub(super) fn admin_view(user: &User) -> AdminUser {
    AdminUser {
        id: UserId(user.id),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role(),
        disabled_at: user.disabled_at,
        deleted_at: user.deleted_at,
        last_seen_at: user.last_seen_at,
        created_at: user.created_at,
    }
}

pub(super) fn time_cursor(cursor: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bad = || ApiError::invalid_field("cursor", "not a cursor from this API");
    let (micros, id) = cursor.split_once('_').ok_or_else(bad)?;
    let at = DateTime::from_timestamp_micros(micros.parse().map_err(|_| bad())?).ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

pub(super) fn make_time_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}_{id}", at.timestamp_micros())
}

/// Query of the admin conversation list and audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CursorQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}
