//! Input validation into clean values: every rule on user input lives here, each failure a 400
//! whose message names the field and the rule, fit to show beside the form field.

use protocol::auth::limits;

use crate::error::ApiError;

/// A valid username: 3–32 of `A-Z a-z 0-9 _ . -`.
pub fn username(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    let len = name.chars().count();
    if !(limits::USERNAME_MIN..=limits::USERNAME_MAX).contains(&len) {
        return Err(ApiError::invalid_field(
            "username",
            format!("must be {} to {} characters", limits::USERNAME_MIN, limits::USERNAME_MAX),
        ));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        return Err(ApiError::invalid_field("username", "only letters, digits, '_', '.' and '-' are allowed"));
    }
    Ok(name.to_owned())
}

/// A valid display name: 1–64 characters after trimming, no control characters.
pub fn display_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(ApiError::invalid_field("display_name", "must not be empty"));
    }
    // Counted before trimming, as the OpenAPI document's maxLength counts.
    if raw.chars().count() > limits::DISPLAY_NAME_MAX {
        return Err(ApiError::invalid_field(
            "display_name",
            format!("at most {} characters", limits::DISPLAY_NAME_MAX),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::invalid_field("display_name", "must not contain control characters"));
    }
    Ok(name.to_owned())
}

/// A valid new password: at least 8 characters, at most 256.
pub fn new_password(field: &str, raw: &str) -> Result<(), ApiError> {
    if raw.chars().count() < limits::PASSWORD_MIN_CHARS {
        return Err(ApiError::invalid_field(field, format!("at least {} characters", limits::PASSWORD_MIN_CHARS)));
    }
    if raw.chars().count() > limits::PASSWORD_MAX_CHARS {
        return Err(ApiError::invalid_field(field, format!("at most {} characters", limits::PASSWORD_MAX_CHARS)));
    }
    Ok(())
}

/// A presented password: bounded so nobody can make us hash megabytes.
pub fn presented_password(raw: &str) -> Result<(), ApiError> {
    if raw.chars().count() > limits::PASSWORD_MAX_CHARS {
        return Err(ApiError::invalid_field("password", format!("at most {} characters", limits::PASSWORD_MAX_CHARS)));
    }
    Ok(())
}

/// A valid bio: at most 500 characters (trimmed).
pub fn bio(raw: &str) -> Result<String, ApiError> {
    let bio = raw.trim();
    if bio.chars().count() > limits::BIO_MAX {
        return Err(ApiError::invalid_field("bio", format!("at most {} characters", limits::BIO_MAX)));
    }
    Ok(bio.to_owned())
}

/// A valid avatar colour: `#rrggbb`.
pub fn avatar_color(raw: &str) -> Result<String, ApiError> {
    let ok = raw.len() == 7 && raw.starts_with('#') && raw[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !ok {
        return Err(ApiError::invalid_field("avatar_color", "must look like #3b6ef5"));
    }
    Ok(raw.to_lowercase())
}

/// A default avatar colour, stable for a username.
pub fn default_avatar_color(username: &str) -> &'static str {
    const PALETTE: [&str; 8] = ["#3b6ef5", "#e5484d", "#30a46c", "#f76b15", "#8e4ec6", "#0d9488", "#d6409f", "#ca8a04"];
    let sum = username.bytes().fold(0usize, |acc, b| acc.wrapping_mul(31).wrapping_add(usize::from(b)));
    PALETTE[sum % PALETTE.len()]
}

/// A page size: `requested` clamped to 1..=`max`, `default` when absent.
pub fn page_size(requested: Option<u32>, default: u32, max: u32) -> i64 {
    i64::from(requested.unwrap_or(default).clamp(1, max))
}

/// Refuses JSON text with a NUL character in any string or key: PostgreSQL's text types cannot
/// store one, and a NUL reaching a query would fail it with a 500 (or, inside a writer batch,
/// fail the batch's other commands with it). Only an escape (`\u0000`) can put a NUL in
/// JSON, so text without one is passed after one substring search, the common case; text with
/// one is parsed to tell a NUL from an escaped backslash followed by `u0000`.
pub fn json_without_nul(text: &str) -> Result<(), ApiError> {
    if !text.contains("\\u0000") {
        return Ok(());
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) if holds_nul(&value) => Err(nul_refused()),
        // Unparseable text is the parser's to refuse, with its own message.
        _ => Ok(()),
    }
}

/// The error for input with a NUL character.
pub fn nul_refused() -> ApiError {
    ApiError::invalid("text must not contain NUL characters (U+0000)")
}

fn holds_nul(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(fields) => fields.iter().any(|(key, value)| key.contains('\0') || holds_nul(value)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_with_a_nul_anywhere_is_refused() {
        assert!(json_without_nul(r#"{"body":"a\u0000b"}"#).is_err());
        assert!(json_without_nul(r#"{"k\u0000":1}"#).is_err());
        assert!(json_without_nul(r#"{"list":["x",{"deep":"\u0000"}]}"#).is_err());
        // An escaped backslash followed by the letters u0000 is ordinary text.
        assert!(json_without_nul(r#"{"body":"a\\u0000b"}"#).is_ok());
        assert!(json_without_nul(r#"{"body":"plain"}"#).is_ok());
    }

    #[test]
    fn usernames() {
        assert_eq!(username(" al.ice_-9 ").unwrap(), "al.ice_-9");
        assert!(username("ab").is_err());
        assert!(username(&"a".repeat(33)).is_err());
        assert!(username("bad name").is_err());
        assert!(username("émile").is_err());
    }

    #[test]
    fn passwords_count_characters() {
        assert!(new_password("password", "1234567").is_err());
        assert!(new_password("password", "12345678").is_ok());
        // Characters, as the OpenAPI document's maxLength counts them (512 bytes here).
        assert!(new_password("password", &"é".repeat(256)).is_ok());
        assert!(new_password("password", &"é".repeat(257)).is_err());
    }

    #[test]
    fn profile_fields() {
        assert!(display_name("   ").is_err());
        assert!(display_name("a\u{7}b").is_err());
        assert_eq!(display_name("  Ada Lovelace ").unwrap(), "Ada Lovelace");
        assert!(bio(&"x".repeat(501)).is_err());
        assert_eq!(avatar_color("#AABBCC").unwrap(), "#aabbcc");
        assert!(avatar_color("red").is_err());
        assert!(avatar_color("#12345g").is_err());
    }
}
