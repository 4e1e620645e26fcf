//! The one stable list of error codes the API answers with, and the JSON error body
//! `{"error": "snake_case_code", "message": "human text", "field": "input_name"}` (`field` only
//! when the error is about one input).
//!
//! Clients branch on `error` and place the message with `field`; `message` is for people and
//! may change between versions.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Machine-readable error code. New codes may be added; existing ones never change meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The body or a parameter is malformed or fails validation (400).
    InvalidInput,
    /// The request body is not valid JSON or has the wrong shape (400).
    MalformedJson,
    /// No valid credentials were presented (401).
    Unauthenticated,
    /// Wrong username or password at sign-in; which one is never said (401).
    InvalidCredentials,
    /// The password confirming a sensitive change (the current password when changing it, the
    /// password when deleting the account) is wrong (403). The session is still valid: unlike a
    /// 401, this must not make a client refresh its token or sign out; `field` names the input.
    WrongPassword,
    /// The account is disabled by an operator (403).
    AccountDisabled,
    /// The username is already in use (409).
    UsernameTaken,
    /// The caller is known but not allowed to do this (403).
    Forbidden,
    /// The API token lacks the scope this needs (403); `message` names the scope.
    InsufficientScope,
    /// The resource does not exist, or the caller may not see it (404).
    NotFound,
    /// The HTTP method is not supported on this route (405).
    MethodNotAllowed,
    /// The request conflicts with the current state (409).
    Conflict,
    /// The request body is larger than the route accepts (413).
    PayloadTooLarge,
    /// An upload would take the user past their storage quota (413).
    QuotaExceeded,
    /// The request is well-formed but cannot be applied (422).
    Unprocessable,
    /// Too many requests; retry after the `Retry-After` header (429).
    RateLimited,
    /// The database cannot be reached; the server is not ready (503).
    DatabaseUnavailable,
    /// A second factor is needed: at sign-in, send `totp_code`; for the admin API, turn
    /// two-factor authentication on first (403).
    TwoFactorRequired,
    /// The server is shutting down and takes no new WebSocket; reconnect shortly (to another
    /// server, or to this one once it is back) (503).
    ShuttingDown,
    /// An unexpected failure on the server; the details are in its log (500).
    Internal,
    /// A code this client does not know, from a newer server: go by the HTTP status and show
    /// the message. Never sent.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The snake_case wire name, as it appears in the `error` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid_input",
            Self::MalformedJson => "malformed_json",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::WrongPassword => "wrong_password",
            Self::AccountDisabled => "account_disabled",
            Self::UsernameTaken => "username_taken",
            Self::Forbidden => "forbidden",
            Self::InsufficientScope => "insufficient_scope",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::QuotaExceeded => "quota_exceeded",
            Self::Unprocessable => "unprocessable",
            Self::RateLimited => "rate_limited",
            Self::DatabaseUnavailable => "database_unavailable",
            Self::TwoFactorRequired => "two_factor_required",
            Self::ShuttingDown => "shutting_down",
            Self::Internal => "internal",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub error: ErrorCode,
    /// Human-readable explanation, safe to show to a user.
    pub message: String,
    /// The input field the error is about (`username`, `body`, ...), when it is about one, so a
    /// client can show the message beside that input. The message starts with it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALL: [ErrorCode; 20] = [
        ErrorCode::InvalidInput,
        ErrorCode::MalformedJson,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::WrongPassword,
        ErrorCode::AccountDisabled,
        ErrorCode::UsernameTaken,
        ErrorCode::Forbidden,
        ErrorCode::InsufficientScope,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::QuotaExceeded,
        ErrorCode::Unprocessable,
        ErrorCode::RateLimited,
        ErrorCode::DatabaseUnavailable,
        ErrorCode::TwoFactorRequired,
        ErrorCode::ShuttingDown,
        ErrorCode::Internal,
    ];

    #[test]
    fn wire_name_matches_serde_name() {
        for code in ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    proptest! {
        #[test]
        fn error_body_round_trips(index in 0..ALL.len(), message in ".*") {
            let body = ErrorBody { error: ALL[index], message, field: None };
            let json = serde_json::to_string(&body).unwrap();
            let back: ErrorBody = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, body);
        }
    }
}
