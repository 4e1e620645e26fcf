//! The server's security policy, kept in `server_settings`: whether administrators must have
//! two-factor authentication on to use the admin API (checked by the `Admin` extractor).

use diesel_async::AsyncPgConnection;
use protocol::ErrorCode;
use protocol::admin::SecurityPolicy;
use uuid::Uuid;

use crate::auth::two_factor;
use crate::error::ApiError;

/// Its key in `server_settings`.
pub const POLICY_KEY: &str = "security";

/// The policy; nothing required until an admin says so.
pub async fn policy(conn: &mut AsyncPgConnection) -> Result<SecurityPolicy, ApiError> {
    let value = db::queries::admin::setting(conn, POLICY_KEY).await?;
    Ok(value
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or(SecurityPolicy { require_two_factor_for_admins: false }))
}

/// 403 `two_factor_required` when the policy asks administrators for a second factor and
/// `admin` has none.
pub async fn check_admin(conn: &mut AsyncPgConnection, admin: Uuid) -> Result<(), ApiError> {
    if policy(conn).await?.require_two_factor_for_admins && !two_factor::is_enabled(conn, admin).await? {
        return Err(ApiError::new(
            ErrorCode::TwoFactorRequired,
            "administrators must turn on two-factor authentication (in their settings) to use administration",
        ));
    }
    Ok(())
}
