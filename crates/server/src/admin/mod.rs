//! Operators: the `Admin` extractor (403 for everyone else, and for admins without the second
//! factor the security policy may require; checked on every request), the audit helper every
//! admin action goes through, the retention sweep, the security policy, and the command-line
//! bootstrap of the first admin.

pub mod cli;
pub mod retention;
pub mod security;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use protocol::users::Role;
use protocol::{ErrorCode, UserId};
use uuid::Uuid;

use crate::auth::{AuthUser, SessionUser};
use crate::error::ApiError;
use crate::state::AppState;

/// An authenticated caller whose role is `admin` as of this request.
#[derive(Debug, Clone)]
pub struct Admin {
    /// The admin.
    pub auth: AuthUser,
    /// Their address, for the audit log.
    pub ip: String,
}

impl Admin {
    /// The admin's id.
    pub fn id(&self) -> UserId {
        self.auth.id()
    }

    /// Records an action in the audit log.
    pub async fn audit(
        &self,
        state: &AppState,
        action: &str,
        target: (&str, Option<Uuid>),
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        let mut conn = db::pool::checkout(&state.pool).await?;
        db::queries::admin::audit(&mut conn, self.id(), action, target, detail, &self.ip).await?;
        Ok(())
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Never with an API token: the admin API needs the operator signed in.
        let session = SessionUser::from_request(req, payload);
        let ip = crate::routes::auth::client_address(req);
        let state = req.app_data::<actix_web::web::Data<AppState>>().cloned();
        Box::pin(async move {
            let auth = session.await?.auth;
            if auth.user.role() != Role::Admin {
                return Err(ApiError::new(ErrorCode::Forbidden, "administrators only"));
            }
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no application state")))?;
            let mut conn = db::pool::checkout(&state.pool).await?;
            security::check_admin(&mut conn, auth.id()).await?;
            Ok(Self { auth, ip })
        })
    }
}
