//! The WebSocket gateway: authentication, `ready`, live delivery to every member and tab,
//! errors for bad frames, a frame at the size limit after idling, the resync procedure after a
//! forced disconnect, slow readers, live social events, sockets closed by sign-out, two
//! servers sharing one database, and the writer refreshing planner statistics as messages grow.

use std::time::Duration;

use client::ws::{Socket, SocketError};
use protocol::conversations::{Event, EventKind, MAX_BODY_CHARS, SendMessage};
use protocol::ws::{AckResult, ClientFrame, ServerFrame, close};
use protocol::{ErrorCode, MessageId};
use uuid::Uuid;

use crate::support::{Account, TestApp};

const WAIT: Duration = Duration::from_secs(15);

async fn connect(account: &Account) -> (Socket, ServerFrame) {
    account.client.connect().await.expect("the socket authenticates")
}

/// Reads until a frame matches, failing after 10 s; frames before it are returned too.
async fn wait_for(socket: &mut Socket, mut wanted: impl FnMut(&ServerFrame) -> bool) -> ServerFrame {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match socket.next_within(left).await.expect("the socket stays open") {
            Some(frame) if wanted(&frame) => return frame,
            Some(_) => {}
            None => panic!("the expected frame did not arrive within {WAIT:?}"),
        }
    }
}

fn event_of(frame: &ServerFrame) -> Option<&Event> {
    match frame {
        ServerFrame::Event { event } => Some(event),
        _ => None,
    }
}

async fn wait_for_event(socket: &mut Socket) -> Event {
    match wait_for(socket, |f| event_of(f).is_some()).await {
        ServerFrame::Event { event } => event,
        _ => unreachable!(),
    }
}

async fn closed_with(socket: &mut Socket) -> u16 {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match socket.next_within(left).await {
            Err(SocketError::Closed { code, .. }) => return code,
            Ok(Some(_)) => {}
            Ok(None) => panic!("the socket was not closed within {WAIT:?}"),
            Err(e) => panic!("unexpected error {e}"),
        }
    }
}

fn created_body(event: &Event) -> &str {
    match &event.kind {
        EventKind::MessageCreated { message } => &message.body,
        other => panic!("expected a new message, got {other:?}"),
    }
}

#[tokio::test]
async fn the_first_frame_must_authenticate_with_a_valid_token() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let base = alice.client.base_url().clone();
    let mut socket = Socket::open(&base).await.unwrap();
    socket.send(&ClientFrame::Ping { req_id: 1 }).await.unwrap();
    assert!(matches!(socket.next().await.unwrap(), ServerFrame::Error { error: ErrorCode::Unauthenticated, .. }));
    assert_eq!(closed_with(&mut socket).await, close::UNAUTHENTICATED);
    let refused = app.client.authenticated("not-a-token").connect().await;
    assert!(matches!(refused, Err(SocketError::Refused { code: ErrorCode::Unauthenticated, .. })), "{refused:?}");
    // A signed-out session's token is refused too.
    alice.client.logout().await.unwrap();
    let refused = alice.client.connect().await;
    assert!(matches!(refused, Err(SocketError::Refused { code: ErrorCode::Unauthenticated, .. })), "{refused:?}");
}

#[tokio::test]
async fn silence_after_connecting_is_closed_after_ten_seconds() {
    let app = TestApp::spawn().await;
    let mut socket = Socket::open(app.client.base_url()).await.unwrap();
    let started = std::time::Instant::now();
    let code = closed_with(&mut socket).await;
    assert_eq!(code, close::UNAUTHENTICATED);
    assert!(started.elapsed() >= Duration::from_secs(9), "closed after {:?}", started.elapsed());
}

