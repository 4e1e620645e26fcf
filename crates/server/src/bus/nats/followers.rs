//! The conversations this server follows on NATS: one subscription and one task per
//! conversation, started and stopped as the hub's [`Interest`] changes, each handing its
//! conversation's events to the hub in seq order, exactly once, filling gaps from the database.
//!
//! Following starts with the subscription and a flush (the NATS server then has it), then reads
//! the conversation's `last_seq`: everything committed after that read is published after the
//! subscription exists, so it arrives, and everything up to it is left to `ready` (which the
//! session reads after the follow is done). A sweep every [`SWEEP_EVERY`] compares the database's
//! `last_seq` of every followed conversation with what was delivered, and loads what has been
//! missing for a whole sweep: events whose publisher died between its commit and its publish,
//! with no later event to reveal the gap. When NATS says it dropped messages on this connection,
//! every followed conversation catches up at once, without waiting for the sweep.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use protocol::ConversationId;
use protocol::conversations::Event;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::sequence::{Offer, Sequence};
use super::subject;
use crate::bus::{BusMessage, Interest, Subscriber};

/// How often followed conversations are checked against the database for events that never came.
const SWEEP_EVERY: Duration = Duration::from_secs(2);
/// Events loaded per query when filling a gap.
const PAGE: i64 = 500;
/// Attempts at a database read before the clients are told to resync.
const ATTEMPTS: u32 = 3;
/// Longest wait for the NATS server to confirm new subscriptions.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Follows conversations as `interests` says, until the hub goes away.
pub(super) async fn run(
    client: async_nats::Client,
    pool: db::DbPool,
    local: Arc<dyn Subscriber>,
    mut interests: mpsc::UnboundedReceiver<Interest>,
    mut lost: mpsc::UnboundedReceiver<()>,
) {
    let mut followers = Followers { client, pool, local, followed: HashMap::new(), seen: HashMap::new() };
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            interest = interests.recv() => match interest {
                Some(Interest::Follow { conversations, done }) => {
                    followers.follow(conversations).await;
                    let _ = done.send(());
                }
                Some(Interest::Unfollow { conversations }) => followers.unfollow(conversations).await,
                None => break,
            },
            Some(()) = lost.recv() => {
                // One catch-up for a burst of reports.
                while lost.try_recv().is_ok() {}
                followers.catch_up_all().await;
            }
            _ = sweep.tick() => followers.sweep().await,
        }
    }
    followers.unfollow(followers.followed.keys().copied().collect()).await;
}

struct Followers {
    client: async_nats::Client,
    pool: db::DbPool,
    local: Arc<dyn Subscriber>,
    followed: HashMap<ConversationId, Follower>,
    /// Each followed conversation's `last_seq` at the previous sweep.
    seen: HashMap<ConversationId, i64>,
}

/// The manager's handle on one conversation's task.
struct Follower {
    task: JoinHandle<()>,
    /// The last seq it delivered.
    last: Arc<AtomicI64>,
    /// Asks it to deliver everything up to a seq (from the sweep).
    catch_up: mpsc::Sender<i64>,
}

