//! All of the app's network code (gloo-net): typed calls to the server, one module per area.
//! Nothing outside `api/` does HTTP.

pub mod account;
pub mod http;
pub mod social;

pub use http::ApiError;

use gloo_net::http::Method;
use protocol::Readiness;

/// `GET /readyz`: whether the server and its database answer.
pub async fn ready() -> Result<Readiness, ApiError> {
    http::public::<Readiness, ()>(Method::GET, "/readyz", None).await
}