#[tokio::test]
async fn ready_carries_friends_requests_and_conversations() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    carol.client.send_friend_request(alice.id()).await.unwrap();
    let dm = bob.client.open_dm(alice.id()).await.unwrap();
    bob.client.send_message(dm.id, &SendMessage::new(Uuid::new_v4(), "hi")).await.unwrap();
    let (_bob_socket, _) = connect(&bob).await;
    let (_socket, ready) = connect(&alice).await;
    let ServerFrame::Ready { user, friends, requests, conversations, heartbeat_secs, .. } = ready else {
        panic!("not ready: {ready:?}")
    };
    assert_eq!(user.id, alice.id());
    assert_eq!(friends.len(), 1);
    assert_eq!(friends[0].friend.user.id, bob.id());
    assert!(friends[0].online, "Bob is connected");
    assert_eq!(requests.incoming.len(), 1);
    assert_eq!(requests.incoming[0].from.id, carol.id());
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0].id, dm.id);
    assert_eq!(conversations[0].last_seq, 2);
    assert_eq!(conversations[0].unread, 1);
    assert_eq!(heartbeat_secs, protocol::ws::HEARTBEAT_SECS);
}

#[tokio::test]
async fn messages_reach_every_member_and_tab_live_and_acks_follow_commit() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let group = alice.client.create_group("Live", &[bob.id(), carol.id()]).await.unwrap();
    let (mut alice_tab1, _) = connect(&alice).await;
    let (mut alice_tab2, _) = connect(&alice).await;
    let (mut bob_socket, _) = connect(&bob).await;
    let (mut carol_socket, _) = connect(&carol).await;
    let sent = bob_socket.send_message(group.id, "hello everyone ✨").await.unwrap();
    // The ack means it is stored.
    let history = carol.client.messages(group.id, None, None).await.unwrap();
    assert_eq!(history.items[0].id, sent.id);
    for socket in [&mut alice_tab1, &mut alice_tab2, &mut carol_socket, &mut bob_socket] {
        let event = wait_for_event(socket).await;
        assert_eq!(event.seq, sent.seq);
        assert_eq!(created_body(&event), "hello everyone ✨");
    }
    // Edits, deletes, typing and read markers are live too.
    let req_id = carol_socket.next_req_id();
    carol_socket.request(&ClientFrame::Typing { req_id, conversation_id: group.id }).await.unwrap();
    let typing = wait_for(&mut alice_tab1, |f| matches!(f, ServerFrame::Typing { .. })).await;
    assert!(matches!(typing, ServerFrame::Typing { user_id, .. } if user_id == carol.id()));
    let req_id = alice_tab2.next_req_id();
    let read = alice_tab2.request(&ClientFrame::MarkRead { req_id, conversation_id: group.id, seq: sent.seq }).await;
    assert_eq!(read.unwrap(), AckResult::Read { read_seq: sent.seq });
    let receipt = wait_for(&mut bob_socket, |f| matches!(f, ServerFrame::Read { .. })).await;
    assert!(matches!(receipt, ServerFrame::Read { user_id, seq, .. } if user_id == alice.id() && seq == sent.seq));
    let req_id = bob_socket.next_req_id();
    let edit =
        ClientFrame::EditMessage { req_id, conversation_id: group.id, message_id: sent.id, body: "edited".into() };
    bob_socket.request(&edit).await.unwrap();
    let event = wait_for_event(&mut carol_socket).await;
    assert!(matches!(&event.kind, EventKind::MessageEdited { message } if message.body == "edited"));
    let req_id = bob_socket.next_req_id();
    bob_socket
        .request(&ClientFrame::DeleteMessage { req_id, conversation_id: group.id, message_id: sent.id })
        .await
        .unwrap();
    let deleted = wait_for(&mut alice_tab2, |f| {
        matches!(event_of(f), Some(Event { kind: EventKind::MessageDeleted { .. }, .. }))
    })
    .await;
    assert!(
        matches!(deleted, ServerFrame::Event { event } if matches!(event.kind, EventKind::MessageDeleted { message_id, .. } if message_id == sent.id))
    );
}

