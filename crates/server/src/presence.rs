//! Who is connected, as the domain asks it (an operator's user page and stats): answered by
//! the gateway's hub, behind a trait so that the domain does not depend on the gateway.

use futures_util::future::BoxFuture;
use protocol::UserId;

/// Live connection counts of this process.
#[derive(Debug, Clone, Copy, Default)]
pub struct LiveCounts {
    /// Open connections.
    pub connections: usize,
    /// Distinct users among them.
    pub users: usize,
}

/// Answers presence questions.
pub trait Presence: Send + Sync + 'static {
    /// Whether a user is connected (here, or to another server as far as this one knows).
    fn is_online(&self, user: UserId) -> BoxFuture<'_, bool>;
    /// This process's live connection counts.
    fn counts(&self) -> BoxFuture<'_, LiveCounts>;
}
