//! The gateway's draining switch. Shutdown turns it on before it closes the live sockets, so
//! a client that reconnects at once (as clients do on 1001) is refused with 503 instead of
//! opening a socket that holds the shutdown up until its timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the gateway still takes new WebSockets; cheap to clone, shared by every worker.
#[derive(Clone, Debug, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    /// Stops taking new WebSockets, for good.
    pub fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether shutdown has begun.
    pub fn is_on(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