#[tokio::test]
async fn bad_frames_get_error_frames_and_the_connection_survives() {
    let app = TestApp::spawn().await;
    let (alice, mallory) = (app.register("alice").await, app.register("mallory").await);
    let bob = app.register("bob").await;
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let (mut socket, _) = connect(&mallory).await;
    socket.send_text("this is not json".into()).await.unwrap();
    assert!(matches!(
        socket.next().await.unwrap(),
        ServerFrame::Error { req_id: None, error: ErrorCode::MalformedJson, .. }
    ));
    socket.send_text(r#"{"type":"launch_rockets","req_id":41}"#.into()).await.unwrap();
    assert!(matches!(
        socket.next().await.unwrap(),
        ServerFrame::Error { req_id: Some(41), error: ErrorCode::MalformedJson, .. }
    ));
    socket.send_text(r#"{"type":"send_message","req_id":42,"conversation_id":"nope"}"#.into()).await.unwrap();
    assert!(matches!(socket.next().await.unwrap(), ServerFrame::Error { req_id: Some(42), .. }));
    socket.send_binary(vec![0, 159, 146, 150]).await.unwrap();
    assert!(matches!(socket.next().await.unwrap(), ServerFrame::Error { req_id: None, .. }));
    // Frames about a conversation Mallory is not in answer not_found, as over REST.
    let c = dm.id;
    let m = MessageId(Uuid::new_v4());
    let frames = [
        ClientFrame::SendMessage { req_id: 50, conversation_id: c, message: SendMessage::new(Uuid::new_v4(), "hi") },
        ClientFrame::EditMessage { req_id: 51, conversation_id: c, message_id: m, body: "x".into() },
        ClientFrame::DeleteMessage { req_id: 52, conversation_id: c, message_id: m },
        ClientFrame::MarkRead { req_id: 53, conversation_id: c, seq: 1 },
        ClientFrame::Typing { req_id: 54, conversation_id: c },
    ];
    for frame in frames {
        let result = socket.request(&frame).await;
        assert!(matches!(result, Err(SocketError::Refused { code: ErrorCode::NotFound, .. })), "{frame:?}: {result:?}");
    }
    assert_eq!(socket.request(&ClientFrame::Ping { req_id: 60 }).await.unwrap(), AckResult::Done {});
    assert!(alice.client.messages(dm.id, None, None).await.unwrap().items.is_empty());
    // An oversized frame closes the socket with 1009.
    socket.send_text("x".repeat(protocol::ws::MAX_CLIENT_FRAME_BYTES + 1)).await.unwrap();
    assert_eq!(closed_with(&mut socket).await, close::TOO_BIG);
}

#[tokio::test]
async fn a_frame_at_the_size_limit_after_idling_is_read_whole() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let (mut socket, _) = connect(&alice).await;
    for (round, character) in ["🦀", "é"].into_iter().enumerate() {
        // Idle: the connection's HTTP buffers are released while nothing arrives
        // (third_party/actix-http), so this frame must grow them again, over several reads.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let body = character.repeat(MAX_BODY_CHARS);
        let req_id = 70 + round as u64;
        let frame = ClientFrame::SendMessage {
            req_id,
            conversation_id: dm.id,
            message: SendMessage::new(Uuid::new_v4(), body.clone()),
        };
        let json = serde_json::to_string(&frame).unwrap();
        // JSON whitespace after the opening brace pads the frame to exactly the limit.
        let padding = " ".repeat(protocol::ws::MAX_CLIENT_FRAME_BYTES - json.len());
        let padded = format!("{{{padding}{}", &json[1..]);
        assert_eq!(padded.len(), protocol::ws::MAX_CLIENT_FRAME_BYTES);
        socket.send_text(padded).await.unwrap();
        let ack = wait_for(&mut socket, |f| matches!(f, ServerFrame::Ack { req_id: r, .. } if *r == req_id)).await;
        assert!(
            matches!(&ack, ServerFrame::Ack { result: AckResult::Message(message), .. } if message.body == body),
            "round {round}: {ack:?}"
        );
        // A small frame right after is served as usual.
        assert_eq!(socket.request(&ClientFrame::Ping { req_id: 80 + req_id }).await.unwrap(), AckResult::Done {});
    }
    let stored = alice.client.messages(dm.id, None, None).await.unwrap().items;
    let bodies: Vec<_> = stored.iter().map(|m| m.body.chars().count()).collect();
    assert_eq!(bodies, [MAX_BODY_CHARS, MAX_BODY_CHARS]);
}

#[tokio::test]
async fn a_forced_disconnect_loses_nothing_and_resync_brings_edits_and_deletes() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let (mut bob_socket, _) = connect(&bob).await;
    let (mut alice_socket, _) = connect(&alice).await;
    let early = alice_socket.send_message(dm.id, "before").await.unwrap();
    let event = wait_for_event(&mut bob_socket).await;
    let mut known = event.seq;
    // Bob's connection drops without a goodbye.
    drop(bob_socket);
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(alice_socket.send_message(dm.id, &format!("while away {n}")).await.unwrap());
    }
    alice_socket
        .request(&ClientFrame::EditMessage {
            req_id: 90,
            conversation_id: dm.id,
            message_id: early.id,
            body: "before (edited)".into(),
        })
        .await
        .unwrap();
    alice_socket
        .request(&ClientFrame::DeleteMessage { req_id: 91, conversation_id: dm.id, message_id: sent[1].id })
        .await
        .unwrap();
    // Bob reconnects: `ready` says how far the conversation went; he fetches the rest.
    let (mut bob_socket, ready) = connect(&bob).await;
    let ServerFrame::Ready { conversations, .. } = ready else { panic!() };
    let summary = conversations.iter().find(|c| c.id == dm.id).unwrap();
    assert_eq!(summary.last_seq, known + 7);
    let missed = bob.client.all_events(dm.id, known).await.unwrap();
    let seqs: Vec<i64> = missed.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, ((known + 1)..=summary.last_seq).collect::<Vec<_>>(), "every missed event, once, in order");
    let bodies: Vec<&str> = missed
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageCreated { message } => Some(message.body.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(bodies, ["while away 0", "", "while away 2", "while away 3", "while away 4"]);
    assert!(
        missed
            .iter()
            .any(|e| matches!(&e.kind, EventKind::MessageEdited { message } if message.body == "before (edited)"))
    );
    assert!(
        missed
            .iter()
            .any(|e| matches!(e.kind, EventKind::MessageDeleted { message_id, .. } if message_id == sent[1].id))
    );
    known = summary.last_seq;
    // And live delivery continues after the resync point.
    let next = alice_socket.send_message(dm.id, "welcome back").await.unwrap();
    let event = wait_for_event(&mut bob_socket).await;
    assert_eq!(event.seq, known + 1);
    assert_eq!(event.seq, next.seq);
}

