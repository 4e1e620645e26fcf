//! The one write path: every kind of conversation change (sends, edits, deletes, member
//! removals, renames), from REST and WebSocket alike, is stored by the conversation's writer
//! shard in batches, numbered without gaps, and delivered in seq order; a refused command in
//! a batch fails alone; two servers on the PostgreSQL bus deliver a mixed stream in order.
//!
//! To put known commands into one batch, a test holds the conversation's row lock from its
//! own database connection: the writer's first batch waits on it, and every command queued
//! meanwhile is stored together in the next. All rows of a batch carry the batch's time, so
//! one shared `at` shows they were one transaction.

use std::time::Duration;

use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::conversations::{Event, EventKind, SendMessage};
use protocol::ws::{AckResult, ClientFrame, ServerFrame};
use protocol::{ConversationId, ErrorCode, MessageId};
use uuid::Uuid;

use client::ws::Socket;

use crate::support::{Account, TestApp};

const WAIT: Duration = Duration::from_secs(15);
/// Long enough for a queued command to reach the writer's queue before the next is made.
const SETTLE: Duration = Duration::from_millis(250);

/// A conversation's row lock, held by a transaction of the test's own.
struct HeldLock(AsyncPgConnection);

impl HeldLock {
    async fn take(app: &TestApp, conversation: ConversationId) -> Self {
        let mut conn = AsyncPgConnection::establish(app.db.url()).await.unwrap();
        diesel::sql_query("BEGIN").execute(&mut conn).await.unwrap();
        diesel::sql_query("SELECT id FROM conversations WHERE id = $1 FOR UPDATE")
            .bind::<SqlUuid, _>(conversation.0)
            .execute(&mut conn)
            .await
            .unwrap();
        Self(conn)
    }

    async fn release(mut self) {
        diesel::sql_query("COMMIT").execute(&mut self.0).await.unwrap();
    }
}

fn message(body: &str) -> SendMessage {
    SendMessage::new(Uuid::new_v4(), body)
}

/// Sends a frame without waiting for its answer; returns its request id.
async fn pipeline(socket: &mut Socket, frame: impl FnOnce(u64) -> ClientFrame) -> u64 {
    let req_id = socket.next_req_id();
    socket.send(&frame(req_id)).await.unwrap();
    req_id
}

async fn send_frame(socket: &mut Socket, conversation: ConversationId, body: SendMessage) -> u64 {
    pipeline(socket, |req_id| ClientFrame::SendMessage { req_id, conversation_id: conversation, message: body }).await
}

/// Reads `count` events, ignoring other frames.
async fn events(socket: &mut Socket, count: usize) -> Vec<Event> {
    let mut events = Vec::new();
    while events.len() < count {
        match socket.next_within(WAIT).await.unwrap() {
            Some(ServerFrame::Event { event }) => events.push(event),
            Some(_) => {}
            None => panic!("only {} of {count} events arrived: {events:?}", events.len()),
        }
    }
    events
}

/// Reads the answers to `req_ids` (acks or errors), in the order they come.
async fn answers(socket: &mut Socket, req_ids: &[u64]) -> Vec<(u64, Result<AckResult, ErrorCode>)> {
    let mut answers = Vec::new();
    while answers.len() < req_ids.len() {
        match socket.next_within(WAIT).await.unwrap() {
            Some(ServerFrame::Ack { req_id, result }) if req_ids.contains(&req_id) => {
                answers.push((req_id, Ok(result)))
            }
            Some(ServerFrame::Error { req_id: Some(req_id), error, .. }) if req_ids.contains(&req_id) => {
                answers.push((req_id, Err(error)))
            }
            Some(_) => {}
            None => panic!("only {} of {} answers arrived: {answers:?}", answers.len(), req_ids.len()),
        }
    }
    answers
}

fn seqs(events: &[Event]) -> Vec<i64> {
    events.iter().map(|e| e.seq).collect()
}

async fn group_of_three(app: &TestApp) -> (Account, Account, Account, ConversationId) {
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let group = alice.client.create_group("crew", &[bob.id(), carol.id()]).await.unwrap().id;
    (alice, bob, carol, group)
}

