//! REST plumbing over `fetch`: JSON in and out, the bearer token, one silent refresh on 401,
//! and the server's `{"error", "message"}` bodies decoded into [`ApiError`], so pages show a
//! sentence (beside the right form field when the message names one), never raw JSON.

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

/// Sends one request, with `token` as bearer and `body` as JSON.
async fn send<B: Serialize + ?Sized>(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<Response, ApiError> {
    let mut builder = RequestBuilder::new(path).method(method).header("Accept", "application/json");
    if let Some(token) = token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => builder.json(body),
        None => builder.build(),
    }
    .map_err(ApiError::network)?;
    request.send().await.map_err(ApiError::network)
}

/// Decodes a success body as `T`, or an error body as [`ApiError`].
pub async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return response.json::<T>().await.map_err(|e| ApiError {
            code: None,
            field: None,
            message: format!("The server sent an unexpected answer ({e})."),
        });
    }
    Err(error_of(response).await)
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
    decode(send(method, path, None, body).await?).await
}

/// A call as the signed-in user; on 401 the session refreshes once and retries, and if that
/// fails the user is signed out.
pub async fn authed_response<B: Serialize + ?Sized>(
    session: Session,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<Response, ApiError> {
    let token = session.token();
    let response = send(method.clone(), path, token.as_deref(), body).await?;
    if response.status() != 401 {
        return Ok(response);
    }
    if session.refresh().await {
        let response = send(method, path, session.token().as_deref(), body).await?;
        if response.status() != 401 {
            return Ok(response);
        }
    }
    session.signed_out();
    Ok(response)
}

/// An authenticated call decoding a JSON answer.
pub async fn authed<T: DeserializeOwned, B: Serialize + ?Sized>(
    session: Session,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<T, ApiError> {
    decode(authed_response(session, method, path, body).await?).await
}

/// An authenticated call whose success has no body (204).
pub async fn authed_empty<B: Serialize + ?Sized>(
    session: Session,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<(), ApiError> {
    let response = authed_response(session, method, path, body).await?;
    if response.ok() { Ok(()) } else { Err(error_of(response).await) }
}

/// An authenticated call whose answer is kept as text, exactly as sent (JSON downloads, saved
/// as files without being decoded and re-encoded).
pub async fn authed_text(session: Session, path: &str) -> Result<String, ApiError> {
    let response = authed_response::<()>(session, Method::GET, path, None).await?;
    if !response.ok() {
        return Err(error_of(response).await);
    }
    response.text().await.map_err(ApiError::network)
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).as_string().unwrap_or_default()
}
