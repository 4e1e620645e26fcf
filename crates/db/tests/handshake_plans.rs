//! The WebSocket handshake's reads stay index lookups when the planner's statistics are stale:
//! right after friendships are created in bulk (a community importing its members, a busy
//! evening), before autovacuum has analysed the tables. Measured before this test existed:
//! handshakes fell from 1,736/s to 245/s because the friends-of-user query walked every user.
//!
//! Only the tables that grew are checked: a scan of a table that really is small (here
//! `friend_requests` and `conversation_members`) is the right plan.
//!
//! The check counts the sequential scans PostgreSQL actually ran for this transaction
//! (`pg_stat_xact_user_tables`), over the same statements the server runs (diesel's prepared
//! statements, so after five runs the generic plans a pooled connection keeps are covered too),
//! which is what `EXPLAIN` would show without having to rebuild each query's SQL by hand.

#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test, with its location")]

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(QueryableByName, Debug)]
#[expect(dead_code, reason = "read through Debug, in the failure message")]
struct Scans {
    #[diesel(sql_type = Text)]
    relname: String,
    #[diesel(sql_type = BigInt)]
    seq_scan: i64,
}

/// Friends of the user under test: enough that a scan would be worth it to a planner that
/// believes the tables are small.
const FRIENDS: i64 = 300;
/// Friendships created in bulk between other users.
const BULK_FRIENDSHIPS: i64 = 9_000;

#[tokio::test]
async fn handshake_reads_use_indexes_right_after_a_bulk_of_friendships() {
    let database = db::testing::TestDatabase::create().await;
    let mut conn = AsyncPgConnection::establish(database.url()).await.unwrap();
    let me = Uuid::now_v7();

    // Statistics taken while the community was tiny...
    diesel::sql_query(
        "INSERT INTO users (id, username, display_name, avatar_color, password_hash) \
         SELECT gen_random_uuid(), 'early' || i, 'Early', '#000000', '' FROM generate_series(1, 3) AS i",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query("ANALYZE users, friendships, friend_requests, conversation_members, conversations")
        .execute(&mut conn)
        .await
        .unwrap();
    // ...then thousands of members and friendships arrive at once, with no ANALYZE after.
    diesel::sql_query(format!(
        "INSERT INTO users (id, username, display_name, avatar_color, password_hash) \
         SELECT CASE WHEN i = 0 THEN '{me}'::uuid ELSE gen_random_uuid() END, 'member' || i, 'Member', '#000000', '' \
         FROM generate_series(0, {}) AS i",
        BULK_FRIENDSHIPS + FRIENDS
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    // Friendships are stored once per pair, the lower id first.
    diesel::sql_query(format!(
        "WITH members AS (SELECT id, row_number() OVER (ORDER BY username) AS n FROM users WHERE username LIKE 'member%' AND id <> '{me}'), \
         pairs AS ( \
            SELECT a.id AS x, b.id AS y FROM members a JOIN members b ON b.n = a.n + 1 WHERE a.n <= {BULK_FRIENDSHIPS} \
            UNION ALL SELECT '{me}'::uuid, id FROM members WHERE n <= {FRIENDS}) \
         INSERT INTO friendships (user_a, user_b) SELECT LEAST(x, y), GREATEST(x, y) FROM pairs ON CONFLICT DO NOTHING"
    ))
    .execute(&mut conn)
    .await
    .unwrap();

    let me_id = protocol::UserId(me);
    conn.transaction(async |conn| {
        // Six runs each: the sixth may use the generic plan a pooled connection then keeps.
        for _ in 0..6 {
            let friends = db::queries::social::friends_of(conn, me_id, None, 1_000).await?;
            assert_eq!(friends.len() as i64, FRIENDS);
            assert!(friends.windows(2).all(|w| w[0].0.id < w[1].0.id), "ordered by friend id");
            // The next page starts after the cursor.
            let page = db::queries::social::friends_of(conn, me_id, Some(friends[99].0.id), 50).await?;
            assert_eq!(
                page.iter().map(|(u, _)| u.id).collect::<Vec<_>>(),
                friends[100..150].iter().map(|(u, _)| u.id).collect::<Vec<_>>()
            );
            db::queries::social::requests_of(conn, me_id, 100).await?;
            db::queries::conversations::ids_of(conn, me_id).await?;
            db::queries::summaries::summaries(conn, me_id, None, 200).await?;
        }
        let scans: Vec<Scans> = diesel::sql_query(
            "SELECT relname::text AS relname, seq_scan FROM pg_stat_xact_user_tables \
             WHERE relname IN ('users', 'friendships') \
             AND seq_scan > 0",
        )
        .load(conn)
        .await?;
        assert!(scans.is_empty(), "the handshake's reads scanned whole tables: {scans:?}");
        diesel::QueryResult::Ok(())
    })
    .await
    .unwrap();
}
