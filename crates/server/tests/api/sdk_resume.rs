//! The SDK's resilient session (`client::session::Session`) against the real server: it keeps
//! the delivery contract of `docs/protocol.md` when its connections are cut again and again
//! while it and another user send, and it speaks `wss://` through a real TLS terminator.
//!
//! Disconnects come from a loopback TCP proxy the test owns (`CutProxy`): the SDK talks to the
//! server only through it (REST catch-up included), and cutting it drops every connection at
//! once, as a network failure would, at any point of the protocol (mid-handshake, mid-catch-up,
//! between a send and its ack).
//!
//! TLS is terminated by Debian's `stunnel4` (installed by `scripts/setup.sh`), started by the
//! test with certificates `openssl` makes at test time: a self-signed CA the SDK is told to
//! trust, and a `localhost` certificate it signed. A real terminator rather than one written in
//! the test, so the handshake is one the SDK did not shape. Both are stopped by pid (and by a
//! guardian if the test process dies).

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use client::session::{Credentials, Session, SessionConfig, SessionError, SessionEvent};
use protocol::ConversationId;
use protocol::conversations::{Event, EventKind, SendMessage};
use protocol::ws::ServerFrame;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;
use uuid::Uuid;

use crate::support::{TestApp, spawn_guardian, unique_dir};

/// A loopback TCP proxy to the test server whose connections the test can cut.
struct CutProxy {
    addr: SocketAddr,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl CutProxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let tracked = connections.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                let relay = tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                tracked.lock().unwrap().push(relay.abort_handle());
            }
        })
        .abort_handle();
        Self { addr, connections, accept }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Drops every open connection (both sides see it closed); returns how many were open.
    fn cut(&self) -> usize {
        let mut open = self.connections.lock().unwrap();
        let live = open.iter().filter(|c| !c.is_finished()).count();
        for connection in open.drain(..) {
            connection.abort();
        }
        live
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// The server's address from its base URL.
fn server_addr(app: &TestApp) -> SocketAddr {
    app.url.trim_start_matches("http://").parse().unwrap()
}

/// Settings that make the SDK come back quickly, so a test sees many reconnects.
fn quick_reconnects() -> SessionConfig {
    SessionConfig {
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(300),
        ..SessionConfig::default()
    }
}

/// Message bodies of conversation events, in the order received.
fn message_bodies(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageCreated { message } => Some(message.body.clone()),
            _ => None,
        })
        .collect()
}

