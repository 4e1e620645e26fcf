//! What an operator sees of a running server: structured logs through `tracing` (readable
//! lines or JSON, filtered by RUST_LOG), request ids and spans ([`requests`]), and Prometheus
//! metrics ([`metrics`]).

pub mod metrics;
pub mod requests;

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
