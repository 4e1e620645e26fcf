//! Bodies of the operational probes `GET /healthz` (the process is up) and `GET /readyz`
//! (the process can reach its database and is able to serve).

use serde::{Deserialize, Serialize};

/// Answer of `GET /healthz`: the process is alive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `"ok"` when the process answers at all.
    pub status: String,
    /// The server's version (its crate version).
    pub version: String,
}

/// Answer of `GET /readyz` when the server can serve requests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// `"ready"`.
    pub status: String,
    /// Round trip of a trivial query to the database, in milliseconds.
    pub database_latency_ms: u64,
}