/// The `last_seq` of `conversation` in a `ready` frame.
fn last_seq_in(ready: &ServerFrame, conversation: ConversationId) -> i64 {
    match ready {
        ServerFrame::Ready { conversations, .. } => {
            conversations.iter().find(|c| c.id == conversation).map(|c| c.last_seq).unwrap()
        }
        other => panic!("expected ready, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn session_loses_and_doubles_nothing_while_its_connections_are_cut() {
    const SENDERS: usize = 4;
    const PER_SENDER: usize = 25;
    const FROM_BOB: usize = 100;
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap().id;

    let proxy = CutProxy::start(server_addr(&app)).await;
    let through_proxy = client::Client::new(&proxy.url()).unwrap();
    let credentials = Credentials::Tokens {
        access: alice.auth.access_token.clone(),
        refresh: alice.auth.refresh_token.clone().unwrap(),
    };
    let mut session = Session::start(&through_proxy, credentials, quick_reconnects()).await.unwrap();
    let SessionEvent::Connected { ready, reconnects: 0 } = session.next_event().await.unwrap() else {
        panic!("the first item is the first connection's ready");
    };
    let start_seq = last_seq_in(&ready, dm);

    // Cut every connection every 80-200 ms while both users send.
    let cutting = Arc::new(AtomicBool::new(true));
    let cuts = {
        let cutting = cutting.clone();
        let proxy = Arc::new(proxy);
        let cutter = proxy.clone();
        let task = tokio::spawn(async move {
            let mut cuts = 0;
            while cutting.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(rand::random_range(80..200))).await;
                if cutter.cut() > 0 {
                    cuts += 1;
                }
            }
            cuts
        });
        (task, proxy)
    };

    let mut alice_sends = Vec::new();
    for sender_index in 0..SENDERS {
        let sender = session.sender();
        alice_sends.push(tokio::spawn(async move {
            let mut stored = Vec::new();
            for i in 0..PER_SENDER {
                let body = format!("alice {sender_index}-{i}");
                // A send that never returns fails the test instead of hanging it.
                let send = sender.send(dm, SendMessage::new(Uuid::new_v4(), &body));
                let message = match tokio::time::timeout(Duration::from_secs(20), send).await {
                    Ok(answer) => answer.map_err(|e| e.to_string()),
                    Err(_) => Err("no ack within 20 s".to_owned()),
                };
                stored.push((body, message));
                if stored.last().is_some_and(|(_, answer)| answer.is_err()) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(rand::random_range(0..30))).await;
            }
            stored
        }));
    }
    let bob_client = bob.client.clone();
    let bob_sends = tokio::spawn(async move {
        for i in 0..FROM_BOB {
            bob_client.send_message(dm, &SendMessage::new(Uuid::new_v4(), format!("bob {i}"))).await.unwrap();
            tokio::time::sleep(Duration::from_millis(rand::random_range(0..30))).await;
        }
    });

    // Read until every message has arrived (or a minute has passed).
    let expected_messages = SENDERS * PER_SENDER + FROM_BOB;
    let mut received = Vec::new();
    let mut connections_seen = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while message_bodies(&received).len() < expected_messages && tokio::time::Instant::now() < deadline {
        match session.next_event_within(Duration::from_secs(1)).await.unwrap() {
            Some(SessionEvent::Event(event)) if event.conversation_id == dm => received.push(event),
            Some(SessionEvent::Connected { .. }) => connections_seen += 1,
            _ => {}
        }
    }
    bob_sends.await.unwrap();
    let mut sent_by_alice = Vec::new();
    for task in alice_sends {
        sent_by_alice.extend(task.await.unwrap());
    }
    cutting.store(false, Ordering::Relaxed);
    let (cutter, _proxy) = cuts;
    let cuts = cutter.await.unwrap();
    eprintln!(
        "{cuts} cuts, {} reconnects, {} events received, {} sends by the SDK's user",
        session.reconnects(),
        received.len(),
        sent_by_alice.len()
    );

    // The disconnects happened, and the session came back each time.
    assert!(cuts >= 5, "only {cuts} cuts hit an open connection");
    assert!(session.reconnects() >= 5, "only {} reconnects", session.reconnects());
    assert!(connections_seen >= 5, "a Connected per reconnect: {connections_seen}");

    // Every send was acknowledged with the stored message.
    for (body, answer) in &sent_by_alice {
        let message = answer.as_ref().unwrap_or_else(|e| panic!("send of {body:?} failed: {e}"));
        assert_eq!(&message.body, body);
        assert_eq!(message.conversation_id, dm);
    }

    // What is stored: each of alice's messages exactly once, under the id her ack named.
    let stored = bob.client.all_events(dm, start_seq).await.unwrap();
    let stored_bodies = message_bodies(&stored);
    assert_eq!(stored_bodies.len(), expected_messages, "stored: {stored_bodies:?}");
    let unique: HashSet<&String> = stored_bodies.iter().collect();
    assert_eq!(unique.len(), stored_bodies.len(), "a message was stored twice: {stored_bodies:?}");
    let stored_ids: BTreeMap<String, protocol::MessageId> = stored
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageCreated { message } => Some((message.body.clone(), message.id)),
            _ => None,
        })
        .collect();
    for (body, answer) in &sent_by_alice {
        assert_eq!(stored_ids.get(body), Some(&answer.as_ref().unwrap().id), "{body}");
    }

    // What the SDK handed out: exactly the stored events, once each, in seq order, no gap.
    let received_seqs: Vec<i64> = received.iter().map(|e| e.seq).collect();
    let stored_seqs: Vec<i64> = stored.iter().map(|e| e.seq).collect();
    assert_eq!(received_seqs, stored_seqs, "received events differ from the stored ones");
    assert_eq!(received_seqs.first(), Some(&(start_seq + 1)));
    assert_eq!(message_bodies(&received), stored_bodies);
    assert_eq!(session.known_seqs().get(&dm), stored_seqs.last());
}

