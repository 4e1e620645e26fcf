//! The Rust SDK for Confab: typed calls to the REST API (and, with the messaging gateway, the
//! WebSocket), used by our own tests, the load generator and third-party bots alike.
//!
//! Every error the server answers arrives as [`ClientError::Api`] with its stable code.

use protocol::{ErrorBody, ErrorCode, Health, Readiness};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{status}: {body}")]
    Api {
        /// HTTP status.
        status: StatusCode,
        /// The decoded error.
        body: ErrorBody,
    },
    /// The request could not be sent or the response not read.
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// The response was not what the protocol promises.
    #[error("unexpected response ({status}): {detail}")]
    Unexpected {
        /// HTTP status.
        status: StatusCode,
        /// What was wrong.
        detail: String,
    },
    /// The base URL is unusable.
    #[error("invalid URL: {0}")]
    Url(#[from] url::ParseError),
}

impl ClientError {
    /// The API error code, when the server sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { body, .. } => Some(body.error),
            _ => None,
        }
    }
}

/// A connection to one Confab server.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
}

impl Client {
    /// A client for the server at `base_url` (such as `http://127.0.0.1:8080`).
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        let mut base = Url::parse(base_url)?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("confab-client/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { http, base })
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `GET /healthz`: is the process up?
    pub async fn health(&self) -> Result<Health, ClientError> {
        self.get_json("healthz").await
    }

    /// `GET /readyz`: can the server reach its database?
    pub async fn ready(&self) -> Result<Readiness, ClientError> {
        self.get_json("readyz").await
    }

    /// `GET /api/v1/openapi.json`: the OpenAPI document, as JSON.
    pub async fn openapi(&self) -> Result<serde_json::Value, ClientError> {
        self.get_json("api/v1/openapi.json").await
    }

    /// A raw request to a path relative to the base URL, for routes the SDK has no method for.
    pub fn request(
        &self,
        method: Method,
        path: &str,
    ) -> Result<reqwest::RequestBuilder, ClientError> {
        Ok(self
            .http
            .request(method, self.base.join(path.trim_start_matches('/'))?))
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let response = self.request(Method::GET, path)?.send().await?;
        decode(response).await
    }
}

/// Decodes a success body as `T`, or an error body as [`ClientError::Api`].
pub async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ClientError> {
    let status = response.status();
    let bytes = response.bytes().await?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| ClientError::Unexpected {
            status,
            detail: format!("undecodable body: {e}"),
        });
    }
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => Err(ClientError::Api { status, body }),
        Err(_) => Err(ClientError::Unexpected {
            status,
            detail: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
        }),
    }
}
