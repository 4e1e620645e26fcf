//! Moves the message search indexes' pending entries into the indexes, off the send path.
//!
//! Why: both search indexes on `messages` (full text and trigrams) are GIN indexes, which add
//! new rows' entries to a pending list and merge that list into the index once it passes
//! `gin_pending_list_limit` (4 MB). The merge is done by whichever insert passes the limit, so
//! at 5,000 msgs/s one writer batch in every second or so spent 100 ms or more merging while
//! its callers, and the commands queued behind it, waited (the p99 of the `max` ramp's 5,359
//! step). Merged in the background about every second, the list stays under the limit and no
//! insert merges; an insert that finds a merge under way does not wait for it. Inserting each
//! entry directly instead (`fastupdate = off`) was measured too: PostgreSQL's CPU per message
//! went up by half.

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(QueryableByName)]
struct Merged {
    #[diesel(sql_type = BigInt)]
    pages: i64,
}

/// Merges both indexes' pending lists; answers how many pending pages were merged.
pub async fn merge_pending(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i64> {
    let merged = diesel::sql_query(
        "SELECT gin_clean_pending_list('messages_search'::regclass) \
              + gin_clean_pending_list('messages_body_trgm'::regclass) AS pages",
    )
    .get_result::<Merged>(conn)
    .await?;
    Ok(merged.pages)
}