#[tokio::test]
async fn resending_with_the_same_client_msg_id_delivers_once() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let (mut bob_socket, _) = connect(&bob).await;
    let message = SendMessage::new(Uuid::new_v4(), "once");
    let (mut first, _) = connect(&alice).await;
    let stored = first.send_message_with(dm.id, message.clone()).await.unwrap();
    first.close().await;
    // As after a page reload: a new connection resends the outbox.
    let (mut second, _) = connect(&alice).await;
    let again = second.send_message_with(dm.id, message).await.unwrap();
    assert_eq!(again.id, stored.id);
    second.send_message(dm.id, "marker").await.unwrap();
    let one = wait_for_event(&mut bob_socket).await;
    let two = wait_for_event(&mut bob_socket).await;
    assert_eq!(created_body(&one), "once");
    assert_eq!(created_body(&two), "marker", "the resend was not delivered again");
}

#[tokio::test]
async fn a_slow_reader_is_closed_and_others_are_unaffected() {
    let app = TestApp::spawn_with(|s| s.ws_queue = 16).await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let group = alice.client.create_group("Flood", &[bob.id(), carol.id()]).await.unwrap();
    let (mut slow, _) = connect(&bob).await;
    let (mut fast, _) = connect(&carol).await;
    let (mut sender, _) = connect(&alice).await;
    // Carol reads everything as it comes; Bob reads nothing until the end.
    let reader = tokio::spawn(async move {
        let mut seqs = Vec::new();
        while let Ok(Some(frame)) = fast.next_within(Duration::from_secs(5)).await {
            if let ServerFrame::Event { event } = frame {
                seqs.push(event.seq);
            }
        }
        seqs
    });
    let body = "z".repeat(4_000);
    let mut sent = Vec::new();
    for _ in 0..3_000 {
        sent.push(sender.send_message(group.id, &body).await.unwrap().seq);
        // Stop once the hub has dropped the slow connection (4 → 3... sockets: 3 users).
        if sent.len() % 50 == 0 && app.state.presence.counts().await.connections < 3 {
            break;
        }
    }
    assert!(app.state.presence.counts().await.connections < 3, "the slow reader was never closed");
    let received = reader.await.unwrap();
    assert_eq!(received, sent, "the fast reader got every message, in order");
    assert_eq!(closed_with(&mut slow).await, close::TOO_SLOW);
    // It reconnects and resyncs like anyone else.
    let (_again, ready) = connect(&bob).await;
    let ServerFrame::Ready { conversations, .. } = ready else { panic!() };
    assert_eq!(conversations[0].last_seq, *sent.last().unwrap());
}

