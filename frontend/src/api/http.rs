//! REST calls over `fetch`, decoding the server's `{"error", "message"}` bodies into
//! [`ApiError`], so pages show a sentence, never raw JSON or a status code.

use gloo_net::http::{Request, Response};
use protocol::{ErrorBody, ErrorCode, Readiness};
use serde::de::DeserializeOwned;

/// A failed call, ready to show to the user.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// The server's code, if it answered with one.
    pub code: Option<ErrorCode>,
    /// A human-readable sentence.
    pub message: String,
}

impl ApiError {
    fn network(e: impl std::fmt::Display) -> Self {
        Self { code: None, message: format!("Cannot reach the server ({e}).") }
    }
}

/// `GET /readyz`: whether the server and its database answer.
pub async fn ready() -> Result<Readiness, ApiError> {
    let response = Request::get("/readyz").send().await.map_err(ApiError::network)?;
    decode(response).await
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|e| ApiError { code: None, message: format!("The server sent an unexpected answer ({e}).") });
    }
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiError { code: Some(body.error), message: body.message }),
        Err(_) => Err(ApiError { code: None, message: format!("The server answered with status {status}.") }),
    }
}
