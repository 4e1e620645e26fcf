//! Middleware around every HTTP request: a request id (taken from `X-Request-Id` when the
//! client or a proxy sent a sane one, else generated) returned in the response and recorded
//! in a span that every log line of the request carries; the request's count and latency by
//! route for `/metrics`; and one log line per failed or slow request.
//!
//! Never log a token, a password or a message body: spans record paths, not queries.

use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

use super::metrics::{HTTP_DURATION, HTTP_REQUESTS};

/// The header carrying a request's id, both ways.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Longest request id accepted from outside.
const MAX_REQUEST_ID: usize = 128;
/// Requests slower than this are logged at info level even when they succeed.
const SLOW: Duration = Duration::from_secs(1);

/// The id to use: the caller's when it is short visible ASCII (so it cannot forge log lines),
/// else a new UUID.
pub fn request_id(presented: Option<&HeaderValue>) -> String {
    presented
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= MAX_REQUEST_ID
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'+' | b'='))
        })
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned)
}

/// The method as a metric label: the standard ones by name, anything else as `other`, since
/// any token is a valid method and each label value is a series kept for the process's life.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware: request id, span, metrics and the failure log (see the module docs).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id(req.headers().get(&REQUEST_ID));
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %req.path());
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let _entered = span.enter();
    let elapsed_ms = elapsed.as_millis();
    match result {
        Ok(mut response) => {
            let status = response.status();
            // The route's pattern, not its path: ids would make one series per conversation.
            let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
            let method = method_label(&method);
            let status_label = status.as_str().to_owned();
            ::metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route.clone(), "status" => status_label)
                .increment(1);
            ::metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route).record(elapsed.as_secs_f64());
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(REQUEST_ID.clone(), value);
            }
            if status.is_server_error() {
                tracing::warn!(status = status.as_u16(), elapsed_ms, "request failed");
            } else if elapsed > SLOW {
                tracing::info!(status = status.as_u16(), elapsed_ms, "slow request");
            } else {
                tracing::debug!(status = status.as_u16(), elapsed_ms, "request served");
            }
            Ok(response)
        }
        Err(e) => {
            tracing::warn!(error = %e, elapsed_ms, "request failed");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_outside_are_kept_only_when_sane() {
        let kept = HeaderValue::from_static("lb-7f3a:42");
        assert_eq!(request_id(Some(&kept)), "lb-7f3a:42");
        for bad in ["", "has space", "quote\"d", &"x".repeat(129)] {
            let value = HeaderValue::from_str(bad).unwrap();
            let id = request_id(Some(&value));
            assert_ne!(id, bad);
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        }
        assert!(uuid::Uuid::parse_str(&request_id(None)).is_ok());
    }

    #[test]
    fn made_up_methods_share_one_label() {
        use actix_web::http::Method;
        assert_eq!(method_label(&Method::POST), "POST");
        assert_eq!(method_label(&Method::from_bytes(b"FOO1").unwrap()), "other");
        assert_eq!(method_label(&Method::from_bytes(b"FOO2").unwrap()), "other");
    }
}
