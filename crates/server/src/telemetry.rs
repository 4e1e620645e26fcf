//! Structured logs through `tracing`: readable lines or JSON, filtered by RUST_LOG, and a
//! per-request span so every log line of a request carries its method and path.
//!
//! Never log a token, a password or a message body: request spans record paths, not queries.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber (once; later calls are ignored, which tests rely on).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn,tokio_postgres=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Pretty => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Middleware: a span per request, and one line per failed or slow request.
pub async fn trace_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let span = tracing::info_span!("request", method = %req.method(), path = %req.path());
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    let elapsed_ms = started.elapsed().as_millis();
    match &result {
        Ok(response) if response.status().is_server_error() => {
            tracing::warn!(status = response.status().as_u16(), elapsed_ms, "request failed");
        }
        Ok(response) => tracing::debug!(status = response.status().as_u16(), elapsed_ms, "request served"),
        Err(e) => tracing::warn!(error = %e, elapsed_ms, "request failed"),
    }
    result
}