#[tokio::test]
async fn friend_events_and_presence_arrive_live() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    let (mut alice_socket, _) = connect(&alice).await;
    let (mut bob_socket, _) = connect(&bob).await;
    let request = match alice.client.send_friend_request(bob.id()).await.unwrap() {
        protocol::social::SendFriendRequestOutcome::Pending { request } => request,
        other => panic!("{other:?}"),
    };
    let received = wait_for(&mut bob_socket, |f| matches!(f, ServerFrame::FriendRequestReceived { .. })).await;
    assert!(matches!(received, ServerFrame::FriendRequestReceived { request: r } if r.id == request.id));
    bob.client.accept_friend_request(request.id).await.unwrap();
    let added = wait_for(&mut alice_socket, |f| matches!(f, ServerFrame::FriendAdded { .. })).await;
    assert!(matches!(added, ServerFrame::FriendAdded { friend, online: true } if friend.user.id == bob.id()));
    // Presence follows the new friendship.
    let (bob_second, _) = connect(&bob).await;
    bob_second.close().await;
    drop(bob_socket);
    let offline = wait_for(&mut alice_socket, |f| matches!(f, ServerFrame::Presence { .. })).await;
    assert!(
        matches!(offline, ServerFrame::Presence { user_id, online: false, last_seen_at: Some(_) } if user_id == bob.id())
    );
    let (bob_socket, _) = connect(&bob).await;
    let online = wait_for(&mut alice_socket, |f| matches!(f, ServerFrame::Presence { .. })).await;
    assert!(matches!(online, ServerFrame::Presence { user_id, online: true, .. } if user_id == bob.id()));
    // Declines and cancels remove requests on both sides.
    let pending = match carol.client.send_friend_request(alice.id()).await.unwrap() {
        protocol::social::SendFriendRequestOutcome::Pending { request } => request,
        other => panic!("{other:?}"),
    };
    wait_for(&mut alice_socket, |f| matches!(f, ServerFrame::FriendRequestReceived { .. })).await;
    carol.client.cancel_friend_request(pending.id).await.unwrap();
    let gone = wait_for(&mut alice_socket, |f| matches!(f, ServerFrame::FriendRequestRemoved { .. })).await;
    assert!(matches!(gone, ServerFrame::FriendRequestRemoved { request_id } if request_id == pending.id));
    // Blocking ends the friendship live, and Bob's DM refuses Alice's messages at once.
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    bob.client.block(alice.id()).await.unwrap();
    let removed = wait_for(&mut alice_socket, |f| matches!(f, ServerFrame::FriendRemoved { .. })).await;
    assert!(matches!(removed, ServerFrame::FriendRemoved { user_id } if user_id == bob.id()));
    let refused = alice_socket.send_message(dm.id, "hello?").await;
    assert!(matches!(refused, Err(SocketError::Refused { code: ErrorCode::Forbidden, .. })), "{refused:?}");
    // Presence is hidden from then on.
    drop(bob_socket);
    let quiet = alice_socket.next_within(Duration::from_millis(500)).await.unwrap();
    assert!(!matches!(quiet, Some(ServerFrame::Presence { .. })), "{quiet:?}");
}