impl Followers {
    async fn follow(&mut self, mut conversations: Vec<ConversationId>) {
        conversations.sort_unstable();
        conversations.dedup();
        conversations.retain(|c| !self.followed.contains_key(c));
        if conversations.is_empty() {
            return;
        }
        let mut subscriptions = Vec::with_capacity(conversations.len());
        for conversation in conversations {
            match self.client.subscribe(subject::conversation(conversation)).await {
                Ok(subscription) => subscriptions.push((conversation, subscription)),
                Err(e) => {
                    tracing::error!(error = %e, "cannot subscribe on NATS; clients must resync");
                    self.local.feed_lost().await;
                    return;
                }
            }
        }
        // The NATS server answers a PING after handling every SUB sent before it: from here on,
        // whatever is published on these subjects reaches us. (If the connection is down, the
        // subscriptions are renewed on reconnection, after which every client resyncs anyway.)
        match tokio::time::timeout(FLUSH_TIMEOUT, self.client.flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "NATS flush failed while following conversations"),
            Err(_) => tracing::warn!("NATS did not confirm new subscriptions in time"),
        }
        let ids: Vec<ConversationId> = subscriptions.iter().map(|(c, _)| *c).collect();
        let bases = match retrying(|| last_seqs(&self.pool, &ids)).await {
            Ok(bases) => bases,
            Err(e) => {
                tracing::error!(error = %e, "cannot read where conversations stand; clients must resync");
                self.local.feed_lost().await;
                return;
            }
        };
        for (conversation, subscription) in subscriptions {
            // A conversation gone meanwhile has nothing more to deliver.
            let Some(&base) = bases.get(&conversation) else { continue };
            let last = Arc::new(AtomicI64::new(base));
            let (catch_up, requests) = mpsc::channel(1);
            let task = ConversationFeed {
                conversation,
                sequence: Sequence::after(base),
                last: last.clone(),
                pool: self.pool.clone(),
                local: self.local.clone(),
            };
            let task = tokio::spawn(task.run(subscription, requests));
            self.followed.insert(conversation, Follower { task, last, catch_up });
        }
    }

    async fn unfollow(&mut self, conversations: Vec<ConversationId>) {
        for conversation in conversations {
            self.seen.remove(&conversation);
            if let Some(follower) = self.followed.remove(&conversation) {
                // Stopped before anything else is done, so a follow that comes next starts
                // afresh; dropping its subscription unsubscribes.
                follower.task.abort();
                let _ = follower.task.await;
            }
        }
    }

    /// Asks each follower for every event committed so far that it has not delivered: NATS
    /// dropped messages of some followed conversation (it does not say which, see `nats`), or
    /// the connection was lost for a moment. Those already loading get theirs at the next
    /// sweeps.
    async fn catch_up_all(&mut self) {
        if self.followed.is_empty() {
            return;
        }
        let ids: Vec<ConversationId> = self.followed.keys().copied().collect();
        let now = match retrying(|| last_seqs(&self.pool, &ids)).await {
            Ok(now) => now,
            Err(e) => {
                tracing::error!(error = %e, "cannot read where conversations stand after NATS lost messages; clients must resync");
                self.local.feed_lost().await;
                return;
            }
        };
        for (conversation, follower) in &self.followed {
            if let Some(&upto) = now.get(conversation)
                && upto > follower.last.load(Ordering::Relaxed)
            {
                let _ = follower.catch_up.try_send(upto);
            }
        }
    }

    /// Asks each follower for the events committed before the previous sweep that it has not
    /// delivered yet. Waiting a whole sweep leaves events in flight to arrive by themselves.
    async fn sweep(&mut self) {
        if self.followed.is_empty() {
            self.seen.clear();
            return;
        }
        let ids: Vec<ConversationId> = self.followed.keys().copied().collect();
        let now = match last_seqs(&self.pool, &ids).await {
            Ok(now) => now,
            Err(e) => {
                tracing::warn!(error = %e, "cannot check followed conversations for missed events");
                return;
            }
        };
        for (conversation, follower) in &self.followed {
            if let Some(&before) = self.seen.get(conversation)
                && before > follower.last.load(Ordering::Relaxed)
            {
                tracing::debug!(%conversation, upto = before, "loading events that never came over NATS");
                // A follower already catching up has its request: the next sweep asks again.
                let _ = follower.catch_up.try_send(before);
            }
        }
        self.seen = now;
    }
}

/// One followed conversation's task: its subscription in, the hub out, in seq order.
struct ConversationFeed {
    conversation: ConversationId,
    sequence: Sequence,
    last: Arc<AtomicI64>,
    pool: db::DbPool,
    local: Arc<dyn Subscriber>,
}

impl ConversationFeed {
    async fn run(mut self, mut subscription: async_nats::Subscriber, mut requests: mpsc::Receiver<i64>) {
        loop {
            tokio::select! {
                message = subscription.next() => match message {
                    Some(message) => self.receive(&message.payload).await,
                    None => break,
                },
                Some(upto) = requests.recv() => self.catch_up(upto, None).await,
            }
        }
    }

