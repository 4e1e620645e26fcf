//! `fanout`: R groups of M members, every member connected and sending on a fixed schedule
//! (open loop: sends never wait for replies) so that the total is T messages per second.
//! Receivers time each delivery from the send time carried in the body, and check that every
//! member got every acknowledged message exactly once and in seq order; afterwards the
//! database must hold every acknowledged message.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use client::ws::{Socket, SocketReader, SocketSender};
use hdrhistogram::Histogram;
use protocol::ConversationId;
use protocol::conversations::{EventKind, SendMessage};
use protocol::ws::{ClientFrame, ServerFrame};
use serde::Serialize;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::population::{self, Member};

/// One fan-out run's settings.
#[derive(Clone, Copy, Debug)]
pub struct Fanout {
    /// Groups.
    pub rooms: usize,
    /// Members per group.
    pub members: usize,
    /// Total messages per second offered.
    pub rate: f64,
    /// Seconds of sending.
    pub seconds: f64,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct FanoutReport {
    /// Groups × members.
    pub shape: String,
    /// Offered rate.
    pub target_per_second: f64,
    /// Messages sent.
    pub sent: u64,
    /// Messages acknowledged (stored).
    pub acked: u64,
    /// Sends refused or never acknowledged.
    pub failed: u64,
    /// Acknowledged per second of sending.
    pub stored_per_second: f64,
    /// Deliveries (one per member per message).
    pub delivered: u64,
    /// Deliveries per second of sending.
    pub delivered_per_second: f64,
    /// Delivery latency, send to receipt, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// 99.9th percentile, ms.
    pub p999_ms: f64,
    /// Worst, ms.
    pub max_ms: f64,
    /// Acknowledged messages some member never received.
    pub lost: u64,
    /// Deliveries received twice.
    pub duplicated: u64,
    /// Deliveries received after a later seq.
    pub out_of_order: u64,
    /// Every acknowledged message is in the database (the conversations' last seq moved by
    /// exactly the acknowledged count).
    pub all_stored: bool,
}

impl FanoutReport {
    /// No loss, duplicate or disorder, and everything stored.
    pub fn clean(&self) -> bool {
        self.acked > 0
            && self.lost == 0
            && self.duplicated == 0
            && self.out_of_order == 0
            && self.all_stored
            && self.failed == 0
    }
}

/// A connected population ready to run fan-out rounds.
pub struct Prepared {
    rooms: Vec<(ConversationId, Vec<usize>)>,
    members: Vec<Member>,
    shape: (usize, usize),
    api: client::Client,
    signed_in: Instant,
}

/// Connections opened from one source address before the next is used.
pub const CONNECTIONS_PER_ADDRESS: usize = 20_000;
/// The first source port `local_addr` gives out (ports up to 21,999; the system's ephemeral
/// range starts at 32,768).
const FIRST_SOURCE_PORT: u16 = 2_000;

/// The local address for the n-th connection: 127.0.0.1, then .2, … every 20,000 connections,
/// so a large run does not exhaust one address's ephemeral ports; and a port of our choosing
/// (below the system's ephemeral range), which binds without a scan of the bound ports.
pub fn local_addr(n: usize) -> SocketAddr {
    let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + (n / CONNECTIONS_PER_ADDRESS % 250) as u8));
    SocketAddr::new(ip, FIRST_SOURCE_PORT + (n % CONNECTIONS_PER_ADDRESS) as u16)
}

/// Handshakes in flight while a round connects its members.
const CONNECT_CONCURRENCY: usize = 32;
/// Refresh the population's tokens before a round once they are this old (they last 15 min).
const TOKEN_REFRESH_AGE: Duration = Duration::from_secs(10 * 60);

/// Registers the users and creates the groups (not measured).
pub async fn prepare(api: &client::Client, rooms: usize, members: usize) -> anyhow::Result<Prepared> {
    let prefix = population::fresh_prefix("f");
    // The oldest token is as old as the preparation: registering thousands takes minutes.
    let signed_in = Instant::now();
    let users = population::users(api, &prefix, rooms * members).await?;
    let groups = population::groups(&users, rooms, members).await?;
    Ok(Prepared { rooms: groups, members: users, shape: (rooms, members), api: api.clone(), signed_in })
}

impl Prepared {
    /// Refreshes every member's tokens when the last sign-in is older than `age`.
    async fn refresh_if_older_than(&mut self, age: Duration) -> anyhow::Result<()> {
        if self.signed_in.elapsed() >= age {
            population::refresh(&self.api, &mut self.members).await?;
            self.signed_in = Instant::now();
        }
        Ok(())
    }
}