#[tokio::test]
async fn signing_out_or_revoking_closes_live_sockets_at_once() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let other_device = app.client.login("alice", &alice.password).await.unwrap();
    let other = app.client.authenticated(&other_device.access_token);
    let (mut here, _) = connect(&alice).await;
    let (mut there, _) = other.connect().await.unwrap();
    // Revoking the other device closes only its socket.
    let sessions = alice.client.sessions().await.unwrap();
    let theirs = sessions.iter().find(|s| !s.current).unwrap();
    alice.client.revoke_session(theirs.id).await.unwrap();
    assert_eq!(closed_with(&mut there).await, close::SESSION_ENDED);
    assert_eq!(here.request(&ClientFrame::Ping { req_id: 5 }).await.unwrap(), AckResult::Done {});
    // Signing out closes this one.
    alice.client.logout().await.unwrap();
    assert_eq!(closed_with(&mut here).await, close::SESSION_ENDED);
    // A password change closes every other session's sockets.
    let bob = app.register("bob").await;
    let bob_elsewhere = app.client.login("bob", &bob.password).await.unwrap();
    let (mut bob_there, _) = app.client.authenticated(&bob_elsewhere.access_token).connect().await.unwrap();
    let (mut bob_here, _) = connect(&bob).await;
    bob.client.change_password(&bob.password, "a-brand-new-password").await.unwrap();
    assert_eq!(closed_with(&mut bob_there).await, close::SESSION_ENDED);
    assert_eq!(bob_here.request(&ClientFrame::Ping { req_id: 6 }).await.unwrap(), AckResult::Done {});
    // A spent refresh token presented again (a stolen copy) ends its session's sockets too.
    let carol = app.register("carol").await;
    let spent = carol.auth.refresh_token.clone().unwrap();
    let renewed = app.client.refresh(&spent).await.unwrap();
    let (mut carol_there, _) = app.client.authenticated(&renewed.access_token).connect().await.unwrap();
    assert!(app.client.refresh(&spent).await.is_err());
    assert_eq!(closed_with(&mut carol_there).await, close::SESSION_ENDED);
}

#[tokio::test]
async fn removed_members_stop_receiving_at_once() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let (mut carol_socket, _) = connect(&carol).await;
    let group = alice.client.create_group("Club", &[bob.id()]).await.unwrap();
    // Being added shows up live, already subscribed.
    alice.client.add_members(group.id, &[carol.id()]).await.unwrap();
    let added = wait_for(&mut carol_socket, |f| matches!(f, ServerFrame::ConversationAdded { .. })).await;
    assert!(matches!(added, ServerFrame::ConversationAdded { conversation } if conversation.id == group.id));
    let (mut alice_socket, _) = connect(&alice).await;
    alice_socket.send_message(group.id, "welcome carol").await.unwrap();
    assert_eq!(created_body(&wait_for_event(&mut carol_socket).await), "welcome carol");
    alice.client.remove_member(group.id, carol.id()).await.unwrap();
    let removed = wait_for(&mut carol_socket, |f| matches!(f, ServerFrame::ConversationRemoved { .. })).await;
    assert!(matches!(removed, ServerFrame::ConversationRemoved { conversation_id } if conversation_id == group.id));
    alice_socket.send_message(group.id, "secret after carol left").await.unwrap();
    let after = carol_socket.next_within(Duration::from_millis(500)).await.unwrap();
    assert!(after.is_none(), "nothing more for Carol: {after:?}");
    let refused = carol_socket.send_message(group.id, "let me back").await;
    assert!(matches!(refused, Err(SocketError::Refused { code: ErrorCode::NotFound, .. })), "{refused:?}");
}

