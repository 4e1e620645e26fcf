//! A thread whose home has no connection free borrows an idle one of another home instead of
//! waiting while connections sit idle (with homes of one connection each, waiting here would
//! end in the pool's timeout, an error).

#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test, with its location")]

use diesel_async::RunQueryDsl;

#[tokio::test]
async fn a_busy_home_borrows_an_idle_connection_of_another() {
    let database = db::testing::TestDatabase::create().await;
    let pool = db::pool::build_pool_per_thread(database.url(), 2, 2).unwrap();
    pool.claim_home();

    // Another thread opens its home's one connection and gives it back; its runtime (which
    // drives that connection) stays up until the end of the test.
    let (opened_tx, opened_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let other = pool.clone();
    let neighbour = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            other.claim_home();
            let mut conn = db::pool::checkout(&other).await.unwrap();
            diesel::sql_query("SELECT 1").execute(&mut conn).await.unwrap();
            drop(conn);
            opened_tx.send(()).unwrap();
            done_rx.await.unwrap();
        });
    });
    opened_rx.recv().unwrap();

    let mut own = db::pool::checkout(&pool).await.unwrap();
    let mut borrowed = db::pool::checkout(&pool).await.expect("the neighbour's idle connection is lent");
    diesel::sql_query("SELECT 1").execute(&mut own).await.unwrap();
    diesel::sql_query("SELECT 1").execute(&mut borrowed).await.unwrap();
    assert_eq!(pool.status().available, 0);
    assert_eq!(pool.status().size, 2, "no connection beyond the pool's size was opened");

    drop((own, borrowed));
    done_tx.send(()).unwrap();
    neighbour.join().unwrap();
}
