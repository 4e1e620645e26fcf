//! `ApiError`: what every handler returns on failure. It carries a stable [`ErrorCode`] and a
//! safe message for the client, and the underlying cause for the log only (never sent).
//!
//! Status codes are chosen in one `match`, so one code always means one status.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use protocol::{ErrorBody, ErrorCode};

/// An error answered to a client as `{"error": code, "message": text}`, plus `"field"` when
/// it concerns one input field.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    field: Option<String>,
    retry_after_secs: Option<u64>,
    cause: Option<anyhow::Error>,
}

impl ApiError {
    /// An error with `code` and a message that is safe to show to the user.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None, retry_after_secs: None, cause: None }
    }

    /// An error about one input field: the body names it in `field`, so a client can show the
    /// message beside that input; the message still starts with it for readers of the text.
    pub fn field(code: ErrorCode, field: impl Into<String>, why: impl fmt::Display) -> Self {
        let field = field.into();
        Self { message: format!("{field}: {why}"), field: Some(field), ..Self::new(code, "") }
    }

    /// 400: the input fails validation; `message` says why (prefer [`ApiError::invalid_field`]
    /// when one field is at fault).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// 400: `field` fails validation, for the reason `why`.
    pub fn invalid_field(field: impl Into<String>, why: impl fmt::Display) -> Self {
        Self::field(ErrorCode::InvalidInput, field, why)
    }

    /// 404: absent, or not visible to the caller (the two are indistinguishable on purpose).
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// 401: the session behind a token was signed out, revoked, expired or never existed.
    pub fn session_ended() -> Self {
        Self::new(ErrorCode::Unauthenticated, "this session has ended; sign in again")
    }

    /// 403: an operator disabled the account.
    pub fn account_disabled() -> Self {
        Self::new(ErrorCode::AccountDisabled, "this account has been disabled by an administrator")
    }

    /// 500 with the cause kept for the log; the client sees a generic message.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            code: ErrorCode::Internal,
            message: "something went wrong on our side; please try again".into(),
            field: None,
            retry_after_secs: None,
            cause: Some(cause.into()),
        }
    }

    /// 429 telling the client when to come back.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(ErrorCode::RateLimited, format!("too many attempts; try again in {retry_after_secs} s"));
        e.retry_after_secs = Some(retry_after_secs);
        e
    }

    /// The same error, telling the client (in `Retry-After`) when to come back.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// The error's code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message shown to the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The input field it names, if any.
    pub fn field_name(&self) -> Option<&str> {
        self.field.as_deref()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(cause) = &self.cause {
            write!(f, " (cause: {cause:#})")?;
        }
        Ok(())
    }
}

/// The HTTP status of each error code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidInput | ErrorCode::MalformedJson => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
        // A wrong confirming password is not a failed authentication: the bearer token was
        // fine, and a 401 would tell clients to refresh it and retry (or sign out).
        ErrorCode::Forbidden
        | ErrorCode::InsufficientScope
        | ErrorCode::AccountDisabled
        | ErrorCode::WrongPassword
        | ErrorCode::TwoFactorRequired => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::Conflict | ErrorCode::UsernameTaken => StatusCode::CONFLICT,
        ErrorCode::PayloadTooLarge | ErrorCode::QuotaExceeded => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::DatabaseUnavailable | ErrorCode::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
        // ErrorCode is non_exhaustive for clients; the server knows them all.
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_of(self.code)
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            tracing::error!(code = %self.code, cause = %format!("{cause:#}"), "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(secs)));
        }
        response.json(ErrorBody { error: self.code, message: self.message.clone(), field: self.field.clone() })
    }
}

impl From<db::PoolError> for ApiError {
    fn from(e: db::PoolError) -> Self {
        match e {
            db::PoolError::Unavailable(detail) => {
                tracing::error!(%detail, "database unavailable");
                Self::new(ErrorCode::DatabaseUnavailable, "the database is unavailable; please try again shortly")
            }
            other => Self::internal(other),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        Self::internal(e)
    }
}

/// Maps actix's JSON extractor failures (bad syntax, wrong shape, too large) to our errors.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let api = match &err {
        J::OverflowKnownLength { .. } | J::Overflow { .. } => {
            ApiError::new(ErrorCode::PayloadTooLarge, "the request body is too large")
        }
        J::ContentType => {
            ApiError::new(ErrorCode::MalformedJson, "the body must be JSON (Content-Type: application/json)")
        }
        J::Deserialize(e) => malformed_body(e),
        other => ApiError::new(ErrorCode::MalformedJson, format!("unreadable body: {other}")),
    };
    api.into()
}

/// The 400 for a JSON body of the wrong shape (also from `routes::json_body`).
pub fn malformed_body(e: &serde_json::Error) -> ApiError {
    ApiError::new(ErrorCode::MalformedJson, format!("invalid JSON body: {e}"))
}

/// Maps query-string extractor failures to a 400 that names the problem.
pub fn query_error(err: actix_web::error::QueryPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::invalid(format!("invalid query string: {err}")).into()
}

/// Maps path extractor failures (such as a malformed id) to a 400.
pub fn path_error(err: actix_web::error::PathError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::invalid(format!("invalid path parameter: {err}")).into()
}

/// Whether a database error is a unique-constraint violation (a duplicate).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_never_send_their_cause() {
        let err = ApiError::internal(anyhow::anyhow!("password=hunter2 leaked"));
        let response = err.error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = actix_web::body::to_bytes(response.into_body());
        let bytes = futures_util::FutureExt::now_or_never(body).unwrap().unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("\"error\":\"internal\""), "{text}");
    }

    #[test]
    fn rate_limit_sets_retry_after() {
        let response = ApiError::rate_limited(30).error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "30");
    }
}
