//! Migrations on a real PostgreSQL: servers starting together on a fresh database apply each
//! migration once, and none of them fails.

#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test, with its location")]

use diesel::QueryableByName;
use diesel::migration::MigrationSource;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::distr::{Alphanumeric, SampleString};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[tokio::test]
async fn servers_starting_together_apply_each_migration_once() {
    // An empty database (the test databases are clones of a migrated template).
    let template = db::testing::TestDatabase::create().await;
    let admin_url = template.admin_url();
    let name = format!("migrate_{}", Alphanumeric.sample_string(&mut rand::rng(), 12).to_lowercase());
    let mut admin = AsyncPgConnection::establish(&admin_url).await.unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&format!("/{name}"));
    let url = url.to_string();

    let starters: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || db::migrations::run_pending(&url))
        })
        .collect();
    let results: Vec<_> = starters.into_iter().map(|t| t.join().unwrap()).collect();

    let expected = MigrationSource::<diesel::pg::Pg>::migrations(&db::migrations::MIGRATIONS).unwrap().len();
    let applied: usize =
        results.iter().map(|r| r.as_ref().unwrap_or_else(|e| panic!("a concurrent start failed: {e}")).len()).sum();
    assert_eq!(applied, expected, "every migration applied exactly once across the starters");
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    let recorded: Count = diesel::sql_query("SELECT count(*) AS count FROM __diesel_schema_migrations")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(usize::try_from(recorded.count).unwrap(), expected);
    drop(conn);
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
}
