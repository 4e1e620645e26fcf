//! REST plumbing over `fetch`: JSON in and out, the bearer token, one silent refresh when the
//! server says the session ended (401 `unauthenticated`, never any other refusal), and the
//! server's `{"error", "message"}` bodies decoded into [`ApiError`], so pages show a sentence
//! (beside the right form field when the message names one), never raw JSON.

use gloo_net::http::{Method, RequestBuilder, Response};
use protocol::{ErrorBody, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::state::session::Session;

/// A failed call, ready to show to the user.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// The server's code, if it answered with one.
    pub code: Option<ErrorCode>,
    /// The form field the message is about (the server's `field`), if any.
    pub field: Option<String>,
    /// A human-readable sentence.
    pub message: String,
}

impl ApiError {
    fn network(e: impl std::fmt::Display) -> Self {
        Self { code: None, field: None, message: format!("Cannot reach the server ({e}). Check your connection.") }
    }

    fn from_body(body: ErrorBody) -> Self {
        // An error about one input names it in `field`; its message then starts with
        // "field: ", which the form does not repeat beside that field.
        let message = match &body.field {
            Some(field) => body.message.strip_prefix(&format!("{field}: ")).unwrap_or(&body.message),
            None => &body.message,
        };
        Self { code: Some(body.error), message: capitalise(message), field: body.field }
    }

    /// Whether a 401 with this error means the session is over (expired access token, revoked
    /// or signed-out session): the server's `unauthenticated`, or a body that is not ours
    /// (a proxy's page). Only then is a refresh worth trying.
    pub(crate) fn ends_session(&self) -> bool {
        matches!(self.code, None | Some(ErrorCode::Unauthenticated))
    }

    /// The message if it concerns `field`.
    pub fn for_field(&self, field: &str) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| self.message.clone())
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// Only the thin typed ends below are generic: bodies are serialized first and answers parsed
// last, so the async plumbing between (sending, the refresh dance, reading) is compiled once
// instead of once per body and answer type.

/// Serializes a request body.
fn json_body<B: Serialize + ?Sized>(body: Option<&B>) -> Result<Option<String>, ApiError> {
    body.map(serde_json::to_string).transpose().map_err(|e| ApiError {
        code: None,
        field: None,
        message: format!("The request could not be prepared ({e})."),
    })
}

/// Parses a success body as `T`.
fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError {
        code: None,
        field: None,
        message: format!("The server sent an unexpected answer ({e})."),
    })
}

/// Decodes an answer read elsewhere (by `index.html`'s early refresh): `T` on a 2xx status,
/// the error body otherwise.
pub fn answer<T: DeserializeOwned>(status: f64, body: &str) -> Result<T, ApiError> {
    if (200.0..300.0).contains(&status) {
        return parse(body);
    }
    Err(match serde_json::from_str::<ErrorBody>(body) {
        Ok(body) => ApiError::from_body(body),
        Err(_) => ApiError { code: None, field: None, message: format!("The server answered with status {status}.") },
    })
}

/// Sends one request, with `token` as bearer and `json` as the body.
async fn send(method: Method, path: &str, token: Option<&str>, json: Option<&str>) -> Result<Response, ApiError> {
    let mut builder = RequestBuilder::new(path).method(method).header("Accept", "application/json");
    if let Some(token) = token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match json {
        Some(json) => builder.header("Content-Type", "application/json").body(json),
        None => builder.build(),
    }
    .map_err(ApiError::network)?;
    request.send().await.map_err(ApiError::network)
}

/// The text of a success answer, or the error an unsuccessful one carries.
async fn success_text(response: Response) -> Result<String, ApiError> {
    if !response.ok() {
        return Err(error_of(response).await);
    }
    response.text().await.map_err(ApiError::network)
}

async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => ApiError::from_body(body),
        Err(_) => ApiError { code: None, field: None, message: format!("The server answered with status {status}.") },
    }
}

/// A call that needs no session.
pub async fn public<T: DeserializeOwned, B: Serialize + ?Sized>(
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<T, ApiError> {
    let json = json_body(body)?;
    parse(&success_text(send(method, path, None, json.as_deref()).await?).await?)
}

/// A call as the signed-in user. When the server says the session ended (401
/// `unauthenticated`), the session refreshes once and retries, and if that fails the user is
/// signed out. Any other refusal, such as a wrong password confirming a change (403
/// `wrong_password`), is the caller's error to show: it never signs anyone out.
async fn authed_response(
    session: Session,
    method: Method,
    path: &str,
    json: Option<&str>,
) -> Result<Response, ApiError> {
    let token = session.token();
    let response = send(method.clone(), path, token.as_deref(), json).await?;
    if response.status() != 401 {
        return Ok(response);
    }
    let mut error = error_of(response).await;
    if !error.ends_session() {
        return Err(error);
    }
    if session.refresh().await {
        let response = send(method, path, session.token().as_deref(), json).await?;
        if response.status() != 401 {
            return Ok(response);
        }
        error = error_of(response).await;
        if !error.ends_session() {
            return Err(error);
        }
    }
    session.signed_out();
    Err(error)
}

/// An authenticated call decoding a JSON answer.
pub async fn authed<T: DeserializeOwned, B: Serialize + ?Sized>(
    session: Session,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<T, ApiError> {
    let json = json_body(body)?;
    parse(&success_text(authed_response(session, method, path, json.as_deref()).await?).await?)
}

/// An authenticated call whose success has no body (204).
pub async fn authed_empty<B: Serialize + ?Sized>(
    session: Session,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<(), ApiError> {
    let json = json_body(body)?;
    let response = authed_response(session, method, path, json.as_deref()).await?;
    if response.ok() { Ok(()) } else { Err(error_of(response).await) }
}

/// An authenticated call whose answer is kept as text, exactly as sent (JSON downloads, saved
/// as files without being decoded and re-encoded).
pub async fn authed_text(session: Session, path: &str) -> Result<String, ApiError> {
    success_text(authed_response(session, Method::GET, path, None).await?).await
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).as_string().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: ErrorCode, field: Option<&str>) -> ApiError {
        ApiError::from_body(ErrorBody {
            error: code,
            message: format!("{}wrong password", field.map(|f| format!("{f}: ")).unwrap_or_default()),
            field: field.map(str::to_owned),
        })
    }

    #[test]
    fn only_an_ended_session_triggers_a_refresh() {
        assert!(error(ErrorCode::Unauthenticated, None).ends_session());
        assert!(ApiError::network("offline").ends_session(), "a 401 without our body (a proxy's)");
        assert!(!error(ErrorCode::WrongPassword, Some("current_password")).ends_session());
        assert!(!error(ErrorCode::InvalidCredentials, None).ends_session());
    }

    #[test]
    fn a_field_error_is_shown_beside_its_field_without_the_prefix() {
        let wrong = error(ErrorCode::WrongPassword, Some("current_password"));
        assert_eq!(wrong.for_field("current_password").as_deref(), Some("Wrong password"));
        assert_eq!(wrong.for_field("new_password"), None);
    }
}
