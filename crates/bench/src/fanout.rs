//! `fanout`: R groups of M members, every member connected and sending on a fixed schedule
//! (open loop: sends never wait for replies) so that the total is T commands per second. With
//! a change share, that share of each member's commands edit or delete one of its own recent
//! messages instead of sending a new one (see `changes`).
//! Receivers time each delivery from the issue time carried in the body (noted by the deleter
//! for a delete, whose event has no body), check that every member got every acknowledged
//! message and change exactly once, and that every event of a conversation arrived with the
//! seq right after the previous one; afterwards the database must hold every acknowledged
//! command.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use client::ws::{Socket, SocketReader, SocketSender};
use hdrhistogram::Histogram;
use protocol::conversations::{EventKind, SendMessage};
use protocol::ws::{AckResult, ClientFrame, ServerFrame};
use protocol::{ConversationId, MessageId};
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

use crate::changes::{self, Change, ChangeReport, ChangeSchedule, Command, DeletionTimes};
use crate::population::{self, Member};

/// One fan-out run's settings.
#[derive(Clone, Copy, Debug)]
pub struct Fanout {
    /// Groups.
    pub rooms: usize,
    /// Members per group.
    pub members: usize,
    /// Total commands per second offered (sends, and edits and deletes with a change share).
    pub rate: f64,
    /// Seconds of sending.
    pub seconds: f64,
    /// Share of each member's commands that edit or delete its own recent messages (0 to
    /// `changes::MAX_CHANGE_SHARE`; 0 sends only new messages).
    pub change_share: f64,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct FanoutReport {
    /// Groups × members.
    pub shape: String,
    /// Offered rate, commands/s (edits and deletes included).
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
    /// Events of any kind (created, edited, deleted, …) that did not arrive with the seq right
    /// after the previous one of their conversation: early, late, or after a gap.
    pub out_of_order: u64,
    /// Every acknowledged command is in the database (the conversations' last seq moved by
    /// exactly the acknowledged count of sends, edits and deletes).
    pub all_stored: bool,
    /// Edits and deletes, in runs with a change share.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<ChangeReport>,
}

impl FanoutReport {
    /// No loss, duplicate or disorder, and everything stored; every change acknowledged and
    /// delivered once.
    pub fn clean(&self) -> bool {
        self.acked > 0
            && self.lost == 0
            && self.duplicated == 0
            && self.out_of_order == 0
            && self.all_stored
            && self.failed == 0
            && self.changes.as_ref().is_none_or(ChangeReport::clean)
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

/// Counts by kind of command.
#[derive(Clone, Copy, Debug, Default)]
struct ByCommand {
    sends: u64,
    edits: u64,
    deletes: u64,
}

impl ByCommand {
    fn count(&mut self, command: Command) {
        match command {
            Command::Send => self.sends += 1,
            Command::Edit => self.edits += 1,
            Command::Delete => self.deletes += 1,
        }
    }

    fn changes(&self) -> u64 {
        self.edits + self.deletes
    }

    fn add(&mut self, other: Self) {
        self.sends += other.sends;
        self.edits += other.edits;
        self.deletes += other.deletes;
    }
}

/// What one member's reader saw.
struct Reader {
    /// Message delivery latency, µs.
    histogram: Histogram<u64>,
    edit_histogram: Histogram<u64>,
    delete_histogram: Histogram<u64>,
    /// `message_created` events, first receipts.
    delivered: u64,
    duplicated: u64,
    /// `message_edited` and `message_deleted` events, first receipts.
    edits_delivered: u64,
    deletes_delivered: u64,
    changes_duplicated: u64,
    out_of_order: u64,
    /// Every event received, by conversation and seq.
    seen: HashSet<(ConversationId, i64)>,
    /// The highest seq received per conversation.
    last: HashMap<ConversationId, i64>,
    acks: ByCommand,
    refused: ByCommand,
}

impl Reader {
    fn new(room: ConversationId, base_seq: i64) -> Self {
        Self {
            histogram: histogram(),
            edit_histogram: histogram(),
            delete_histogram: histogram(),
            delivered: 0,
            duplicated: 0,
            edits_delivered: 0,
            deletes_delivered: 0,
            changes_duplicated: 0,
            out_of_order: 0,
            seen: HashSet::new(),
            last: HashMap::from([(room, base_seq)]),
            acks: ByCommand::default(),
            refused: ByCommand::default(),
        }
    }

    /// Counts an event whose seq is not the one right after the last of its conversation. The
    /// first event of a conversation other than the member's room sets that one's baseline.
    fn check_order(&mut self, conversation: ConversationId, seq: i64) {
        match self.last.get_mut(&conversation) {
            Some(last) => {
                if seq != *last + 1 {
                    self.out_of_order += 1;
                }
                *last = (*last).max(seq);
            }
            None => {
                self.last.insert(conversation, seq);
            }
        }
    }
}

/// What a member's reader needs besides its socket.
struct ReadContext {
    epoch: Instant,
    stop: watch::Receiver<bool>,
    /// Events received by all readers (the round ends once it stops growing).
    events_received: Arc<AtomicU64>,
    /// The member's room and its last seq before the round.
    room: (ConversationId, i64),
    /// Where the member's acknowledged messages go to its change schedule (with changes only).
    acknowledged: Option<mpsc::UnboundedSender<MessageId>>,
    /// When the room's deletions were issued.
    deletion_times: Arc<DeletionTimes>,
}

/// What one member sends: new messages, or with a change schedule some edits and deletes.
struct MemberCommands {
    /// The member's index, written in its bodies.
    member: usize,
    conversation: ConversationId,
    /// Commands made so far.
    sequence: u64,
    /// The member's change schedule and the ids of its acknowledged messages on their way to it.
    changes: Option<(ChangeSchedule, mpsc::UnboundedReceiver<MessageId>)>,
    /// When the room's deletions were issued.
    deletion_times: Arc<DeletionTimes>,
}

impl MemberCommands {
    /// The next command, issued at `issued_at` (µs since the run's epoch), which its body
    /// carries (a deletion's is noted in `deletion_times`).
    fn next(&mut self, issued_at: u64) -> (Command, ClientFrame) {
        self.sequence += 1;
        let change = self.changes.as_mut().and_then(|(schedule, acknowledged)| {
            while let Ok(message) = acknowledged.try_recv() {
                schedule.acknowledged(message);
            }
            schedule.next_change()
        });
        let (conversation_id, member) = (self.conversation, self.member);
        match change {
            None => {
                let req_id = Command::Send.req_id(self.sequence);
                let body = format!("{issued_at} {member} {req_id}");
                let message = SendMessage {
                    client_msg_id: Uuid::new_v4(),
                    body,
                    reply_to: None,
                    mentions: Vec::new(),
                    attachments: Vec::new(),
                    location: None,
                };
                (Command::Send, ClientFrame::SendMessage { req_id, conversation_id, message })
            }
            Some(Change::Edit(message_id)) => {
                let req_id = Command::Edit.req_id(self.sequence);
                let body = format!("{issued_at} {member} {req_id} edited");
                (Command::Edit, ClientFrame::EditMessage { req_id, conversation_id, message_id, body })
            }
            Some(Change::Delete(message_id)) => {
                let req_id = Command::Delete.req_id(self.sequence);
                self.deletion_times.issued(message_id, issued_at);
                (Command::Delete, ClientFrame::DeleteMessage { req_id, conversation_id, message_id })
            }
        }
    }
}

/// The issue time at the start of a message body written by this load generator, µs.
fn issue_time(body: &str) -> Option<u64> {
    body.split(' ').next().and_then(|t| t.parse().ok())
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
    let with_changes = config.change_share > 0.0;
    let room_of: Vec<usize> = {
        let mut room_of = vec![0; prepared.members.len()];
        for (room, (_, indexes)) in prepared.rooms.iter().enumerate() {
            for i in indexes {
                room_of[*i] = room;
            }
        }
        room_of
    };
    // Read before anyone connects (nothing changes the rooms between rounds), so that a
    // reader checks even the round's first event of its room.
    let mut base_seq = Vec::with_capacity(prepared.rooms.len());
    for (conversation, indexes) in &prepared.rooms {
        let detail = prepared.members[indexes[0]].client.conversation(*conversation).await?;
        base_seq.push(detail.conversation.last_seq);
    }
    let deletion_times: Vec<Arc<DeletionTimes>> =
        prepared.rooms.iter().map(|_| Arc::new(DeletionTimes::default())).collect();
    // Each member's reader hands the ids of its acknowledged sends to its sender, whose change
    // schedule picks from them.
    let (acknowledged_senders, mut acknowledged_receivers): (Vec<_>, Vec<_>) = prepared
        .members
        .iter()
        .map(|_| {
            if with_changes {
                let (sender, receiver) = mpsc::unbounded_channel();
                (Some(sender), Some(receiver))
            } else {
                (None, None)
            }
        })
        .unzip();
    // Readers wait on their socket or on this, with no polling: 10,000 readers waking every
    // 250 ms to check a flag cost the load generator a fifth of a core.
    let (stop_reading, reading_stopped) = watch::channel(false);
    let events_received = Arc::new(AtomicU64::new(0));
    // Connect everyone, reading from the start: a member with many friends gets a presence
    // frame per friend connecting, and an unread socket fills its queue and is closed (4008).
    let members = prepared.members.iter().enumerate().zip(acknowledged_senders);
    let connected = population::in_order(members, CONNECT_CONCURRENCY, |((n, member), acknowledged)| {
        let base = bases[n % bases.len()].clone();
        let token = member.token.clone();
        let room = room_of[n];
        let context = ReadContext {
            epoch,
            stop: reading_stopped.clone(),
            events_received: events_received.clone(),
            room: (prepared.rooms[room].0, base_seq[room]),
            acknowledged,
            deletion_times: deletion_times[room].clone(),
        };
        async move {
            let (socket, _) = Socket::connect_from(&base, &token, local_addr(n)).await?;
            let (sender, reader) = socket.into_split();
            let reader = tokio::spawn(read_loop(reader, context));
            anyhow::Ok((sender, reader))
        }
    })
    .await?;
    let (senders, readers): (Vec<SocketSender>, Vec<_>) = connected.into_iter().unzip();
    // Open loop: each sender keeps its own schedule whatever the replies do.
    let per_sender = config.rate / senders.len() as f64;
    let interval = Duration::from_secs_f64(1.0 / per_sender.max(0.001));
    // The window starts once everyone is connected.
    let deadline = Instant::now() + Duration::from_secs_f64(config.seconds);
    let started = Instant::now();
    let mut send_tasks = Vec::new();
    for (n, mut sender) in senders.into_iter().enumerate() {
        // Spread the senders' phases over one interval, and their first changes over the
        // commands (by the golden ratio, evenly for any number of members).
        let phase = interval.mul_f64(n as f64 / prepared.members.len() as f64);
        let changes = acknowledged_receivers[n].take().map(|acknowledged| {
            let change_phase = (n as f64 * 0.618_033_988_749_895).fract();
            (ChangeSchedule::new(config.change_share, change_phase, n % 2 == 0), acknowledged)
        });
        let mut commands = MemberCommands {
            member: n,
            conversation: prepared.rooms[room_of[n]].0,
            sequence: 0,
            changes,
            deletion_times: deletion_times[room_of[n]].clone(),
        };
        send_tasks.push(tokio::spawn(async move {
            let mut offered = ByCommand::default();
            // A sender whose turn falls after the window does not send (at low rates per
            // sender only some of them do, which keeps the total rate), and does not wait.
            tokio::time::sleep_until((started + phase).min(deadline).into()).await;
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            // The next tick may be after the window (a slow schedule): stop at the deadline.
            while tokio::time::timeout_at(deadline.into(), tick.tick()).await.is_ok() {
                let (command, frame) = commands.next(epoch.elapsed().as_micros() as u64);
                if sender.send(&frame).await.is_err() {
                    break;
                }
                offered.count(command);
            }
            let deferred = commands.changes.map_or(0, |(schedule, _)| schedule.deferred);
            (sender, offered, deferred)
        }));
    }
    let mut open = Vec::new();
    let (mut offered, mut deferred) = (ByCommand::default(), 0);
    for task in send_tasks {
        let (sender, sender_offered, sender_deferred) = task.await?;
        open.push(sender);
        offered.add(sender_offered);
        deferred += sender_deferred;
    }
    let sending = started.elapsed().as_secs_f64().max(0.001);
    // Let deliveries finish: wait until they stop growing for a second (at most 30 s).
    let drain_deadline = Instant::now() + Duration::from_secs(30);
    let mut last = events_received.load(Ordering::Relaxed);
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = events_received.load(Ordering::Relaxed);
        if now == last || Instant::now() > drain_deadline {
            break;
        }
        last = now;
    }
    // Receivers only go away when their reader has ended, which is fine to ignore.
    let _ = stop_reading.send(true);
    drop(open);
    let (mut total, mut edit_total, mut delete_total) = (histogram(), histogram(), histogram());
    let (mut delivered, mut duplicated, mut out_of_order) = (0, 0, 0);
    let (mut edits_delivered, mut deletes_delivered, mut changes_duplicated) = (0, 0, 0);
    let (mut acks, mut refused) = (ByCommand::default(), ByCommand::default());
    let mut acked_by_room = vec![ByCommand::default(); prepared.rooms.len()];
    // First receipts of message and change events by each room's members.
    let mut messages_received_by_room = vec![0u64; prepared.rooms.len()];
    let mut changes_received_by_room = vec![0u64; prepared.rooms.len()];
    for (n, reader) in readers.into_iter().enumerate() {
        let reader = reader.await?;
        total.add(&reader.histogram)?;
        edit_total.add(&reader.edit_histogram)?;
        delete_total.add(&reader.delete_histogram)?;
        delivered += reader.delivered;
        duplicated += reader.duplicated;
        edits_delivered += reader.edits_delivered;
        deletes_delivered += reader.deletes_delivered;
        changes_duplicated += reader.changes_duplicated;
        out_of_order += reader.out_of_order;
        acks.add(reader.acks);
        refused.add(reader.refused);
        acked_by_room[room_of[n]].add(reader.acks);
        messages_received_by_room[room_of[n]] += reader.delivered;
        changes_received_by_room[room_of[n]] += reader.edits_delivered + reader.deletes_delivered;
    }
    // Stored: each room's seq moved by exactly its acknowledged commands (each is one event).
    let mut all_stored = true;
    let (mut lost, mut changes_lost) = (0u64, 0u64);
    for (room, (conversation, indexes)) in prepared.rooms.iter().enumerate() {
        let detail = prepared.members[indexes[0]].client.conversation(*conversation).await?;
        let acked = acked_by_room[room];
        if detail.conversation.last_seq - base_seq[room] != (acked.sends + acked.changes()) as i64 {
            all_stored = false;
        }
        let members = indexes.len() as u64;
        lost += (acked.sends * members).saturating_sub(messages_received_by_room[room]);
        changes_lost += (acked.changes() * members).saturating_sub(changes_received_by_room[room]);
    }
    let [p50_ms, p99_ms, p999_ms, max_ms] = changes::percentiles_ms(&total);
    let changes = with_changes.then(|| {
        let [edit_p50_ms, edit_p99_ms, edit_p999_ms, edit_max_ms] = changes::percentiles_ms(&edit_total);
        let [delete_p50_ms, delete_p99_ms, delete_p999_ms, delete_max_ms] = changes::percentiles_ms(&delete_total);
        ChangeReport {
            share: config.change_share,
            commands_acked_per_second: (acks.sends + acks.changes()) as f64 / sending,
            edits_offered: offered.edits,
            edits_acked: acks.edits,
            deletes_offered: offered.deletes,
            deletes_acked: acks.deletes,
            failed: offered.changes().saturating_sub(acks.changes()).max(refused.changes()),
            deferred,
            edits_delivered,
            edit_p50_ms,
            edit_p99_ms,
            edit_p999_ms,
            edit_max_ms,
            deletes_delivered,
            delete_p50_ms,
            delete_p99_ms,
            delete_p999_ms,
            delete_max_ms,
            lost: changes_lost,
            duplicated: changes_duplicated,
        }
    });
    Ok(FanoutReport {
        shape: format!("{}x{}", prepared.shape.0, prepared.shape.1),
        target_per_second: config.rate,
        sent: offered.sends,
        acked: acks.sends,
        failed: offered.sends.saturating_sub(acks.sends).max(refused.sends),
        stored_per_second: acks.sends as f64 / sending,
        delivered,
        delivered_per_second: delivered as f64 / sending,
        p50_ms,
        p99_ms,
        p999_ms,
        max_ms,
        lost,
        duplicated,
        out_of_order,
        all_stored,
        changes,
    })
}

async fn read_loop(mut reader: SocketReader, mut context: ReadContext) -> Reader {
    let mut state = Reader::new(context.room.0, context.room.1);
    loop {
        // Both are cancel-safe: a frame half read stays buffered in the socket.
        let frame = tokio::select! {
            frame = reader.next() => match frame {
                Ok(frame) => frame,
                Err(_) => break,
            },
            _ = context.stop.wait_for(|stopped| *stopped) => break,
        };
        match frame {
            ServerFrame::Event { event } => {
                let now = context.epoch.elapsed().as_micros() as u64;
                context.events_received.fetch_add(1, Ordering::Relaxed);
                if !state.seen.insert((event.conversation_id, event.seq)) {
                    match event.kind {
                        EventKind::MessageCreated { .. } => state.duplicated += 1,
                        EventKind::MessageEdited { .. } | EventKind::MessageDeleted { .. } => {
                            state.changes_duplicated += 1;
                        }
                        _ => {}
                    }
                    continue;
                }
                state.check_order(event.conversation_id, event.seq);
                let latency = |issued_at: u64| now.saturating_sub(issued_at).max(1);
                match event.kind {
                    EventKind::MessageCreated { message } => {
                        state.delivered += 1;
                        state.histogram.saturating_record(latency(issue_time(&message.body).unwrap_or(now)));
                    }
                    EventKind::MessageEdited { message } => {
                        state.edits_delivered += 1;
                        if let Some(issued_at) = issue_time(&message.body) {
                            state.edit_histogram.saturating_record(latency(issued_at));
                        }
                    }
                    EventKind::MessageDeleted { message_id, .. } => {
                        state.deletes_delivered += 1;
                        if let Some(issued_at) = context.deletion_times.issued_at(message_id) {
                            state.delete_histogram.saturating_record(latency(issued_at));
                        }
                    }
                    _ => {}
                }
            }
            ServerFrame::Ack { req_id, result } => {
                let command = Command::of_req_id(req_id);
                state.acks.count(command);
                if command == Command::Send
                    && let (Some(acknowledged), AckResult::Message(message)) = (&context.acknowledged, result)
                {
                    // The sender may have finished; then nothing needs the id.
                    let _ = acknowledged.send(message.id);
                }
            }
            // An error about an unreadable frame has no req_id: it can only be a send's.
            ServerFrame::Error { req_id, .. } => state.refused.count(req_id.map_or(Command::Send, Command::of_req_id)),
            _ => {}
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_must_follow_the_previous_seq_of_its_conversation() {
        let room = ConversationId(Uuid::from_u128(1));
        let mut reader = Reader::new(room, 5);
        // 8 comes late: both it and the 9 that overtook it are out of order; 10 follows 9.
        for seq in [6, 7, 9, 8, 10] {
            reader.check_order(room, seq);
        }
        assert_eq!(reader.out_of_order, 2);
        // A gap is a violation too.
        reader.check_order(room, 12);
        assert_eq!(reader.out_of_order, 3);
        // Another conversation's first event sets its baseline.
        let other = ConversationId(Uuid::from_u128(2));
        reader.check_order(other, 40);
        reader.check_order(other, 41);
        assert_eq!(reader.out_of_order, 3);
    }

    #[test]
    fn bodies_carry_their_issue_time_first() {
        assert_eq!(issue_time("1234 7 9 edited"), Some(1234));
        assert_eq!(issue_time(""), None);
    }
}
