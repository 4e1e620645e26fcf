//! The server's security policy, kept in `server_settings`: whether administrators must have
//! two-factor authentication on to use the admin API (checked by the `Admin` extractor).

use diesel_async::AsyncPgConnection;
use protocol::admin::SecurityPolicy;
use protocol::{ErrorCode, UserId};

use crate::auth::two_factor;
use crate::error::ApiError;

/// Its key in `server_settings`.
pub const POLICY_KEY: &str = "security";

/// The policy; nothing required until an admin says so. A stored value that no longer reads
/// fails closed (second factor required), never silently open.
pub async fn policy(conn: &mut AsyncPgConnection) -> Result<SecurityPolicy, ApiError> {
    let Some(value) = db::queries::admin::setting(conn, POLICY_KEY).await? else {
        return Ok(SecurityPolicy { require_two_factor_for_admins: false });
    };
    Ok(serde_json::from_value(value).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the stored security policy is unreadable; requiring two-factor of admins");
        SecurityPolicy { require_two_factor_for_admins: true }
    }))
}

/// 403 `two_factor_required` when the policy asks administrators for a second factor and
/// `admin` has none.
pub async fn check_admin(conn: &mut AsyncPgConnection, admin: UserId) -> Result<(), ApiError> {
    if policy(conn).await?.require_two_factor_for_admins && !two_factor::is_enabled(conn, admin).await? {
        return Err(ApiError::new(
            ErrorCode::TwoFactorRequired,
            "administrators must turn on two-factor authentication (in their settings) to use administration",
        ));
    }
    Ok(())
}