#[tokio::test]
async fn session_refreshes_a_refused_access_token_but_not_a_static_one() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap().id;

    // An access token the server refuses (as an expired one would be) with a good refresh token.
    let credentials = Credentials::Tokens {
        access: "not-a-valid-access-token".into(),
        refresh: alice.auth.refresh_token.clone().unwrap(),
    };
    let mut session = Session::start(&app.client, credentials, quick_reconnects()).await.unwrap();
    let sent = session.send_text(dm, "after a refresh").await.unwrap();
    assert_eq!(sent.body, "after a refresh");
    assert_ne!(session.rest().token(), Some("not-a-valid-access-token"));
    let mut bodies = Vec::new();
    while let Some(item) = session.next_event_within(Duration::from_secs(5)).await.unwrap() {
        if let SessionEvent::Event(event) = item {
            bodies.extend(message_bodies(&[event]));
            break;
        }
    }
    assert_eq!(bodies, ["after a refresh"]);

    // A static token (an API token is used this way) is never refreshed: the start fails.
    let refused = Session::start(&app.client, Credentials::Static("cfb_not-a-token".into()), quick_reconnects())
        .await
        .unwrap_err();
    assert!(matches!(refused, SessionError::Ended { close_code: Some(4001), .. }), "{refused:?}");

    // A password session signs in by itself.
    let credentials = Credentials::Password { username: "bob".into(), password: bob.password.clone() };
    let bob_session = Session::start(&app.client, credentials, quick_reconnects()).await.unwrap();
    assert_eq!(bob_session.send_text(dm, "from a password session").await.unwrap().sender_id, bob.id());
}

/// Reads the session's conversation events into `received` until it holds `count` messages
/// (for at most 30 s).
async fn read_messages_until(session: &mut Session, received: &mut Vec<Event>, count: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while message_bodies(received).len() < count && tokio::time::Instant::now() < deadline {
        if let Some(SessionEvent::Event(event)) = session.next_event_within(Duration::from_secs(1)).await.unwrap() {
            received.push(event);
        }
    }
}

/// A CA and a `localhost` certificate it signed, made by `openssl` in `dir`.
struct TestCertificates {
    ca_pem: Vec<u8>,
    cert: PathBuf,
    key: PathBuf,
}

fn make_certificates(dir: &Path) -> TestCertificates {
    let run = |args: &[&str]| {
        let output = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
        assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=Confab test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "1",
        "-extfile",
        "server.ext",
    ]);
    TestCertificates {
        ca_pem: std::fs::read(dir.join("ca.pem")).unwrap(),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    }
}

/// stunnel terminating TLS on `port` for the server at `upstream`.
struct Stunnel {
    child: Child,
}

