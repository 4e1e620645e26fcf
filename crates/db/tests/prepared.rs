//! Statement preparation and planning: `db::prepared` gives right results and one prepared
//! statement per connection (what `diesel::sql_query` cannot); pooled connections re-plan.

use db::prepared::prepared;
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

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
struct Setting {
    #[diesel(sql_type = Text)]
    plan_cache_mode: String,
}

/// Pooled connections plan every run for its values: a generic plan made while a table was
/// small would otherwise keep its sequential scan on that connection (see `db::pool`).
#[tokio::test]
async fn pooled_connections_plan_each_run_for_its_values() {
    let database = db::testing::TestDatabase::create().await;
    let pool = db::pool::build_pool(database.url(), 2).unwrap();
    let mut conn = db::pool::checkout(&pool).await.unwrap();
    let shown: Vec<Setting> = diesel::sql_query("SHOW plan_cache_mode").load(&mut conn).await.unwrap();
    assert_eq!(shown[0].plan_cache_mode, "force_custom_plan");
}