#[tokio::test]
async fn two_servers_on_one_database_deliver_to_each_others_clients() {
    let (app, peer) = TestApp::spawn_two_servers().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let (mut alice_socket, _) = connect(&alice).await;
    let (mut bob_socket, ready) = bob.via(&peer.client).connect().await.unwrap();
    let ServerFrame::Ready { friends, .. } = ready else { panic!() };
    // Alice's presence reaches the peer over the bus a moment after her connection: Bob's
    // `ready` has it when it came first, else a live `presence` frame brings it right after
    // (a handshake is two round trips, which can beat a NOTIFY).
    if !friends[0].online {
        let presence = wait_for(&mut bob_socket, |f| matches!(f, ServerFrame::Presence { .. })).await;
        let told = matches!(presence, ServerFrame::Presence { user_id, online: true, .. } if user_id == alice.id());
        assert!(told, "presence crosses servers: {presence:?}");
    }
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let joined = wait_for(&mut bob_socket, |f| matches!(f, ServerFrame::ConversationAdded { .. })).await;
    assert!(matches!(joined, ServerFrame::ConversationAdded { conversation } if conversation.id == dm.id));
    for n in 0..10 {
        let (from, to) =
            if n % 2 == 0 { (&mut alice_socket, &mut bob_socket) } else { (&mut bob_socket, &mut alice_socket) };
        let sent = from.send_message(dm.id, &format!("hop {n}")).await.unwrap();
        // Each side also sees its own messages; skip to this one.
        let frame = wait_for(to, |f| event_of(f).is_some_and(|e| e.seq >= sent.seq)).await;
        let event = event_of(&frame).unwrap();
        assert_eq!(event.seq, sent.seq);
        assert_eq!(created_body(event), format!("hop {n}"));
    }
    // An edit made on one server reaches the other one's client (NOTIFYed in its transaction).
    let first = alice_socket.send_message(dm.id, "before").await.unwrap();
    alice.client.edit_message(dm.id, first.id, "after").await.unwrap();
    let frame = wait_for(&mut bob_socket, |f| {
        event_of(f).is_some_and(|e| matches!(&e.kind, EventKind::MessageEdited { message } if message.id == first.id))
    })
    .await;
    let edited = event_of(&frame).unwrap();
    assert!(matches!(&edited.kind, EventKind::MessageEdited { message } if message.body == "after"));
    // A refused change on the second server rolls its transaction back, changes nothing, and
    // that server's connections stay usable for the next change.
    let refused = bob.via(&peer.client).edit_message(dm.id, first.id, "not yours").await;
    assert!(refused.is_err(), "{refused:?}");
    let kept = bob_socket.send_message(dm.id, "still fine").await.unwrap();
    assert_eq!(kept.seq, edited.seq + 1, "the refused edit used no seq");
    let history = alice.client.messages(dm.id, None, None).await.unwrap();
    assert!(history.items.iter().any(|m| m.id == first.id && m.body == "after"));
    // A large event (over NOTIFY's 8,000 bytes) travels by reference.
    let big = "ü".repeat(4_000);
    let sent = alice_socket.send_message(dm.id, &big).await.unwrap();
    let frame = wait_for(&mut bob_socket, |f| event_of(f).is_some_and(|e| e.seq >= sent.seq)).await;
    let event = event_of(&frame).unwrap();
    assert_eq!(event.seq, sent.seq);
    assert_eq!(created_body(event), big);
}

/// Two servers storing sends to the same conversations at once: every client, on either
/// server, gets each conversation's events in seq order, first ones included (the bus
/// NOTIFYs inside the storing transaction, so PostgreSQL delivers them in commit order).
#[tokio::test]
async fn two_servers_sending_at_once_deliver_every_conversation_in_seq_order() {
    const GROUPS: usize = 100;
    let (app, peer) = TestApp::spawn_two_servers().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let mut groups = Vec::new();
    for n in 0..GROUPS {
        groups.push(alice.client.create_group(&format!("g{n}"), &[bob.id(), carol.id()]).await.unwrap().id);
    }
    let (mut alice_socket, _) = connect(&alice).await;
    let (mut bob_socket, _) = bob.via(&peer.client).connect().await.unwrap();
    let (mut carol_here, _) = connect(&carol).await;
    let (mut carol_there, _) = carol.via(&peer.client).connect().await.unwrap();
    // Each sender pipelines one message to every group, both at the same time, so each
    // group's first two messages are stored by different servers in quick succession.
    let pipeline = async |socket: &mut Socket, who: &str| {
        for (n, group) in groups.iter().enumerate() {
            let message = SendMessage::new(Uuid::new_v4(), format!("{who} {n}"));
            let req_id = socket.next_req_id();
            socket.send(&ClientFrame::SendMessage { req_id, conversation_id: *group, message }).await.unwrap();
        }
    };
    tokio::join!(pipeline(&mut alice_socket, "alice"), pipeline(&mut bob_socket, "bob"));
    for socket in [&mut carol_here, &mut carol_there] {
        let mut seen: std::collections::HashMap<_, Vec<i64>> = std::collections::HashMap::new();
        while seen.values().map(Vec::len).sum::<usize>() < 2 * GROUPS {
            let event = wait_for_event(socket).await;
            created_body(&event);
            seen.entry(event.conversation_id).or_default().push(event.seq);
        }
        assert_eq!(seen.len(), GROUPS);
        for (group, seqs) in &seen {
            assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{group:?} arrived as seqs {seqs:?}");
        }
    }
}