impl Stunnel {
    async fn start(dir: &Path, certificates: &TestCertificates, port: u16, upstream: SocketAddr) -> Self {
        let config = dir.join("stunnel.conf");
        std::fs::write(
            &config,
            format!(
                "foreground = yes\npid =\ndebug = 3\n[confab]\naccept = 127.0.0.1:{port}\nconnect = {upstream}\n\
                 cert = {}\nkey = {}\n",
                certificates.cert.display(),
                certificates.key.display()
            ),
        )
        .unwrap();
        let binary = if Path::new("/usr/bin/stunnel4").exists() { "stunnel4" } else { "stunnel" };
        let child = Command::new(binary)
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{binary} runs (scripts/setup.sh installs stunnel4): {e}"));
        spawn_guardian(&child, &config.display().to_string(), None);
        // Owned from here on, so the drop stops it (and reaps it) if it never listens.
        let stunnel = Self { child };
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return stunnel;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("stunnel did not listen on {port}");
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Stunnel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn session_speaks_wss_through_a_tls_terminator_and_resumes_across_its_restart() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap().id;
    let dir = unique_dir("stunnel");
    let certificates = make_certificates(&dir);
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let stunnel = Stunnel::start(&dir, &certificates, port, server_addr(&app)).await;
    let base = format!("https://localhost:{port}");

    // Certificates are verified: without the test CA, neither REST nor wss:// gets through.
    let untrusting = client::Client::new(&base).unwrap().authenticated(&alice.auth.access_token);
    assert!(untrusting.me().await.is_err(), "REST accepted an unknown CA");
    let refused = untrusting.connect().await.unwrap_err();
    assert!(refused.to_string().to_lowercase().contains("certificate"), "{refused}");

    let trusting = client::Client::new(&base).unwrap().with_root_certificate_pem(&certificates.ca_pem).unwrap();
    let (socket, _) = trusting.authenticated(&alice.auth.access_token).connect().await.unwrap();
    socket.close().await;
    let credentials = Credentials::Password { username: "alice".into(), password: alice.password.clone() };
    let mut session = Session::start(&trusting, credentials, quick_reconnects()).await.unwrap();
    assert!(matches!(session.next_event().await.unwrap(), SessionEvent::Connected { reconnects: 0, .. }));

    bob.client.send_message(dm, &SendMessage::new(Uuid::new_v4(), "live over wss")).await.unwrap();
    let mut received = Vec::new();
    while received.is_empty() {
        if let SessionEvent::Event(event) = session.next_event().await.unwrap() {
            received.push(event);
        }
    }

    // The terminator goes away and bob goes on. Once it is back, nothing more happens live:
    // only the catch-up after `ready` can bring what bob sent meanwhile.
    stunnel.stop();
    for i in 0..3 {
        bob.client.send_message(dm, &SendMessage::new(Uuid::new_v4(), format!("while away {i}"))).await.unwrap();
    }
    let stunnel = Stunnel::start(&dir, &certificates, port, server_addr(&app)).await;
    read_messages_until(&mut session, &mut received, 4).await;
    assert_eq!(message_bodies(&received), ["live over wss", "while away 0", "while away 1", "while away 2"]);
    assert_eq!(session.reconnects(), 1);

    // A send made while the terminator is down waits in the outbox and is stored once it is back.
    stunnel.stop();
    let sender = session.sender();
    let waiting_send = tokio::spawn(async move { sender.send_text(dm, "from the outbox").await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting_send.is_finished(), "a send cannot be acknowledged with the terminator down");
    let _stunnel = Stunnel::start(&dir, &certificates, port, server_addr(&app)).await;
    let stored = tokio::time::timeout(Duration::from_secs(20), waiting_send)
        .await
        .expect("the send from the outbox is acknowledged after the reconnect")
        .unwrap()
        .unwrap();
    assert_eq!(stored.body, "from the outbox");
    read_messages_until(&mut session, &mut received, 5).await;
    assert_eq!(message_bodies(&received)[4], "from the outbox");
    let seqs: Vec<i64> = received.iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    let history = bob.client.messages(dm, None, None).await.unwrap();
    assert_eq!(history.items.iter().filter(|m| m.body == "from the outbox").count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bot_runner_answers_commands_and_mentions_once_as_replies() {
    use client::bot::BotRunner;

    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let helper = app.register("helper").await;
    app.befriend(&alice, &helper).await;
    let dm = alice.client.open_dm(helper.id()).await.unwrap().id;
    let credentials = Credentials::Password { username: "helper".into(), password: helper.password.clone() };
    let session = Session::start(&app.client, credentials, quick_reconnects()).await.unwrap();
    let bot = tokio::spawn(
        BotRunner::new(session)
            .slash_command("faq", "Opening hours", |invocation, _| {
                let answer = format!("about {}: open 9 to 5", invocation.command.args);
                async move { client::bot::Answer::Message(answer) }
            })
            .on_mention(|incoming| Some(format!("you said {:?}", incoming.message.body)))
            .run(),
    );

    let command = alice.client.send_message(dm, &SendMessage::new(Uuid::new_v4(), "/FAQ hours")).await.unwrap();
    let mut mention = SendMessage::new(Uuid::new_v4(), "hello @helper");
    mention.mentions = vec![helper.id()];
    let mention = alice.client.send_message(dm, &mention).await.unwrap();
    // Neither a command it knows nor a mention, and no plain-message handler: no answer.
    alice.client.send_message(dm, &SendMessage::new(Uuid::new_v4(), "/unknown thing")).await.unwrap();

    let answers = || async {
        let page = alice.client.messages(dm, None, None).await.unwrap();
        let mut answers: Vec<_> = page.items.into_iter().filter(|m| m.sender_id == helper.id()).collect();
        answers.sort_by_key(|m| m.seq);
        answers
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while answers().await.len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let answers = answers().await;
    let seen: Vec<(&str, Option<protocol::MessageId>)> =
        answers.iter().map(|m| (m.body.as_str(), m.reply_to)).collect();
    assert_eq!(
        seen,
        [("about hours: open 9 to 5", Some(command.id)), ("you said \"hello @helper\"", Some(mention.id))]
    );
    bot.abort();
}
