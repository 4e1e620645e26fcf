//! The server's refusals in the user's language. The server explains in English (its `message`
//! is for logs and API clients too); the codes it sends with them are stable, so the ones whose
//! meaning is fixed read from the `common` translations. Any other keeps the server's words,
//! which are still better than a vague translated "something went wrong".

use protocol::ErrorCode;

use super::{Locale, td_string};
use crate::api::ApiError;

/// What to show the user for `error`, in `language`.
pub fn error_text(error: &ApiError, language: Locale) -> String {
    let fixed = match (error.code, error.field.as_deref()) {
        (Some(ErrorCode::InvalidCredentials), Some("totp_code")) => td_string!(language, common.error_wrong_code),
        (Some(ErrorCode::InvalidCredentials), _) => td_string!(language, common.error_invalid_credentials),
        (Some(ErrorCode::WrongPassword), _) => td_string!(language, common.error_wrong_password),
        (Some(ErrorCode::UsernameTaken), _) => td_string!(language, common.error_username_taken),
        (Some(ErrorCode::AccountDisabled), _) => td_string!(language, common.error_account_disabled),
        (Some(ErrorCode::RateLimited), _) => td_string!(language, common.error_rate_limited),
        (Some(ErrorCode::DatabaseUnavailable | ErrorCode::ShuttingDown), _) => {
            td_string!(language, common.error_unavailable)
        }
        (Some(ErrorCode::Internal), _) => td_string!(language, common.error_internal),
        // No code: the server was not reached, or did not answer as itself. (A failure of the
        // browser's own, made into an `ApiError`, carries `ErrorCode::Unknown` and its own words.)
        (None, None) => td_string!(language, common.error_no_server),
        _ => return error.message.clone(),
    };
    fixed.to_owned()
}
