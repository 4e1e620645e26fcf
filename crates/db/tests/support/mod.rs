//! What the writer's plan tests share: the rows PostgreSQL read from some tables in the
//! current transaction.

use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(QueryableByName)]
struct Reads {
    #[diesel(sql_type = Text)]
    relname: String,
    /// Rows read by sequential scans plus rows fetched through indexes.
    #[diesel(sql_type = BigInt)]
    rows: i64,
}

/// Rows read so far in this transaction from each of `tables`, sorted by table name. Counts
/// of earlier transactions not yet reported (for up to a second) show here too: compare two
/// readings taken in one transaction.
pub async fn rows_read(conn: &mut AsyncPgConnection, tables: &[&str]) -> diesel::QueryResult<Vec<(String, i64)>> {
    let reads: Vec<Reads> = diesel::sql_query(
        "SELECT relname::text AS relname, (COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0))::int8 AS rows \
         FROM pg_stat_xact_user_tables WHERE relname = ANY($1) ORDER BY relname",
    )
    .bind::<Array<Text>, _>(tables)
    .load(conn)
    .await?;
    Ok(reads.into_iter().map(|r| (r.relname, r.rows)).collect())
}

/// What was read between two readings of [`rows_read`].
pub fn since(before: &[(String, i64)], after: Vec<(String, i64)>) -> Vec<(String, i64)> {
    after.into_iter().zip(before).map(|((table, rows), (_, earlier))| (table, rows - earlier)).collect()
}