struct Reader {
    histogram: Histogram<u64>,
    delivered: u64,
    duplicated: u64,
    out_of_order: u64,
    seen: HashSet<(ConversationId, i64)>,
    last: std::collections::HashMap<ConversationId, i64>,
    acks: u64,
    refused: u64,
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 10 min, 3 significant digits.
    #[expect(clippy::unwrap_used, reason = "constant, valid histogram bounds")]
    Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).unwrap()
}

/// Runs one round at `config.rate` for `config.seconds` on a prepared population. Members'
/// WebSockets go to `urls` in turn, so with several servers every group spans them all.
pub async fn run(urls: &[String], prepared: &mut Prepared, config: Fanout) -> anyhow::Result<FanoutReport> {
    // Access tokens last 15 minutes; a `max` series on a large population runs longer.
    prepared.refresh_if_older_than(TOKEN_REFRESH_AGE).await?;
    let prepared = &*prepared;
    let bases = urls.iter().map(|u| url::Url::parse(u)).collect::<Result<Vec<_>, _>>()?;
    anyhow::ensure!(!bases.is_empty(), "no server URL to connect to");
    let epoch = Instant::now();
    // Readers wait on their socket or on this, with no polling: 10,000 readers waking every
    // 250 ms to check a flag cost the load generator a fifth of a core.
    let (stop_reading, reading_stopped) = tokio::sync::watch::channel(false);
    let delivered_total = Arc::new(AtomicU64::new(0));
    // Connect everyone, reading from the start: a member with many friends gets a presence
    // frame per friend connecting, and an unread socket fills its queue and is closed (4008).
    let connected = population::in_order(prepared.members.iter().enumerate(), CONNECT_CONCURRENCY, |(n, member)| {
        let base = bases[n % bases.len()].clone();
        let token = member.token.clone();
        let (stop, delivered_total) = (reading_stopped.clone(), delivered_total.clone());
        async move {
            let (socket, _) = Socket::connect_from(&base, &token, local_addr(n)).await?;
            let (sender, reader) = socket.into_split();
            let reader = tokio::spawn(read_loop(reader, epoch, stop, delivered_total));
            anyhow::Ok((sender, reader))
        }
    })
    .await?;
    let (socket_senders, readers): (Vec<_>, Vec<_>) = connected.into_iter().unzip();
    let mut base_seq = Vec::with_capacity(prepared.rooms.len());
    for (conversation, indexes) in &prepared.rooms {
        let detail = prepared.members[indexes[0]].client.conversation(*conversation).await?;
        base_seq.push(detail.conversation.last_seq);
    }
    let mut senders: Vec<(SocketSender, ConversationId, usize)> = Vec::new();
    let room_of: Vec<usize> = {
        let mut room_of = vec![0; prepared.members.len()];
        for (room, (_, indexes)) in prepared.rooms.iter().enumerate() {
            for i in indexes {
                room_of[*i] = room;
            }
        }
        room_of
    };
    for (n, sender) in socket_senders.into_iter().enumerate() {
        senders.push((sender, prepared.rooms[room_of[n]].0, n));
    }
    // Open loop: each sender keeps its own schedule whatever the replies do.
    let per_sender = config.rate / senders.len() as f64;
    let interval = Duration::from_secs_f64(1.0 / per_sender.max(0.001));
    // The window starts once everyone is connected.
    let deadline = Instant::now() + Duration::from_secs_f64(config.seconds);
    let started = Instant::now();
    let sent_total = Arc::new(AtomicU64::new(0));
    let acked_by_room = Arc::new(Mutex::new(vec![0u64; prepared.rooms.len()]));
    let mut send_tasks = Vec::new();
    for (index, (mut sender, conversation, n)) in senders.into_iter().enumerate() {
        let sent_total = sent_total.clone();
        // Spread the senders' phases over one interval.
        let phase = interval.mul_f64(index as f64 / prepared.members.len() as f64);
        send_tasks.push(tokio::spawn(async move {
            // A sender whose turn falls after the window does not send (at low rates per
            // sender only some of them do, which keeps the total rate), and does not wait.
            tokio::time::sleep_until((started + phase).min(deadline).into()).await;
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut req_id = 1u64;
            // The next tick may be after the window (a slow schedule): stop at the deadline.
            while tokio::time::timeout_at(deadline.into(), tick.tick()).await.is_ok() {
                req_id += 1;
                let sent_at = epoch.elapsed().as_micros();
                let body = format!("{sent_at} {n} {req_id}");
                let frame = ClientFrame::SendMessage {
                    req_id,
                    conversation_id: conversation,
                    message: SendMessage { client_msg_id: Uuid::new_v4(), body, reply_to: None },
                };
                if sender.send(&frame).await.is_err() {
                    break;
                }
                sent_total.fetch_add(1, Ordering::Relaxed);
            }
            sender
        }));
    }
    let mut open = Vec::new();
    for task in send_tasks {
        open.push(task.await?);
    }
    let sending = started.elapsed().as_secs_f64().max(0.001);
    // Let deliveries finish: wait until they stop growing for a second (at most 30 s).
    let drain_deadline = Instant::now() + Duration::from_secs(30);
    let mut last = delivered_total.load(Ordering::Relaxed);
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = delivered_total.load(Ordering::Relaxed);
        if now == last || Instant::now() > drain_deadline {
            break;
        }
        last = now;
    }
    // Receivers only go away when their reader has ended, which is fine to ignore.
    let _ = stop_reading.send(true);
    drop(open);
    let mut total = histogram();
    let (mut delivered, mut duplicated, mut out_of_order, mut acks, mut refused) = (0, 0, 0, 0, 0);
    let mut unique_by_room = vec![0u64; prepared.rooms.len()];
    for (n, reader) in readers.into_iter().enumerate() {
        let reader = reader.await?;
        total.add(&reader.histogram)?;
        delivered += reader.delivered;
        duplicated += reader.duplicated;
        out_of_order += reader.out_of_order;
        acks += reader.acks;
        refused += reader.refused;
        acked_by_room.lock().await[room_of[n]] += reader.acks;
        unique_by_room[room_of[n]] += reader.seen.len() as u64;
    }
    // Stored: each room's seq moved by exactly its acknowledged sends.
    let mut all_stored = true;
    let acked_rooms = acked_by_room.lock().await.clone();
    let mut lost = 0u64;
    for (room, (conversation, indexes)) in prepared.rooms.iter().enumerate() {
        let detail = prepared.members[indexes[0]].client.conversation(*conversation).await?;
        if detail.conversation.last_seq - base_seq[room] != acked_rooms[room] as i64 {
            all_stored = false;
        }
        let expected = acked_rooms[room] * indexes.len() as u64;
        lost += expected.saturating_sub(unique_by_room[room]);
    }
    let sent = sent_total.load(Ordering::Relaxed);
    let ms = |q: f64| total.value_at_quantile(q) as f64 / 1000.0;
    Ok(FanoutReport {
        shape: format!("{}x{}", prepared.shape.0, prepared.shape.1),
        target_per_second: config.rate,
        sent,
        acked: acks,
        failed: sent.saturating_sub(acks).max(refused),
        stored_per_second: acks as f64 / sending,
        delivered,
        delivered_per_second: delivered as f64 / sending,
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        max_ms: total.max() as f64 / 1000.0,
        lost,
        duplicated,
        out_of_order,
        all_stored,
    })
}