#[tokio::test]
async fn a_mixed_batch_is_stored_and_delivered_in_seq_order_without_gaps() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, group) = group_of_three(&app).await;
    let m0 = alice.client.send_message(group, &message("m0")).await.unwrap();
    let m1 = alice.client.send_message(group, &message("m1")).await.unwrap();
    assert_eq!((m0.seq, m1.seq), (2, 3));
    let (mut carol_socket, _) = carol.client.connect().await.unwrap();
    let (mut alice_socket, _) = alice.client.connect().await.unwrap();
    let (mut bob_socket, _) = bob.client.connect().await.unwrap();

    let lock = HeldLock::take(&app, group).await;
    // Bob's send starts the batch that waits on the lock; everything after it is one batch.
    let bob_send = send_frame(&mut bob_socket, group, message("b1")).await;
    tokio::time::sleep(SETTLE).await;
    let (alice_reqs, removed, renamed, ()) = tokio::join!(
        async {
            vec![
                send_frame(&mut alice_socket, group, message("a1")).await,
                pipeline(&mut alice_socket, |req_id| ClientFrame::EditMessage {
                    req_id,
                    conversation_id: group,
                    message_id: m0.id,
                    body: "m0 edited".into(),
                })
                .await,
                pipeline(&mut alice_socket, |req_id| ClientFrame::DeleteMessage {
                    req_id,
                    conversation_id: group,
                    message_id: m1.id,
                })
                .await,
                send_frame(&mut alice_socket, group, message("a2")).await,
            ]
        },
        async {
            tokio::time::sleep(SETTLE).await;
            alice.client.remove_member(group, bob.id()).await
        },
        async {
            tokio::time::sleep(SETTLE * 2).await;
            alice.client.rename_conversation(group, "renamed").await
        },
        async {
            tokio::time::sleep(SETTLE * 3).await;
            lock.release().await;
        },
    );
    removed.unwrap();
    assert_eq!(renamed.unwrap().title, "renamed");

    let delivered = events(&mut carol_socket, 7).await;
    assert_eq!(seqs(&delivered), (4..=10).collect::<Vec<i64>>(), "{delivered:?}");
    let kinds: Vec<&EventKind> = delivered.iter().map(|e| &e.kind).collect();
    assert!(matches!(kinds[0], EventKind::MessageCreated { message } if message.body == "b1"), "{kinds:?}");
    assert!(matches!(kinds[1], EventKind::MessageCreated { message } if message.body == "a1"), "{kinds:?}");
    assert!(
        matches!(kinds[2], EventKind::MessageEdited { message } if message.id == m0.id && message.body == "m0 edited")
    );
    assert!(matches!(kinds[3], EventKind::MessageDeleted { message_id, .. } if *message_id == m1.id), "{kinds:?}");
    assert!(matches!(kinds[4], EventKind::MessageCreated { message } if message.body == "a2"), "{kinds:?}");
    assert!(matches!(kinds[5], EventKind::MemberRemoved { user_id, .. } if *user_id == bob.id()), "{kinds:?}");
    assert!(matches!(kinds[6], EventKind::ConversationRenamed { title, .. } if title == "renamed"), "{kinds:?}");
    // Everything queued while the lock was held was stored by one transaction.
    assert!(delivered[1..].iter().all(|e| e.at == delivered[1].at), "one batch: {delivered:?}");

    // The stored log is what was delivered.
    let stored = carol.client.all_events(group, 3).await.unwrap();
    assert_eq!(seqs(&stored), seqs(&delivered));
    assert!(stored.iter().zip(&delivered).all(|(s, d)| s.at == d.at));

    // Each caller got its own answer, in the order it asked.
    let acked = answers(&mut alice_socket, &alice_reqs).await;
    assert_eq!(acked.iter().map(|a| a.0).collect::<Vec<_>>(), alice_reqs);
    let acked_seqs: Vec<i64> = acked
        .iter()
        .map(|(_, a)| match a {
            Ok(AckResult::Message(m)) => m.seq,
            other => panic!("expected a message, got {other:?}"),
        })
        .collect();
    // Edits and deletions answer with the message as it is now (it keeps its own seq).
    assert_eq!(acked_seqs, [5, m0.seq, m1.seq, 8]);
    let bob_answer = answers(&mut bob_socket, &[bob_send]).await;
    assert!(matches!(&bob_answer[0].1, Ok(AckResult::Message(m)) if m.seq == 4), "{bob_answer:?}");
}

