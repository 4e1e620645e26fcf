//! `db::search_index::merge_pending`: new messages' search entries wait in the indexes'
//! pending lists until merged; a merge empties them.

#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test, with its location")]

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

#[tokio::test]
async fn merging_empties_the_pending_lists() {
    let database = db::testing::TestDatabase::create().await;
    let mut conn = AsyncPgConnection::establish(database.url()).await.unwrap();
    let (user, conversation) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    for sql in [
        // Autovacuum would merge the lists too.
        "ALTER TABLE messages SET (autovacuum_enabled = false)".to_owned(),
        format!(
            "INSERT INTO users (id, username, display_name, avatar_color, password_hash) VALUES ('{user}', 'writer', 'Writer', '#000000', 'x')"
        ),
        format!(
            "INSERT INTO conversations (id, kind, title, created_by) VALUES ('{conversation}', 'group', 'g', '{user}')"
        ),
        format!(
            "INSERT INTO messages (id, conversation_id, seq, sender_id, client_msg_id, body) \
             SELECT gen_random_uuid(), '{conversation}', g, '{user}', gen_random_uuid(), 'searchable words number ' || g \
             FROM generate_series(1, 2000) AS g"
        ),
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
    assert!(db::search_index::merge_pending(&mut conn).await.unwrap() > 0, "the new rows' entries were pending");
    assert_eq!(db::search_index::merge_pending(&mut conn).await.unwrap(), 0, "nothing is left pending");
}
