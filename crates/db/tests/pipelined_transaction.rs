//! `db::transaction::begun_with`: the reads sent with `BEGIN` run inside the transaction (a
//! write among them is undone with it), a failure anywhere rolls everything back, success
//! commits, the connection is left with no transaction open, and inside a transaction it nests.
//! `db::transaction::last_then_commit`: the `COMMIT` sent with the last statement never
//! overtakes it, whether the statement is prepared on the connection yet or not.

#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test, with its location")]

use db::transaction::Plans;
use diesel::QueryableByName;
use diesel::result::Error;
use diesel::sql_types::{BigInt, Integer, Text};
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
        Plans::AsConfigured,
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
        Plans::AsConfigured,
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
        Plans::AsConfigured,
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
            Plans::AsConfigured,
            async |shared| note(shared, 2).await,
            async |_, _| Err::<(), _>(Error::RollbackTransaction),
        )
        .await;
        assert!(failed.is_err());
        assert_eq!(rows(conn).await, 1, "only the nested part is undone");
        db::transaction::begun_with(
            conn,
            Plans::AsConfigured,
            async |shared| note(shared, 3).await,
            async |_, _| Ok(()),
        )
        .await?;
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(rows(&mut conn).await, 2);
}

/// The last statement: inserts `10 / divisor`, so a divisor of 0 fails it when it runs.
fn last(divisor: i32) -> db::prepared::Prepared<'static> {
    db::prepared::prepared("INSERT INTO noted VALUES (10 / $1)").bind::<Integer, _>(divisor)
}

async fn noted_then_last(conn: &mut AsyncPgConnection, divisor: i32) -> diesel::QueryResult<usize> {
    db::transaction::begun_with(
        conn,
        Plans::Generic,
        async |shared| note(shared, 1).await,
        async |conn, _| db::transaction::last_then_commit(conn, last(divisor)).await,
    )
    .await
}

#[tokio::test]
async fn a_last_statement_still_to_prepare_fails_inside_the_transaction() {
    let (_database, mut conn) = connection().await;
    // Its first run on this connection: the statement is prepared before it is sent. Had
    // `COMMIT` left with the prepare, the note would have committed before the statement ran.
    let failed = noted_then_last(&mut conn, 0).await;
    assert!(failed.is_err(), "division by zero is the answer");
    assert_eq!(rows(&mut conn).await, 0, "the note is undone with the failed statement");
    assert!(no_transaction_open(&mut conn));
}

#[tokio::test]
async fn a_prepared_last_statement_commits_or_fails_with_the_whole() {
    let (_database, mut conn) = connection().await;
    assert_eq!(noted_then_last(&mut conn, 1).await.unwrap(), 1);
    assert_eq!(rows(&mut conn).await, 2, "the note and the last statement's row");
    assert!(no_transaction_open(&mut conn));
    // Now prepared on this connection, so `COMMIT` travels with it; when it fails, `COMMIT`
    // rolls back what came before.
    assert!(noted_then_last(&mut conn, 0).await.is_err());
    assert_eq!(rows(&mut conn).await, 2, "nothing of the failed batch stays");
    assert!(no_transaction_open(&mut conn));
    assert_eq!(noted_then_last(&mut conn, 2).await.unwrap(), 1);
    assert_eq!(rows(&mut conn).await, 4);
}

#[tokio::test]
async fn a_last_statement_inside_a_transaction_leaves_it_open() {
    let (_database, mut conn) = connection().await;
    conn.transaction::<(), Error, _>(async |conn| {
        assert_eq!(noted_then_last(conn, 1).await?, 1);
        assert!(!no_transaction_open(conn), "the outer transaction is still open");
        assert!(noted_then_last(conn, 0).await.is_err());
        assert_eq!(rows(conn).await, 2, "only the failed nested part is undone");
        Err(Error::RollbackTransaction)
    })
    .await
    .unwrap_err();
    assert_eq!(rows(&mut conn).await, 0, "all undone with the outer transaction");
    assert!(no_transaction_open(&mut conn));
}

#[derive(QueryableByName)]
struct PlanCacheMode {
    #[diesel(sql_type = Text)]
    plan_cache_mode: String,
}

async fn plan_cache_mode(mut conn: &AsyncPgConnection) -> diesel::QueryResult<String> {
    Ok(diesel::sql_query("SHOW plan_cache_mode").get_result::<PlanCacheMode>(&mut conn).await?.plan_cache_mode)
}

#[tokio::test]
async fn generic_plans_hold_for_the_transaction_only() {
    let (_database, mut conn) = connection().await;
    let (sent_with_begin, later) = db::transaction::begun_with(
        &mut conn,
        Plans::Generic,
        async |shared| plan_cache_mode(shared).await,
        async |conn, first| Ok((first, plan_cache_mode(conn).await?)),
    )
    .await
    .unwrap();
    assert_eq!(sent_with_begin, "force_generic_plan", "the first reads already plan generically");
    assert_eq!(later, "force_generic_plan");
    assert_eq!(plan_cache_mode(&conn).await.unwrap(), "auto", "the setting ends with the transaction");

    let nested = conn
        .transaction::<_, Error, _>(async |conn| {
            db::transaction::begun_with(
                conn,
                Plans::Generic,
                async |shared| plan_cache_mode(shared).await,
                async |_, mode| Ok(mode),
            )
            .await
        })
        .await
        .unwrap();
    assert_eq!(nested, "force_generic_plan");
    assert_eq!(plan_cache_mode(&conn).await.unwrap(), "auto");
}