#[tokio::test]
async fn a_refused_command_in_a_batch_fails_alone() {
    let app = TestApp::spawn().await;
    let (alice, bob, _carol, group) = group_of_three(&app).await;
    let bobs = bob.client.send_message(group, &message("bob's words")).await.unwrap();
    let (mut alice_socket, _) = alice.client.connect().await.unwrap();
    let (mut bob_socket, _) = bob.client.connect().await.unwrap();

    let lock = HeldLock::take(&app, group).await;
    let first = send_frame(&mut alice_socket, group, message("x0")).await;
    tokio::time::sleep(SETTLE).await;
    let (reqs, bob_rename, ()) = tokio::join!(
        async {
            let mut reply = message("x2");
            reply.reply_to = Some(MessageId(Uuid::now_v7()));
            vec![
                send_frame(&mut alice_socket, group, message("x1")).await,
                // Not hers to edit.
                pipeline(&mut alice_socket, |req_id| ClientFrame::EditMessage {
                    req_id,
                    conversation_id: group,
                    message_id: bobs.id,
                    body: "hijacked".into(),
                })
                .await,
                // No such message.
                pipeline(&mut alice_socket, |req_id| ClientFrame::DeleteMessage {
                    req_id,
                    conversation_id: group,
                    message_id: MessageId(Uuid::now_v7()),
                })
                .await,
                // A reply to nothing.
                send_frame(&mut alice_socket, group, reply).await,
                send_frame(&mut alice_socket, group, message("x3")).await,
            ]
        },
        async {
            tokio::time::sleep(SETTLE).await;
            // A plain member may not rename.
            bob.client.rename_conversation(group, "bob's group").await
        },
        async {
            tokio::time::sleep(SETTLE * 2).await;
            lock.release().await;
        },
    );
    let refused = bob_rename.unwrap_err();
    assert!(
        matches!(&refused, client::ClientError::Api { body, .. } if body.error == ErrorCode::Forbidden),
        "{refused}"
    );

    let all: Vec<u64> = std::iter::once(first).chain(reqs.iter().copied()).collect();
    let got = answers(&mut alice_socket, &all).await;
    let outcome: Vec<Result<String, ErrorCode>> = got
        .into_iter()
        .map(|(_, a)| match a {
            Ok(AckResult::Message(m)) => Ok(m.body),
            Ok(other) => panic!("unexpected ack {other:?}"),
            Err(code) => Err(code),
        })
        .collect();
    assert_eq!(
        outcome,
        [
            Ok("x0".to_owned()),
            Ok("x1".to_owned()),
            Err(ErrorCode::Forbidden),
            Err(ErrorCode::NotFound),
            Err(ErrorCode::Unprocessable),
            Ok("x3".to_owned()),
        ]
    );
    // The accepted ones took consecutive seqs; the refused ones took none and changed nothing.
    let delivered = events(&mut bob_socket, 3).await;
    assert_eq!(seqs(&delivered), [bobs.seq + 1, bobs.seq + 2, bobs.seq + 3]);
    assert_eq!(delivered[1].at, delivered[2].at, "x1 and x3 were stored by one transaction");
    let history = alice.client.messages(group, None, None).await.unwrap();
    let bodies: Vec<&str> = history.items.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["x3", "x1", "x0", "bob's words"]);
    assert_eq!(alice.client.conversation(group).await.unwrap().conversation.title, "crew");
    let stored = alice.client.all_events(group, 0).await.unwrap();
    assert_eq!(seqs(&stored), (1..=bobs.seq + 3).collect::<Vec<i64>>(), "no gaps");
}

