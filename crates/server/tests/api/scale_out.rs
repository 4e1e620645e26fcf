//! Several servers on one database. Three servers take a mixed stream of sends, edits, deletes
//! and renames from clients spread over them while one of them is killed mid-stream; every
//! client on a surviving server receives every committed event exactly once, in seq order: on
//! the NATS bus (a real `nats-server`) and on the PostgreSQL bus.
//!
//! And the NATS bus's own guarantees, each forced deterministically: a gap left by a server that
//! committed without publishing (one on the in-process bus stands in for a server killed between
//! its commit and its publish) is filled from the database, at the next event or, when none
//! comes, by the sweep; an event published twice is delivered once; an outage of NATS makes
//! clients resync.

use std::collections::HashMap;
use std::time::Duration;

use client::ws::{Socket, SocketError};
use futures_util::StreamExt;
use protocol::conversations::{EventKind, SendMessage};
use protocol::ws::{ClientFrame, ServerFrame, close};
use protocol::{ConversationId, UserId};
use server::bus::BusKind;
use server::config::Settings;
use server::startup::Application;
use uuid::Uuid;

use crate::nats_server::NatsServer;
use crate::support::{Account, TestApp, unique_dir};

/// The token secret every server of a deployment shares.
const SECRET: &str = "a-secret-shared-by-every-server-0123456789";
/// Longest wait for what must arrive.
const WAIT: Duration = Duration::from_secs(20);
/// Listening on after everything expected came, for a duplicate to show.
const QUIET: Duration = Duration::from_millis(800);

/// Settings of one deployment's servers.
fn deployment(bus: BusKind, nats: Option<&NatsServer>) -> impl Fn(&mut Settings) + Clone + use<> {
    let url = nats.map(NatsServer::url);
    move |s: &mut Settings| {
        s.bus = bus;
        s.jwt_secret = Some(SECRET.to_owned().into());
        // The watchers read only once the stream is over.
        s.ws_queue = 8_192;
        if let Some(url) = &url {
            s.nats_url = url.clone();
        }
    }
}