    async fn receive(&mut self, payload: &[u8]) {
        match serde_json::from_slice::<BusMessage>(payload) {
            Ok(BusMessage::Event { event }) => self.event(event).await,
            // Too large to publish: load it (and anything missing before it).
            Ok(BusMessage::EventRef { seq, .. }) => self.catch_up(seq, Some(seq)).await,
            // Typing and read markers are not in the log: delivered as they come.
            Ok(other) => self.local.deliver(other).await,
            Err(e) => tracing::error!(conversation = %self.conversation, error = %e, "unreadable NATS message"),
        }
    }

    async fn event(&mut self, event: Event) {
        match self.sequence.offer(event.seq) {
            Offer::Duplicate => return,
            Offer::Next => {}
            Offer::Gap(missing) => self.catch_up(*missing.end(), None).await,
        }
        crate::bus::received(&event);
        self.deliver(event).await;
    }

    /// Delivers every event after the last delivered one up to `upto`, from the database.
    /// `announced` is the seq that came over the bus as a reference (its lag is bus lag); the
    /// others are gap fills.
    async fn catch_up(&mut self, upto: i64, announced: Option<i64>) {
        while self.sequence.last() < upto {
            let after = self.sequence.last();
            let limit = (upto - after).min(PAGE);
            let loaded = retrying(|| async {
                let mut conn = db::pool::checkout(&self.pool).await?;
                Ok(db::queries::messages::events_after(&mut conn, self.conversation, after, limit).await?)
            })
            .await;
            match loaded {
                Ok(events) => {
                    for event in events.into_iter().take_while(|e| e.seq <= upto) {
                        if Some(event.seq) == announced {
                            crate::bus::received(&event);
                        } else {
                            crate::bus::gap_filled();
                        }
                        self.deliver(event).await;
                    }
                    if self.sequence.last() == after {
                        // Committed, yet not there: its conversation was deleted meanwhile.
                        tracing::warn!(conversation = %self.conversation, after, upto, "missing events skipped");
                        self.skip_to(upto);
                    }
                }
                Err(e) => {
                    tracing::error!(conversation = %self.conversation, error = %e, "cannot load missed events; clients must resync");
                    self.local.feed_lost().await;
                    self.skip_to(upto);
                }
            }
        }
    }

    async fn deliver(&mut self, event: Event) {
        let seq = event.seq;
        self.local.deliver(BusMessage::Event { event }).await;
        self.skip_to(seq);
    }

    fn skip_to(&mut self, seq: i64) {
        self.sequence.delivered(seq);
        self.last.store(self.sequence.last(), Ordering::Relaxed);
    }
}

/// Each conversation's `last_seq`.
async fn last_seqs(pool: &db::DbPool, ids: &[ConversationId]) -> anyhow::Result<HashMap<ConversationId, i64>> {
    use db::schema::conversations;
    use diesel::{ExpressionMethods, QueryDsl};
    use diesel_async::RunQueryDsl;
    let mut conn = db::pool::checkout(pool).await?;
    let rows: Vec<(uuid::Uuid, i64)> = conversations::table
        .filter(conversations::id.eq_any(ids.iter().map(|id| id.0)))
        .select((conversations::id, conversations::last_seq))
        .load(&mut conn)
        .await?;
    Ok(rows.into_iter().map(|(id, seq)| (ConversationId(id), seq)).collect())
}

/// Runs a database read up to [`ATTEMPTS`] times, with a short pause between tries.
async fn retrying<T, F: Future<Output = anyhow::Result<T>>>(mut read: impl FnMut() -> F) -> anyhow::Result<T> {
    let mut pause = Duration::from_millis(50);
    let mut attempt = 1;
    loop {
        match read().await {
            Ok(value) => return Ok(value),
            Err(e) if attempt >= ATTEMPTS => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, attempt, "database read failed; retrying");
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
        }
    }
}
