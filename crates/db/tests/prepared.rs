//! Statement preparation and planning: `db::prepared` gives right results and one prepared
//! statement per connection (what `diesel::sql_query` cannot), and once the messages table has
//! grown, refreshing its statistics re-plans what was planned while it was empty.

#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test, with its location")]

use db::prepared::prepared;
use db::queries::changes::{Command, NewMessage, apply_batch};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::{ConversationId, UserId};
use uuid::Uuid;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = BigInt)]
    items: i64,
}

#[tokio::test]
async fn a_prepared_statement_is_parsed_once_per_connection() {
    let database = db::testing::TestDatabase::create().await;
    let mut conn = AsyncPgConnection::establish(database.url()).await.unwrap();
    for n in 0..5_i64 {
        let words: Vec<String> = (0..n).map(|i| format!("w{i}")).collect();
        // Placeholders out of order and repeated, as real statements have them.
        let rows: Vec<Row> =
            prepared("SELECT $1 + 1 AS total, count(*) AS items FROM unnest($2) AS w WHERE cardinality($2) >= $1")
                .bind::<BigInt, _>(n)
                .bind::<Array<Text>, _>(words)
                .load(&mut conn)
                .await
                .unwrap();
        assert_eq!((rows[0].total, rows[0].items), (n + 1, n));
    }
    // `sql_query` statements are closed after each run, so with it this would count 0.
    let held: Vec<Row> = diesel::sql_query(
        "SELECT count(*) AS total, 0::bigint AS items FROM pg_prepared_statements \
         WHERE statement LIKE 'SELECT $1 + 1 AS total%'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(held[0].total, 1, "one prepared statement for five runs");
}

#[tokio::test]
async fn a_placeholder_without_a_value_is_refused_not_sent() {
    let database = db::testing::TestDatabase::create().await;
    let mut conn = AsyncPgConnection::establish(database.url()).await.unwrap();
    let refused = prepared("SELECT $1 AS total, $2 AS items").bind::<BigInt, _>(1_i64).load::<Row>(&mut conn).await;
    assert!(matches!(refused, Err(diesel::result::Error::QueryBuilderError(_))), "{:?}", refused.err());
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn one_send(conversation: Uuid, sender: Uuid) -> Command {
    Command::Send(NewMessage::text(ConversationId(conversation), UserId(sender), "hello"))
}

/// Sequential scans of `messages` made by one send (the replay check looks the batch's keys up).
async fn scans_by_one_send(conn: &mut AsyncPgConnection, conversation: Uuid, sender: Uuid) -> i64 {
    // This backend's counts not yet reported (earlier transactions' too, for up to a second).
    let pending = async |conn: &mut AsyncPgConnection| -> diesel::QueryResult<i64> {
        let scans: Count = diesel::sql_query(
            "SELECT COALESCE(sum(seq_scan), 0)::int8 AS n FROM pg_stat_xact_user_tables WHERE relname = 'messages'",
        )
        .get_result(conn)
        .await?;
        Ok(scans.n)
    };
    conn.transaction(async |conn| {
        let before = pending(conn).await?;
        let sent = apply_batch(conn, &[one_send(conversation, sender)]).await?;
        assert!(sent[0].is_ok(), "the send is stored");
        Ok::<_, diesel::result::Error>(pending(conn).await? - before)
    })
    .await
    .unwrap()
}

/// A connection that ran the send statements while `messages` was analysed empty keeps a
/// generic plan that scans the whole table; `statistics::refresh` (the writer runs it as the table doubles)
/// makes it plan again, with the index. Without the refresh the scans go on (first assertion).
#[tokio::test]
async fn refreshed_statistics_replace_plans_made_on_the_empty_table() {
    let database = db::testing::TestDatabase::create().await;
    let mut conn = AsyncPgConnection::establish(database.url()).await.unwrap();
    let (user, conversation) = (Uuid::now_v7(), Uuid::now_v7());
    for sql in [
        // Only this test's refresh may analyse the table.
        "ALTER TABLE messages SET (autovacuum_enabled = false)".to_owned(),
        format!(
            "INSERT INTO users (id, username, display_name, avatar_color, password_hash) VALUES ('{user}', 'grower', 'Grower', '#000000', 'x')"
        ),
        format!(
            "INSERT INTO conversations (id, kind, title, created_by) VALUES ('{conversation}', 'group', 'g', '{user}')"
        ),
        format!(
            "INSERT INTO conversation_members (conversation_id, user_id, role) VALUES ('{conversation}', '{user}', 'owner')"
        ),
        // Statistics taken while it was (nearly) empty, as autovacuum takes them on a new
        // database. Never analysed, PostgreSQL assumes ten pages and picks the index anyway.
        "ANALYZE messages".to_owned(),
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
    // PostgreSQL settles on a generic plan at a statement's sixth run.
    for _ in 0..8 {
        let sent = apply_batch(&mut conn, &[one_send(conversation, user)]).await.unwrap();
        assert!(sent[0].is_ok());
    }
    // Others' conversations grow it: 500 groups of 100 messages.
    for sql in [
        format!(
            "INSERT INTO conversations (id, kind, title, created_by) \
             SELECT gen_random_uuid(), 'group', 'other', '{user}' FROM generate_series(1, 500)"
        ),
        format!(
            "INSERT INTO messages (id, conversation_id, seq, sender_id, client_msg_id, body) \
             SELECT gen_random_uuid(), c.id, g, '{user}', gen_random_uuid(), 'grown' \
             FROM conversations c, generate_series(1, 100) AS g WHERE c.title = 'other'"
        ),
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
    let stale = scans_by_one_send(&mut conn, conversation, user).await;
    assert!(stale > 0, "premise: the stale plan scans the table");
    db::statistics::refresh(&mut conn).await.unwrap();
    let fresh = scans_by_one_send(&mut conn, conversation, user).await;
    assert_eq!(fresh, 0, "re-planned with the index (the stale plan scanned {stale} times)");
}
