//! All of the app's network code (gloo-net): typed calls to the server, errors turned into
//! [`ApiError`] values with a message fit for a person. Nothing outside `api/` does HTTP.

pub mod http;

pub use http::ready;
