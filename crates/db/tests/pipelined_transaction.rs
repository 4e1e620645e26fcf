//! `db::transaction::begun_with`: the reads sent with `BEGIN` run inside the transaction (a
//! write among them is undone with it), a failure anywhere rolls everything back, success
//! commits, the connection is left with no transaction open, and inside a transaction it nests.

#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test, with its location")]

use diesel::QueryableByName;
use diesel::result::Error;
use diesel::sql_types::BigInt;
use diesel_async::{
    AnsiTransactionManager, AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection, TransactionManager,
};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn rows(conn: &mut AsyncPgConnection) -> i64 {
    diesel::sql_query("SELECT count(*) AS n FROM noted").get_result::<Count>(conn).await.unwrap().n
}

/// Inserts `value` through a shared borrow, as the pipelined reads are sent: as a simple query,
/// which leaves on its future's first poll (a statement still being prepared would wait for the
/// prepare's answer and so come after `BEGIN` whatever the order of polling).
async fn note(mut conn: &AsyncPgConnection, value: i32) -> diesel::QueryResult<usize> {
    conn.batch_execute(&format!("INSERT INTO noted VALUES ({value})")).await.map(|()| 1)
}

fn no_transaction_open(conn: &mut AsyncPgConnection) -> bool {
    AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth().unwrap().is_none()
}

async fn connection() -> (db::testing::TestDatabase, AsyncPgConnection) {
    let database = db::testing::TestDatabase::create().await;
    let mut conn = AsyncPgConnection::establish(database.url()).await.unwrap();
    diesel::sql_query("CREATE TABLE noted (value int)").execute(&mut conn).await.unwrap();
    (database, conn)
}

#[tokio::test]
async fn what_is_sent_with_begin_is_undone_when_the_rest_fails() {
    let (_database, mut conn) = connection().await;
    let failed = db::transaction::begun_with(
        &mut conn,
        async |shared| note(shared, 1).await,
        async |conn, _| {
            note(conn, 2).await?;
            Err::<(), _>(Error::RollbackTransaction)
        },
    )
    .await;
    assert!(matches!(failed, Err(Error::RollbackTransaction)), "the rest's error is the answer");
    // Had the insert been sent before BEGIN, it would have committed on its own.
    assert_eq!(rows(&mut conn).await, 0);
    assert!(no_transaction_open(&mut conn));

    let failed = db::transaction::begun_with(
        &mut conn,
        async |shared| {
            note(shared, 3).await?;
            diesel::sql_query("SELECT 1 / 0").execute(&mut &*shared).await
        },
        async |_, _| Ok(()),
    )
    .await;
    assert!(failed.is_err(), "a failed read fails the whole");
    assert_eq!(rows(&mut conn).await, 0);
    assert!(no_transaction_open(&mut conn));
}

#[tokio::test]
async fn success_commits_both_parts() {
    let (_database, mut conn) = connection().await;
    let answer = db::transaction::begun_with(
        &mut conn,
        async |shared| note(shared, 1).await,
        async |conn, inserted| Ok(inserted + note(conn, 2).await?),
    )
    .await
    .unwrap();
    assert_eq!(answer, 2);
    assert!(no_transaction_open(&mut conn));
    assert_eq!(rows(&mut conn).await, 2);
}

#[tokio::test]
async fn inside_a_transaction_it_nests() {
    let (_database, mut conn) = connection().await;
    conn.transaction::<_, Error, _>(async |conn| {
        note(conn, 1).await?;
        let failed = db::transaction::begun_with(
            conn,
            async |shared| note(shared, 2).await,
            async |_, _| Err::<(), _>(Error::RollbackTransaction),
        )
        .await;
        assert!(failed.is_err());
        assert_eq!(rows(conn).await, 1, "only the nested part is undone");
        db::transaction::begun_with(conn, async |shared| note(shared, 3).await, async |_, _| Ok(())).await?;
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(rows(&mut conn).await, 2);
}