/// A client may send many messages without waiting for acks: they are stored in the order
/// sent, each is acked once in that order, and deliveries keep flowing meanwhile.
#[tokio::test]
async fn pipelined_sends_keep_their_order_and_each_is_acked() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let (mut alice_socket, _) = connect(&alice).await;
    let (mut bob_socket, _) = connect(&bob).await;
    let mut req_ids = Vec::new();
    for n in 0..100 {
        let req_id = alice_socket.next_req_id();
        let message = SendMessage::new(Uuid::new_v4(), format!("m{n}"));
        alice_socket.send(&ClientFrame::SendMessage { req_id, conversation_id: dm.id, message }).await.unwrap();
        req_ids.push(req_id);
    }
    let mut acked = Vec::new();
    let mut seen = Vec::new();
    while acked.len() < 100 || seen.len() < 100 {
        match alice_socket.next_within(Duration::from_secs(10)).await.unwrap() {
            Some(ServerFrame::Ack { req_id, result: AckResult::Message(m) }) => acked.push((req_id, m.seq, m.body)),
            Some(ServerFrame::Event { event }) => seen.push(event.seq),
            Some(ServerFrame::Error { error, .. }) => panic!("a send failed: {error:?}"),
            Some(_) => {}
            None => panic!("stalled after {} acks and {} events", acked.len(), seen.len()),
        }
    }
    assert_eq!(acked.iter().map(|a| a.0).collect::<Vec<_>>(), req_ids, "acks come in the order sent");
    let bodies: Vec<String> = acked.iter().map(|a| a.2.clone()).collect();
    assert_eq!(bodies, (0..100).map(|n| format!("m{n}")).collect::<Vec<_>>());
    let seqs: Vec<i64> = acked.iter().map(|a| a.1).collect();
    assert_eq!(seqs, (2..102).collect::<Vec<i64>>(), "stored in the order sent, without gaps");
    assert_eq!(seen, seqs, "the sender's own socket gets every event too");
    let mut delivered = Vec::new();
    while delivered.len() < 100 {
        let event = wait_for_event(&mut bob_socket).await;
        delivered.push(event.seq);
    }
    assert_eq!(delivered, seqs);
}

/// Sends `count` messages on one socket without waiting, then reads until each is acked.
async fn pipeline(socket: &mut Socket, conversation: protocol::ConversationId, count: usize) {
    for n in 0..count {
        let req_id = socket.next_req_id();
        let message = SendMessage::new(Uuid::new_v4(), format!("m{n}"));
        socket.send(&ClientFrame::SendMessage { req_id, conversation_id: conversation, message }).await.unwrap();
    }
    let mut acked = 0;
    while acked < count {
        match socket.next_within(WAIT).await.unwrap() {
            Some(ServerFrame::Ack { result: AckResult::Message(_), .. }) => acked += 1,
            Some(ServerFrame::Error { error, .. }) => panic!("a send failed: {error:?}"),
            Some(_) => {}
            None => panic!("stalled after {acked} acks"),
        }
    }
}

/// Manual ANALYZEs of `messages` in the test's database (autovacuum's are counted apart).
async fn analyses_of_messages(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    let query = diesel::sql_query("SELECT analyze_count AS n FROM pg_stat_user_tables WHERE relname = 'messages'");
    let count: Count = diesel_async::RunQueryDsl::get_result(query, &mut conn).await.unwrap();
    count.n
}

/// The writer refreshes the planner's statistics once the messages it stored reach 1,000 (and
/// again at each doubling), so plans made on the empty table are replaced (see
/// `db::statistics`; crates/db/tests/prepared.rs shows what the refresh changes).
#[tokio::test]
async fn the_writer_refreshes_planner_statistics_as_messages_grow() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let (mut socket, _) = connect(&alice).await;
    pipeline(&mut socket, dm.id, 999).await;
    // Time for a refresh that should not have happened to show up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(analyses_of_messages(&app).await, 0, "no refresh before the 1,000th message");
    pipeline(&mut socket, dm.id, 1).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while analyses_of_messages(&app).await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no refresh within {WAIT:?} of the 1,000th message");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pipeline(&mut socket, dm.id, 500).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(analyses_of_messages(&app).await, 1, "one refresh until the count doubles");
}
