//! The operators' API (`/api/v1/admin/...`): users, conversations and moderation, retention,
//! the security policy, stats and the audit log. The server checks the admin role on every call
//! (403 otherwise), and the second factor when the security policy requires it of admins (403
//! `two_factor_required`).

use gloo_net::http::Method;
use protocol::admin::{
    AdminConversation, AdminCreateUser, AdminResetPassword, AdminSetRole, AdminUpdateUser, AdminUser, AdminUserDetail,
    AuditEntry, Retention, SecurityPolicy, Stats,
};
use protocol::conversations::{Message, MessagePage};
use protocol::users::{Page, Role};
use protocol::{ConversationId, MessageId, UserId};

use super::http::{self, ApiError, encode};
use crate::state::session::Session;

/// Page size of the admin lists and histories.
const PAGE: u32 = 50;

/// `&cursor=…` when there is one.
fn cursor_param(cursor: Option<&str>) -> String {
    cursor.map(|c| format!("&cursor={}", encode(c))).unwrap_or_default()
}

/// Users matching a name prefix and a status (`all`, `active`, `disabled`, `admin`, `deleted`).
pub async fn users(session: Session, q: &str, status: &str, cursor: Option<&str>) -> Result<Page<AdminUser>, ApiError> {
    let path =
        format!("/api/v1/admin/users?limit={PAGE}&q={}&status={}{}", encode(q), encode(status), cursor_param(cursor));
    http::authed::<_, ()>(session, Method::GET, &path, None).await
}

/// One user with their counts.
pub async fn user(session: Session, id: UserId) -> Result<AdminUserDetail, ApiError> {
    http::authed::<_, ()>(session, Method::GET, &format!("/api/v1/admin/users/{id}"), None).await
}

/// Creates an account with a first password (the server applies the sign-up rules and answers
/// `username_taken` for a name in use).
pub async fn create_user(session: Session, account: AdminCreateUser) -> Result<AdminUser, ApiError> {
    http::authed(session, Method::POST, "/api/v1/admin/users", Some(&account)).await
}

/// Renames a user (username, display name or both).
pub async fn update_user(session: Session, id: UserId, changes: AdminUpdateUser) -> Result<AdminUser, ApiError> {
    http::authed(session, Method::PATCH, &format!("/api/v1/admin/users/{id}"), Some(&changes)).await
}

/// Sets a new password; the user is signed out everywhere.
pub async fn reset_password(session: Session, id: UserId, password: String) -> Result<(), ApiError> {
    let body = AdminResetPassword { password };
    http::authed_empty(session, Method::POST, &format!("/api/v1/admin/users/{id}/password"), Some(&body)).await
}

/// Disables an account (its sockets close at once) or enables it again.
pub async fn set_disabled(session: Session, id: UserId, disabled: bool) -> Result<AdminUser, ApiError> {
    let verb = if disabled { "disable" } else { "enable" };
    http::authed::<_, ()>(session, Method::POST, &format!("/api/v1/admin/users/{id}/{verb}"), None).await
}

/// Makes a user an admin or a plain user (the server refuses to demote the last admin).
pub async fn set_role(session: Session, id: UserId, role: Role) -> Result<AdminUser, ApiError> {
    http::authed(session, Method::PUT, &format!("/api/v1/admin/users/{id}/role"), Some(&AdminSetRole { role })).await
}

/// Deletes an account; its messages stay, from "Deleted user".
pub async fn delete_user(session: Session, id: UserId) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::DELETE, &format!("/api/v1/admin/users/{id}"), None).await
}

/// Every conversation, newest activity first.
pub async fn conversations(session: Session, cursor: Option<&str>) -> Result<Page<AdminConversation>, ApiError> {
    let path = format!("/api/v1/admin/conversations?limit={PAGE}{}", cursor_param(cursor));
    http::authed::<_, ()>(session, Method::GET, &path, None).await
}

/// A page of any conversation's history, newest first, tombstones included.
pub async fn messages(session: Session, id: ConversationId, before_seq: Option<i64>) -> Result<MessagePage, ApiError> {
    let before = before_seq.map(|b| format!("&before_seq={b}")).unwrap_or_default();
    let path = format!("/api/v1/admin/conversations/{id}/messages?limit={PAGE}{before}");
    http::authed::<_, ()>(session, Method::GET, &path, None).await
}

/// Removes a message as moderation; members see it go live.
pub async fn remove_message(session: Session, id: ConversationId, message: MessageId) -> Result<Message, ApiError> {
    let path = format!("/api/v1/admin/conversations/{id}/messages/{message}");
    http::authed::<_, ()>(session, Method::DELETE, &path, None).await
}

/// A conversation's whole history, as the JSON text to save.
pub async fn export_conversation(session: Session, id: ConversationId) -> Result<String, ApiError> {
    http::authed_text(session, &format!("/api/v1/admin/conversations/{id}/export")).await
}

/// Sets how many days messages are kept (`None`: forever); the server sweeps at once.
pub async fn set_retention(session: Session, days: Option<u32>) -> Result<Retention, ApiError> {
    http::authed(session, Method::PUT, "/api/v1/admin/retention", Some(&Retention { days })).await
}

/// The security policy; also how the admin frame learns that the policy keeps this admin out
/// until they turn on their own second factor (403 `two_factor_required`).
pub async fn security(session: Session) -> Result<SecurityPolicy, ApiError> {
    http::authed::<_, ()>(session, Method::GET, "/api/v1/admin/security", None).await
}

/// Requires (or stops requiring) two-factor authentication of administrators; the server
/// refuses to require it (403 `two_factor_required`) of an admin who has not turned on their own.
pub async fn set_security(session: Session, policy: SecurityPolicy) -> Result<SecurityPolicy, ApiError> {
    http::authed(session, Method::PUT, "/api/v1/admin/security", Some(&policy)).await
}

/// The dashboard's numbers.
pub async fn stats(session: Session) -> Result<Stats, ApiError> {
    http::authed::<_, ()>(session, Method::GET, "/api/v1/admin/stats", None).await
}

/// The audit log, newest first, optionally only actions starting with `action`.
pub async fn audit(session: Session, action: &str, cursor: Option<&str>) -> Result<Page<AuditEntry>, ApiError> {
    let path = format!("/api/v1/admin/audit?limit={PAGE}&action={}{}", encode(action), cursor_param(cursor));
    http::authed::<_, ()>(session, Method::GET, &path, None).await
}
