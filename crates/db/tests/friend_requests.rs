//! `requests_of` reads both directions in one statement: each side keeps its own limit and its
//! newest-first order, and nothing of one side is taken for the other.

#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test, with its location")]

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::UserId;
use uuid::Uuid;

#[tokio::test]
async fn each_direction_is_newest_first_and_limited_on_its_own() {
    let database = db::testing::TestDatabase::create().await;
    let mut conn = AsyncPgConnection::establish(database.url()).await.unwrap();
    let me = Uuid::now_v7();
    let others: Vec<Uuid> = (0..6).map(|_| Uuid::now_v7()).collect();
    for (n, id) in std::iter::once(&me).chain(&others).enumerate() {
        diesel::sql_query(format!(
            "INSERT INTO users (id, username, display_name, avatar_color, password_hash) \
             VALUES ('{id}', 'user{n}', 'User', '#000000', '')"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    // Three requests each way, a minute apart, incoming and outgoing interleaved in time.
    for (n, other) in others.iter().enumerate() {
        let (from, to) = if n % 2 == 0 { (other, &me) } else { (&me, other) };
        diesel::sql_query(format!(
            "INSERT INTO friend_requests (id, from_user, to_user, created_at) \
             VALUES (gen_random_uuid(), '{from}', '{to}', now() - interval '{} minutes')",
            10 - n
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }

    let (incoming, outgoing) = db::queries::social::requests_of(&conn, UserId(me), 2).await.unwrap();
    let senders: Vec<Uuid> = incoming.iter().map(|r| r.from_user.0).collect();
    let recipients: Vec<Uuid> = outgoing.iter().map(|r| r.to_user.0).collect();
    assert_eq!(senders, [others[4], others[2]], "the two newest incoming, newest first");
    assert_eq!(recipients, [others[5], others[3]], "the two newest outgoing, newest first");
    assert!(incoming.iter().all(|r| r.to_user.0 == me) && outgoing.iter().all(|r| r.from_user.0 == me));
}