/// A server on a runtime of its own, so that killing it stops all its tasks at once (writer,
/// hub, bus) as a crash would: a change it committed but had not published yet never is.
struct KillablePeer {
    client: client::Client,
    handle: Option<actix_web::dev::ServerHandle>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl KillablePeer {
    async fn spawn(app: &TestApp, adjust: impl FnOnce(&mut Settings)) -> Self {
        let dir = unique_dir("killable");
        let mut settings = Settings::for_tests(dir.join("data"), dir.join("dist"), app.db.url().to_owned());
        adjust(&mut settings);
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let (url, handle) = runtime
            .spawn(async move {
                let app = Application::build(settings).await.expect("the killable peer starts");
                let (url, handle) = (app.url(), app.handle());
                tokio::spawn(app.run_until_stopped());
                (url, handle)
            })
            .await
            .unwrap();
        Self { client: client::Client::new(&url).unwrap(), handle: Some(handle), runtime: Some(runtime) }
    }

    /// Stops accepting and drops every task of this server, mid-flight.
    fn kill(&mut self) {
        if let Some(handle) = self.handle.take() {
            drop(handle.stop(false));
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for KillablePeer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A connected client and, per conversation, the `last_seq` its `ready` listed.
struct Watcher {
    name: String,
    socket: Socket,
    start: HashMap<ConversationId, i64>,
}

async fn watcher(name: &str, client: &client::Client) -> Watcher {
    let (socket, ready) = client.connect().await.unwrap();
    let ServerFrame::Ready { conversations, .. } = ready else { panic!("expected ready, got {ready:?}") };
    Watcher { name: name.to_owned(), socket, start: conversations.iter().map(|c| (c.id, c.last_seq)).collect() }
}

impl Watcher {
    /// What must reach this client: every committed event after its `ready`, per conversation.
    async fn expected(&self, reader: &client::Client) -> HashMap<ConversationId, Vec<i64>> {
        let mut expected = HashMap::new();
        for (&conversation, &after) in &self.start {
            let events = reader.all_events(conversation, after).await.unwrap();
            expected.insert(conversation, events.iter().map(|e| e.seq).collect());
        }
        expected
    }

    /// Reads events until as many as `expected` holds have come, then for [`QUIET`] more; the
    /// seqs received per conversation after those `ready` listed, in arrival order.
    async fn received(&mut self, expected: &HashMap<ConversationId, Vec<i64>>) -> HashMap<ConversationId, Vec<i64>> {
        let total: usize = expected.values().map(Vec::len).sum();
        let mut received: HashMap<ConversationId, Vec<i64>> = HashMap::new();
        let mut count = 0;
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut quiet_until = None;
        loop {
            let until = quiet_until.unwrap_or(deadline);
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            match self.socket.next_within(left).await {
                // An event committed between the subscription and `ready`'s read is both within
                // `ready`'s `last_seq` and delivered live; a client ignores it by the protocol's
                // `seq <= known` rule (docs/protocol.md), and so does this one.
                Ok(Some(ServerFrame::Event { event }))
                    if self.start.get(&event.conversation_id).is_some_and(|&known| event.seq <= known) => {}
                Ok(Some(ServerFrame::Event { event })) => {
                    received.entry(event.conversation_id).or_default().push(event.seq);
                    count += 1;
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(SocketError::Timeout) => break,
                Err(e) => panic!("{}'s socket failed after {count} of {total} events: {e}", self.name),
            }
            if count >= total && quiet_until.is_none() {
                quiet_until = Some(tokio::time::Instant::now() + QUIET);
            }
        }
        received
    }

    /// Asserts that every expected event came exactly once, in seq order.
    async fn assert_got_everything_once_in_order(&mut self, reader: &client::Client) {
        let expected = self.expected(reader).await;
        let received = self.received(&expected).await;
        for (conversation, seqs) in &expected {
            let got = received.get(conversation).cloned().unwrap_or_default();
            assert_eq!(&got, seqs, "{} in {conversation:?}: received {got:?}, committed {seqs:?}", self.name);
        }
        let strays: Vec<_> = received.keys().filter(|c| !expected.contains_key(c)).collect();
        assert!(strays.is_empty(), "{} got events of conversations it is not in: {strays:?}", self.name);
    }
}

fn message(body: &str) -> SendMessage {
    SendMessage::new(Uuid::new_v4(), body)
}

/// Sends frames without waiting; returns their request ids.
async fn pipeline(socket: &mut Socket, frames: Vec<Box<dyn FnOnce(u64) -> ClientFrame + Send>>) -> Vec<u64> {
    let mut ids = Vec::new();
    for frame in frames {
        let req_id = socket.next_req_id();
        socket.send(&frame(req_id)).await.unwrap();
        ids.push(req_id);
    }
    ids
}

/// Reads the answers to `req_ids`; panics on an error answer.
async fn acked(socket: &mut Socket, req_ids: &[u64]) {
    let mut answered = 0;
    while answered < req_ids.len() {
        match socket.next_within(WAIT).await.unwrap() {
            Some(ServerFrame::Ack { req_id, .. }) if req_ids.contains(&req_id) => answered += 1,
            Some(ServerFrame::Error { req_id: Some(req_id), error, message, .. }) if req_ids.contains(&req_id) => {
                panic!("request {req_id} refused: {error:?} {message}")
            }
            Some(_) => {}
            None => panic!("only {answered} of {} answers arrived", req_ids.len()),
        }
    }
}

fn send_frame(conversation: ConversationId, body: &'static str) -> Box<dyn FnOnce(u64) -> ClientFrame + Send> {
    Box::new(move |req_id| ClientFrame::SendMessage { req_id, conversation_id: conversation, message: message(body) })
}

/// Registers `names`, makes the first everyone's friend, and has them create `groups` groups
/// of all of them, each with a first message from the creator.
async fn crowd(
    app: &TestApp,
    names: &[&str],
    groups: usize,
) -> (Vec<Account>, Vec<(ConversationId, protocol::MessageId)>) {
    let mut accounts = Vec::new();
    for name in names {
        accounts.push(app.register(name).await);
    }
    for other in &accounts[1..] {
        app.befriend(&accounts[0], other).await;
    }
    let members: Vec<UserId> = accounts[1..].iter().map(Account::id).collect();
    let mut created = Vec::new();
    for n in 0..groups {
        let group = accounts[0].client.create_group(&format!("g{n}"), &members).await.unwrap().id;
        let first = accounts[0].client.send_message(group, &message("first")).await.unwrap();
        created.push((group, first.id));
    }
    (accounts, created)
}

/// Three servers of `bus`: the test's app (A), a peer (B) and a killable peer (K). Alice writes
/// on A (sends, edits, deletes), Bob on B (sends), Alice renames every group through B, and
/// Frank keeps sending through K, which is killed once Alice's writes are acknowledged and
/// Frank has sent at least 150, his sends still coming; then Alice and Bob send once more to every group. Carol on A,
/// Dave on B and Erin on both must each get every committed event exactly once, in seq order.
async fn mixed_stream_survives_a_killed_server(bus: BusKind, nats: Option<&NatsServer>) {
    const GROUPS: usize = 8;
    /// Frank's pace: about 400 sends a second, spread over the groups.
    const FLOOD_PACE: Duration = Duration::from_micros(2_500);
    /// Sends Alice and Bob each pipeline into the first group at once: their servers store them
    /// in big batches, one after the other, and publish them after their commits, so on NATS
    /// the two servers' events cross.
    const BURST: usize = 150;
    /// Frank's sends before the kill, at least.
    const MIN_FLOOD: usize = 150;
    const MAX_FLOOD: usize = 4_000;
    let settings = deployment(bus, nats);
    let app = TestApp::spawn_with(settings.clone()).await;
    let b = app.spawn_peer(settings.clone()).await;
    let mut k = KillablePeer::spawn(&app, settings).await;
    let (people, groups) = crowd(&app, &["alice", "bob", "carol", "dave", "erin", "frank"], GROUPS).await;
    let [alice, bob, carol, dave, erin, frank] = &people[..] else { unreachable!() };

    let mut watchers = [
        watcher("carol on A", &carol.client).await,
        watcher("dave on B", &dave.via(&b.client)).await,
        watcher("erin on A", &erin.client).await,
        watcher("erin on B", &erin.via(&b.client)).await,
    ];
    let (mut alice_a, _) = alice.client.connect().await.unwrap();
    let (mut bob_b, _) = bob.via(&b.client).connect().await.unwrap();
    let (mut frank_k, _) = frank.via(&k.client).connect().await.unwrap();
    let killed = std::sync::atomic::AtomicBool::new(false);
    let flooded = std::sync::atomic::AtomicUsize::new(0);
    let alice_b = alice.via(&b.client);

    let here = async {
        let mut frames = Vec::new();
        for &(group, first) in &groups {
            frames.push(send_frame(group, "a1"));
            frames.push(Box::new(move |req_id| ClientFrame::EditMessage {
                req_id,
                conversation_id: group,
                message_id: first,
                body: "first, edited".into(),
            }) as Box<dyn FnOnce(u64) -> ClientFrame + Send>);
            frames.push(send_frame(group, "a2"));
            frames.push(Box::new(move |req_id| ClientFrame::DeleteMessage {
                req_id,
                conversation_id: group,
                message_id: first,
            }));
        }
        frames.extend((0..BURST).map(|_| send_frame(groups[0].0, "burst a")));
        let ids = pipeline(&mut alice_a, frames).await;
        acked(&mut alice_a, &ids).await;
        while flooded.load(std::sync::atomic::Ordering::Relaxed) < MIN_FLOOD {
            tokio::time::sleep(FLOOD_PACE).await;
        }
        k.kill();
        killed.store(true, std::sync::atomic::Ordering::Relaxed);
    };
    let there = async {
        let mut frames: Vec<_> = groups.iter().flat_map(|&(g, _)| [send_frame(g, "b1"), send_frame(g, "b2")]).collect();
        frames.extend((0..BURST).map(|_| send_frame(groups[0].0, "burst b")));
        let ids = pipeline(&mut bob_b, frames).await;
        acked(&mut bob_b, &ids).await;
    };
    let renames = async {
        for (n, &(group, _)) in groups.iter().enumerate() {
            alice_b.rename_conversation(group, &format!("g{n} renamed")).await.unwrap();
        }
    };
    // Until the kill cuts it: sends in flight then are committed or not, published or not.
    let flood = async {
        let mut sent = 0;
        for &(group, _) in groups.iter().cycle().take(MAX_FLOOD) {
            let frame = send_frame(group, "k")(frank_k.next_req_id());
            if killed.load(std::sync::atomic::Ordering::Relaxed) || frank_k.send(&frame).await.is_err() {
                break;
            }
            sent += 1;
            flooded.store(sent, std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(FLOOD_PACE).await;
        }
        sent
    };
    let ((), (), (), sent) = tokio::join!(here, there, renames, flood);
    // The stream goes on after the kill.
    let frames = groups.iter().map(|&(g, _)| send_frame(g, "a3")).collect();
    let ids = pipeline(&mut alice_a, frames).await;
    acked(&mut alice_a, &ids).await;
    let frames = groups.iter().map(|&(g, _)| send_frame(g, "b3")).collect();
    let ids = pipeline(&mut bob_b, frames).await;
    acked(&mut bob_b, &ids).await;

    let mut floods = 0;
    for &(group, _) in &groups {
        let events = alice.client.all_events(group, 0).await.unwrap();
        floods += events
            .iter()
            .filter(|e| matches!(&e.kind, EventKind::MessageCreated { message } if message.sender_id == frank.id()))
            .count();
    }
    assert!(sent < MAX_FLOOD && floods > 0, "the kill did not cut the flood: {sent} sent, {floods} stored");
    eprintln!("{bus:?}: Frank sent {sent} messages through the killed server, {floods} were stored");
    let reads = watchers.iter_mut().map(|w| w.assert_got_everything_once_in_order(&alice.client));
    futures_util::future::join_all(reads).await;
}

#[tokio::test]
async fn three_servers_on_nats_deliver_a_mixed_stream_once_in_order_when_one_is_killed() {
    let nats = NatsServer::start();
    mixed_stream_survives_a_killed_server(BusKind::Nats, Some(&nats)).await;
}

#[tokio::test]
async fn three_servers_on_postgres_deliver_a_mixed_stream_once_in_order_when_one_is_killed() {
    mixed_stream_survives_a_killed_server(BusKind::Postgres, None).await;
}

/// A server on NATS (the app) with Carol connected, and a server on the same database that
/// publishes nothing to NATS (the in-process bus): what Alice writes through it is committed
/// and never published, as by a server killed between its commit and its publish.
async fn nats_and_a_silent_server(
    nats: &NatsServer,
) -> (TestApp, crate::support::Peer, Account, Watcher, ConversationId) {
    let app = TestApp::spawn_with(deployment(BusKind::Nats, Some(nats))).await;
    let silent = app.spawn_peer(deployment(BusKind::InProcess, None)).await;
    let (mut people, groups) = crowd(&app, &["alice", "carol"], 1).await;
    let carol = watcher("carol", &people[1].client).await;
    let alice = people.remove(0);
    (app, silent, alice, carol, groups[0].0)
}

#[tokio::test]
async fn nats_fills_a_gap_from_the_database_before_the_next_event() {
    let nats = NatsServer::start();
    let (_app, silent, alice, mut carol, group) = nats_and_a_silent_server(&nats).await;
    for body in ["never", "published", "here"] {
        alice.via(&silent.client).send_message(group, &message(body)).await.unwrap();
    }
    alice.client.send_message(group, &message("published")).await.unwrap();
    // At once (a sweep would take seconds), the three before it first.
    let soon = QUIET + Duration::from_millis(1_500);
    tokio::time::timeout(soon, carol.assert_got_everything_once_in_order(&alice.client))
        .await
        .expect("the gap was filled when the next event came");
    assert_eq!(carol.expected(&alice.client).await[&group].len(), 4);
}

#[tokio::test]
async fn nats_finds_committed_events_that_were_never_published() {
    let nats = NatsServer::start();
    let (_app, silent, alice, mut carol, group) = nats_and_a_silent_server(&nats).await;
    for body in ["nothing", "follows"] {
        alice.via(&silent.client).send_message(group, &message(body)).await.unwrap();
    }
    // No later event reveals the gap: the sweep does.
    carol.assert_got_everything_once_in_order(&alice.client).await;
    assert_eq!(carol.expected(&alice.client).await[&group].len(), 2);
}

#[tokio::test]
async fn nats_delivers_an_event_published_twice_once() {
    let nats = NatsServer::start();
    let app = TestApp::spawn_with(deployment(BusKind::Nats, Some(&nats))).await;
    let (people, groups) = crowd(&app, &["alice", "carol"], 1).await;
    let (alice, carol, group) = (&people[0], &people[1], groups[0].0);
    let mut carol = watcher("carol", &carol.client).await;
    let spy = async_nats::connect(nats.url()).await.unwrap();
    let mut copies = spy.subscribe(format!("confab.conv.{}", group.0)).await.unwrap();
    spy.flush().await.unwrap();
    alice.client.send_message(group, &message("one")).await.unwrap();
    alice.client.send_message(group, &message("two")).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let copy = tokio::time::timeout(WAIT, copies.next()).await.unwrap().unwrap();
        seen.push(copy);
    }
    // Published again, newest first, as a redelivery or a crossed publisher would.
    for copy in seen.iter().rev() {
        spy.publish(copy.subject.clone(), copy.payload.clone()).await.unwrap();
    }
    spy.flush().await.unwrap();
    alice.client.send_message(group, &message("three")).await.unwrap();
    carol.assert_got_everything_once_in_order(&alice.client).await;
}

#[tokio::test]
async fn a_nats_outage_makes_clients_resync_and_delivery_resumes() {
    let mut nats = NatsServer::start();
    let app = TestApp::spawn_with(deployment(BusKind::Nats, Some(&nats))).await;
    let (people, groups) = crowd(&app, &["alice", "carol"], 1).await;
    let (alice, carol, group) = (&people[0], &people[1], groups[0].0);
    let mut before = watcher("carol", &carol.client).await;
    nats.restart();
    let closed = loop {
        match before.socket.next_within(WAIT).await {
            Ok(Some(_)) => {}
            Ok(None) | Err(SocketError::Timeout) => panic!("the client was not told to resync"),
            Err(SocketError::Closed { code, .. }) => break code,
            Err(e) => panic!("unexpected socket error: {e}"),
        }
    };
    assert_eq!(closed, close::GOING_AWAY);
    let mut after = watcher("carol again", &carol.client).await;
    let sent = alice.client.send_message(group, &message("after the outage")).await.unwrap();
    let event = loop {
        if let Some(ServerFrame::Event { event }) = after.socket.next_within(WAIT).await.unwrap() {
            break event;
        }
    };
    assert_eq!(event.seq, sent.seq);
}

#[tokio::test]
async fn nats_serves_a_burst_of_connections_on_a_small_pool() {
    // Each handshake holds a pooled connection while the bus follows its conversations: the bus
    // must not need one from the same pool.
    let nats = NatsServer::start();
    let settings = deployment(BusKind::Nats, Some(&nats));
    let app = TestApp::spawn_with(move |s| {
        settings(s);
        s.db_pool_size = 2;
    })
    .await;
    let names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
    let (people, groups) = crowd(&app, &names, 3).await;
    let connecting = people.iter().map(|p| p.client.connect());
    let mut sockets: Vec<Socket> =
        futures_util::future::join_all(connecting).await.into_iter().map(|c| c.unwrap().0).collect();
    let sent = people[0].client.send_message(groups[2].0, &message("to all at once")).await.unwrap();
    for socket in &mut sockets {
        let event = loop {
            if let Some(ServerFrame::Event { event }) = socket.next_within(WAIT).await.unwrap() {
                break event;
            }
        };
        assert_eq!((event.conversation_id, event.seq), (groups[2].0, sent.seq));
    }
}

/// The confab binary on the NATS bus, sharing `app`'s database and token secret: a process of
/// its own, so its `/metrics` counts only what it did (the API tests share one recorder).
struct NatsBinary {
    child: std::process::Child,
    client: client::Client,
    url: String,
    dir: std::path::PathBuf,
}

impl NatsBinary {
    async fn start(app: &TestApp, nats: &NatsServer) -> Self {
        use std::io::BufRead;
        let dir = unique_dir("nats-binary");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_confab"))
            .args(["--port", "0", "--bus", "nats", "--nats-url", &nats.url(), "--data-dir"])
            .arg(dir.join("data"))
            .arg("--static-dir")
            .arg(dir.join("dist"))
            .env("DATABASE_URL", app.db.url())
            .env("CONFAB_JWT_SECRET", SECRET)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
            .spawn()
            .unwrap();
        crate::support::spawn_guardian(&child, "nats-binary", None);
        let stdout = child.stdout.take().unwrap();
        let url = tokio::task::spawn_blocking(move || {
            std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .find_map(|line| line.strip_prefix("Confab is running at ").map(str::to_owned))
        })
        .await
        .unwrap()
        .expect("the binary starts");
        Self { child, client: client::Client::new(&url).unwrap(), url, dir }
    }

    /// The value of an unlabelled metric series (0 when absent).
    async fn metric(&self, series: &str) -> f64 {
        let text = reqwest::get(format!("{}/metrics", self.url)).await.unwrap().text().await.unwrap();
        text.lines()
            .filter_map(|line| line.split_once(' '))
            .find(|(name, _)| *name == series)
            .map_or(0.0, |(_, value)| value.parse().unwrap())
    }
}

impl Drop for NatsBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("the binary's log is kept at {}", self.dir.join("server.log").display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[tokio::test]
async fn bus_lag_counts_only_events_that_came_over_the_bus() {
    let nats = NatsServer::start();
    // The app publishes nothing to NATS: what Alice writes through it leaves a gap.
    let app = TestApp::spawn_with(deployment(BusKind::InProcess, None)).await;
    let binary = NatsBinary::start(&app, &nats).await;
    let (people, groups) = crowd(&app, &["alice", "carol"], 1).await;
    let (alice, group) = (&people[0], groups[0].0);
    let mut carol = watcher("carol", &people[1].via(&binary.client)).await;
    for body in ["never", "published", "here"] {
        alice.client.send_message(group, &message(body)).await.unwrap();
    }
    // Old by the time the next event reveals them: a lag they never had on the bus.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    alice.via(&binary.client).send_message(group, &message("over NATS")).await.unwrap();
    carol.assert_got_everything_once_in_order(&alice.client).await;
    assert_eq!(binary.metric("confab_bus_gap_filled_events_total").await, 3.0);
    assert_eq!(binary.metric("confab_bus_lag_seconds_count").await, 1.0);
    assert!(binary.metric("confab_bus_lag_seconds_sum").await < 1.0);
}

#[tokio::test]
async fn nats_stops_a_removed_member_at_their_removal_even_when_it_was_never_published() {
    let nats = NatsServer::start();
    let (_app, silent, alice, mut carol, group) = nats_and_a_silent_server(&nats).await;
    // Committed, never published: neither the event nor the notice that Carol left.
    alice.via(&silent.client).remove_member(group, carol_id(&carol, &alice, group).await).await.unwrap();
    let after = alice.client.send_message(group, &message("after Carol left")).await.unwrap();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match carol.socket.next_within(left).await {
            Ok(Some(ServerFrame::Event { event })) => seen.push((event.seq, event.kind)),
            Ok(Some(_)) => {}
            Ok(None) | Err(SocketError::Timeout) => break,
            Err(e) => panic!("Carol's socket failed: {e}"),
        }
    }
    assert!(
        seen.iter().any(|(_, kind)| matches!(kind, EventKind::MemberRemoved { .. })),
        "Carol was not told of her removal: {seen:?}"
    );
    assert!(seen.iter().all(|(seq, _)| *seq < after.seq), "Carol got what was sent after she left: {seen:?}");
}

/// Carol's id, read from the group's members as Alice sees them.
async fn carol_id(carol: &Watcher, alice: &Account, group: ConversationId) -> UserId {
    let detail = alice.client.conversation(group).await.unwrap();
    let member = detail.members.iter().find(|m| m.user.username == carol.name).unwrap();
    member.user.id
}

#[tokio::test]
async fn messages_nats_drops_for_a_slow_conversation_are_loaded_and_no_client_resyncs() {
    /// Typing notices thrown at the conversation's subject, far more than it buffers (each is
    /// handed to the hub, which keeps the subscription's reader busy).
    const FLOOD: usize = 5_000;
    let nats = NatsServer::start();
    let settings = deployment(BusKind::Nats, Some(&nats));
    let app = TestApp::spawn_with(move |s| {
        settings(s);
        s.nats_subscription_capacity = 8;
    })
    .await;
    let (people, groups) = crowd(&app, &["alice", "carol", "dave"], 2).await;
    let (alice, carol, dave, group) = (&people[0], &people[1], &people[2], groups[0].0);
    let mut carol = watcher("carol", &carol.client).await;
    let (mut dave_socket, _) = dave.client.connect().await.unwrap();
    let spy = async_nats::connect(nats.url()).await.unwrap();
    let subject = format!("confab.conv.{}", group.0);
    let typing = server::bus::BusMessage::Typing { conversation_id: group, user_id: alice.id() };
    let typing: bytes::Bytes = serde_json::to_vec(&typing).unwrap().into();
    let dropped_before = dropped_messages(&app).await;

    // Alice's sends go out while the server's subscription is flooded: NATS drops some of
    // them, and they must come from the database.
    let flood = async {
        for _ in 0..FLOOD {
            spy.publish(subject.clone(), typing.clone()).await.unwrap();
        }
        spy.flush().await.unwrap();
    };
    let sends = async {
        for n in 0..20 {
            alice.client.send_message(group, &message(&format!("during the flood {n}"))).await.unwrap();
        }
    };
    tokio::join!(flood, sends);
    alice.client.send_message(group, &message("after the flood")).await.unwrap();

    carol.assert_got_everything_once_in_order(&alice.client).await;
    let dropped = dropped_messages(&app).await - dropped_before;
    eprintln!("NATS dropped {dropped} messages of the flood and the sends (the recorder is shared: at least)");
    assert!(dropped > 0.0, "NATS dropped nothing: the test proved nothing");
    // Dave, in the conversation too, was not told to resync either.
    loop {
        match dave_socket.next_within(QUIET).await {
            Ok(Some(_)) => {}
            Ok(None) | Err(SocketError::Timeout) => break,
            Err(e) => panic!("Dave's socket was closed: {e}"),
        }
    }
}

/// The messages NATS dropped for slow conversation subscriptions, by the app's `/metrics` (the
/// recorder is shared by the API tests: only growth means anything).
async fn dropped_messages(app: &TestApp) -> f64 {
    let text = app.http.get(app.at("/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .filter(|line| line.starts_with("confab_bus_nats_dropped_messages_total{") && line.contains("conversations"))
        .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}