#[tokio::test]
async fn two_servers_deliver_a_mixed_stream_in_seq_order() {
    const GROUPS: usize = 20;
    let (app, peer) = TestApp::spawn_two_servers().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let mut groups = Vec::new();
    for n in 0..GROUPS {
        let group = alice.client.create_group(&format!("g{n}"), &[bob.id(), carol.id()]).await.unwrap().id;
        let first = alice.client.send_message(group, &message("first")).await.unwrap();
        groups.push((group, first.id));
    }
    let (mut alice_here, _) = alice.client.connect().await.unwrap();
    let (mut bob_there, _) = bob.via(&peer.client).connect().await.unwrap();
    let alice_there = alice.via(&peer.client);
    let (mut carol_here, _) = carol.client.connect().await.unwrap();
    let (mut carol_there, _) = carol.via(&peer.client).connect().await.unwrap();
    // At once: on this server Alice sends, edits and deletes in every group; on the other
    // Bob sends to every group and Alice renames every group over REST.
    let (here, there, renames) = tokio::join!(
        async {
            let mut reqs = Vec::new();
            for (group, first) in &groups {
                reqs.push(send_frame(&mut alice_here, *group, message("a")).await);
                reqs.push(
                    pipeline(&mut alice_here, |req_id| ClientFrame::EditMessage {
                        req_id,
                        conversation_id: *group,
                        message_id: *first,
                        body: "first, edited".into(),
                    })
                    .await,
                );
                reqs.push(
                    pipeline(&mut alice_here, |req_id| ClientFrame::DeleteMessage {
                        req_id,
                        conversation_id: *group,
                        message_id: *first,
                    })
                    .await,
                );
            }
            answers(&mut alice_here, &reqs).await
        },
        async {
            let mut reqs = Vec::new();
            for (group, _) in &groups {
                reqs.push(send_frame(&mut bob_there, *group, message("b")).await);
            }
            answers(&mut bob_there, &reqs).await
        },
        async {
            for (n, (group, _)) in groups.iter().enumerate() {
                alice_there.rename_conversation(*group, &format!("g{n} renamed")).await.unwrap();
            }
        },
    );
    let () = renames;
    assert!(here.iter().chain(&there).all(|(_, a)| a.is_ok()), "{here:?} {there:?}");
    // Per group: two sends, an edit, a deletion and a rename, after seq 2.
    for socket in [&mut carol_here, &mut carol_there] {
        let delivered = events(socket, GROUPS * 5).await;
        let mut by_group: std::collections::HashMap<ConversationId, Vec<&Event>> = Default::default();
        for event in &delivered {
            by_group.entry(event.conversation_id).or_default().push(event);
        }
        assert_eq!(by_group.len(), GROUPS);
        for (group, events) in by_group {
            let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
            assert_eq!(seqs, [3, 4, 5, 6, 7], "{group:?} arrived as {seqs:?}");
            let edited = events.iter().position(|e| matches!(e.kind, EventKind::MessageEdited { .. }));
            let deleted = events.iter().position(|e| matches!(e.kind, EventKind::MessageDeleted { .. }));
            assert!(edited < deleted, "the edit was queued before the deletion: {events:?}");
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Pending {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pages: i64,
}

/// Pages waiting in the message search indexes' pending lists (read without merging them).
async fn pending_search_pages(conn: &mut AsyncPgConnection) -> i64 {
    diesel::sql_query(
        "SELECT ((pgstatginindex('messages_search')).pending_pages
               + (pgstatginindex('messages_body_trgm')).pending_pages)::int8 AS pages",
    )
    .get_result::<Pending>(conn)
    .await
    .unwrap()
    .pages
}

#[tokio::test]
async fn new_messages_search_entries_are_merged_in_the_background() {
    let app = TestApp::spawn().await;
    let mut conn = AsyncPgConnection::establish(app.db.url()).await.unwrap();
    for sql in [
        "CREATE EXTENSION IF NOT EXISTS pgstattuple",
        // Only the server may merge the lists here (autovacuum would merge them too).
        "ALTER TABLE messages SET (autovacuum_enabled = false)",
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
    let (alice, _bob, _carol, group) = group_of_three(&app).await;
    let mut sent = 0;
    // Sent until a merge is seen to be needed: a send's entries go to the pending lists.
    while pending_search_pages(&mut conn).await == 0 || sent < 20 {
        alice.client.send_message(group, &message(&format!("words to find later, number {sent}"))).await.unwrap();
        sent += 1;
        assert!(sent < 2_000, "sends never left search entries pending");
    }
    // Far below the size at which an insert would merge them itself (4 MB): the server did.
    tokio::time::timeout(WAIT, async {
        while pending_search_pages(&mut conn).await > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the pending search entries were merged within 15 s");
}
