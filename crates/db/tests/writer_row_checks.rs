//! The writer checks a batch's references once, not once per row. Messages and events carry no
//! foreign keys to `conversations` and `users` (migration `writer_checks_references`): the
//! writer reads each conversation under its row lock, and the sender's membership, before it
//! stores anything. With the keys, every stored message also fetched its conversation twice
//! and its sender once (a trigger query per row, the sender's a KEY SHARE lock written to the
//! WAL).
//!
//! The first test counts the rows a batch of sends reads from `users` and `conversations`
//! (`pg_stat_xact_user_tables`): it fails when a per-row check comes back. The second shows
//! what took the keys' place: a send to a conversation that does not exist, or from someone
//! who is not a member, is refused and writes nothing.

#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test, with its location")]

mod support;

use db::queries::changes::{Command, NewMessage, apply_batch};
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::{ConversationId, UserId};
use uuid::Uuid;

/// Sends in the measured batch: far more than the handful of rows its lookups read.
const SENDS: usize = 60;

async fn run(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql).execute(conn).await.unwrap();
}

fn send(conversation: Uuid, sender: Uuid, body: &str) -> Command {
    Command::Send(NewMessage::text(ConversationId(conversation), UserId(sender), body))
}

/// Two users who are members of one group; returns `(owner, member, group)`.
async fn group_of_two(conn: &mut AsyncPgConnection) -> (Uuid, Uuid, Uuid) {
    let (owner, member, group) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    run(
        conn,
        &format!(
            "INSERT INTO users (id, username, display_name, avatar_color, password_hash) \
             VALUES ('{owner}', 'owner', 'Owner', '#000000', ''), ('{member}', 'member', 'Member', '#000000', '')"
        ),
    )
    .await;
    run(
        conn,
        &format!("INSERT INTO conversations (id, kind, title, created_by) VALUES ('{group}', 'group', 'g', '{owner}')"),
    )
    .await;
    run(
        conn,
        &format!(
            "INSERT INTO conversation_members (conversation_id, user_id, role) \
             VALUES ('{group}', '{owner}', 'owner'), ('{group}', '{member}', 'member')"
        ),
    )
    .await;
    (owner, member, group)
}

#[tokio::test]
async fn a_batch_of_sends_reads_its_conversation_and_senders_once_not_per_message() {
    let database = db::testing::TestDatabase::create().await;
    let mut conn = AsyncPgConnection::establish(database.url()).await.unwrap();
    let (owner, member, group) = group_of_two(&mut conn).await;
    // Plans made, statistics taken: the measured batch is the writer's steady state.
    let warm: Vec<Command> = (0..4).map(|i| send(group, owner, &format!("warm {i}"))).collect();
    assert!(apply_batch(&mut conn, &warm).await.unwrap().iter().all(Result::is_ok));

    conn.transaction(async |conn| {
        let before = support::rows_read(conn, &["conversations", "users"]).await?;
        let sends: Vec<Command> =
            (0..SENDS).map(|i| send(group, if i % 2 == 0 { owner } else { member }, &format!("message {i}"))).collect();
        assert!(apply_batch(conn, &sends).await?.iter().all(Result::is_ok));
        let reads = support::since(&before, support::rows_read(conn, &["conversations", "users"]).await?);
        // The lock read and the counter update each touch the one conversation; nothing reads
        // the senders' rows. A check per message would read 2 × 60 and 60.
        assert_eq!(reads.len(), 2);
        for (table, rows) in &reads {
            assert!(*rows <= 4, "a batch of {SENDS} sends read {rows} rows of {table}: {reads:?}");
        }
        diesel::QueryResult::Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn sends_to_unknown_conversations_or_by_non_members_are_refused_and_store_nothing() {
    let database = db::testing::TestDatabase::create().await;
    let mut conn = AsyncPgConnection::establish(database.url()).await.unwrap();
    let (owner, _, group) = group_of_two(&mut conn).await;
    let (nowhere, stranger) = (Uuid::now_v7(), Uuid::now_v7());
    let batch = vec![
        send(nowhere, owner, "to a conversation that does not exist"),
        send(group, stranger, "from someone who does not exist"),
        send(group, owner, "accepted beside them"),
    ];
    let answers = apply_batch(&mut conn, &batch).await.unwrap();
    assert!(answers[0].is_err() && answers[1].is_err(), "{answers:?}");
    assert!(answers[2].is_ok(), "{answers:?}");

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let stray: Count = diesel::sql_query(format!(
        "SELECT (SELECT count(*) FROM messages WHERE conversation_id = '{nowhere}' OR sender_id = '{stranger}') \
              + (SELECT count(*) FROM events WHERE conversation_id = '{nowhere}') AS count"
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(stray.count, 0, "a refused send left rows behind");
}