async fn read_loop(
    mut reader: SocketReader,
    epoch: Instant,
    mut stop: tokio::sync::watch::Receiver<bool>,
    delivered_total: Arc<AtomicU64>,
) -> Reader {
    let mut state = Reader {
        histogram: histogram(),
        delivered: 0,
        duplicated: 0,
        out_of_order: 0,
        seen: HashSet::new(),
        last: Default::default(),
        acks: 0,
        refused: 0,
    };
    loop {
        // Both are cancel-safe: a frame half read stays buffered in the socket.
        let frame = tokio::select! {
            frame = reader.next() => match frame {
                Ok(frame) => frame,
                Err(_) => break,
            },
            _ = stop.wait_for(|stopped| *stopped) => break,
        };
        match frame {
            ServerFrame::Event { event } => {
                let EventKind::MessageCreated { message } = &event.kind else { continue };
                let now = epoch.elapsed().as_micros() as u64;
                let sent_at: u64 = message.body.split(' ').next().and_then(|t| t.parse().ok()).unwrap_or(now);
                if !state.seen.insert((event.conversation_id, event.seq)) {
                    state.duplicated += 1;
                    continue;
                }
                let last = state.last.entry(event.conversation_id).or_insert(0);
                if event.seq < *last {
                    state.out_of_order += 1;
                } else {
                    *last = event.seq;
                }
                state.delivered += 1;
                delivered_total.fetch_add(1, Ordering::Relaxed);
                state.histogram.saturating_record(now.saturating_sub(sent_at).max(1));
            }
            ServerFrame::Ack { .. } => state.acks += 1,
            ServerFrame::Error { .. } => state.refused += 1,
            _ => {}
        }
    }
    state
}
