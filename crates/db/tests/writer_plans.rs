//! The writer's statements look their rows up by index whatever the planner's statistics say.
//! The writer runs them with generic plans (`Plans::Generic`: made once per connection, not at
//! every batch), and a generic plan does not know how long the batch's arrays are. Session 18
//! saw `index_getnext_tid` at 46 % of the machine with generic plans (the 10 % edit mix at
//! 6,699 commands/s) and reverted them. Since then each statement that changes existing rows
//! also says `id = ANY($1)`, an index condition whatever the estimate, and the replay check
//! probes one `(sender, client_msg_id)` pair at a time (it probed every sender with every key:
//! 577 buffers per batch at 5,357 commands/s, the likeliest cause of that profile).
//!
//! The check counts the rows PostgreSQL fetched or scanned in `messages` and `conversations`
//! for this transaction (`pg_stat_xact_user_tables`) while grown tables with stale statistics
//! take batches of every kind of change, through the writer's own entry point. It fails when
//! a statement reads either table whole (tried: `CHANGE_MESSAGES` joined on `id::text`).

#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test, with its location")]

mod support;

use db::queries::changes::{Command, Deleter, NewMessage, apply_batch};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::conversations::MemberRole;
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

/// Messages and conversations added after the statistics were taken (others' traffic).
const GROWN_MESSAGES: i64 = 60_000;
const GROWN_CONVERSATIONS: i64 = 6_000;
/// Batches run on the grown tables, and commands in each.
const BATCHES: usize = 12;
const PER_BATCH: usize = 8;

async fn run(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql).execute(conn).await.unwrap();
}

fn send(conversation: Uuid, sender: Uuid, body: &str) -> Command {
    Command::Send(NewMessage::text(ConversationId(conversation), UserId(sender), body))
}

/// The ids of `conversation`'s newest messages, newest first.
async fn newest(conn: &mut AsyncPgConnection, conversation: Uuid, n: usize) -> Vec<Uuid> {
    use db::schema::messages;
    use diesel::{BoolExpressionMethods, ExpressionMethods, QueryDsl};
    messages::table
        .filter(messages::conversation_id.eq(conversation).and(messages::deleted_at.is_null()))
        .order(messages::seq.desc())
        .limit(i64::try_from(n).unwrap())
        .select(messages::id)
        .load(conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn writer_statements_look_rows_up_by_index_after_the_tables_outgrow_their_statistics() {
    let database = db::testing::TestDatabase::create().await;
    let mut conn = AsyncPgConnection::establish(database.url()).await.unwrap();
    let (owner, member, group) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    // Only this test decides when the tables are analysed.
    for table in ["messages", "conversations", "conversation_members", "events", "message_reactions"] {
        run(&mut conn, &format!("ALTER TABLE {table} SET (autovacuum_enabled = false)")).await;
    }
    run(
        &mut conn,
        &format!(
            "INSERT INTO users (id, username, display_name, avatar_color, password_hash) \
             VALUES ('{owner}', 'owner', 'Owner', '#000000', ''), ('{member}', 'member', 'Member', '#000000', '')"
        ),
    )
    .await;
    run(
        &mut conn,
        &format!("INSERT INTO conversations (id, kind, title, created_by) VALUES ('{group}', 'group', 'g', '{owner}')"),
    )
    .await;
    run(
        &mut conn,
        &format!(
            "INSERT INTO conversation_members (conversation_id, user_id, role) \
             VALUES ('{group}', '{owner}', 'owner'), ('{group}', '{member}', 'member')"
        ),
    )
    .await;
    // Half the history, analysed (as `db::statistics` does at each doubling)...
    let grow = || {
        format!(
            "WITH c AS (INSERT INTO conversations (id, kind, title, created_by) \
                SELECT gen_random_uuid(), 'group', 'other', '{owner}' FROM generate_series(1, {n}) RETURNING id) \
             INSERT INTO messages (id, conversation_id, seq, sender_id, client_msg_id, body) \
             SELECT gen_random_uuid(), c.id, g, '{owner}', gen_random_uuid(), 'grown' \
             FROM c, generate_series(1, {per}) AS g",
            n = GROWN_CONVERSATIONS / 2,
            per = GROWN_MESSAGES / GROWN_CONVERSATIONS,
        )
    };
    run(&mut conn, &grow()).await;
    let first: Vec<Command> = (0..40).map(|i| send(group, owner, &format!("first {i}"))).collect();
    assert!(apply_batch(&mut conn, &first).await.unwrap().iter().all(Result::is_ok));
    db::statistics::refresh(&mut conn).await.unwrap();
    run(&mut conn, "ANALYZE conversations, conversation_members, message_reactions").await;
    // ...then it doubles before the next refresh.
    run(&mut conn, &grow()).await;

    conn.transaction(async |conn| {
        let before = support::rows_read(conn, &["conversations", "messages"]).await?;
        for round in 0..BATCHES {
            // Fresh messages each round, so that every change below is accepted.
            let sends: Vec<Command> = (0..PER_BATCH).map(|i| send(group, owner, &format!("to change {i}"))).collect();
            assert!(apply_batch(conn, &sends).await?.iter().all(Result::is_ok));
            let targets = newest(conn, group, PER_BATCH).await;
            // Every kind of change the store writes with a join to the batch's arrays, in
            // batches of varying length (a generic plan is the same for all of them).
            let mut batch: Vec<Command> = Vec::new();
            for (i, id) in targets.iter().enumerate().take(1 + round % PER_BATCH) {
                let message = MessageId(*id);
                batch.push(match i % 4 {
                    0 => Command::Edit {
                        conversation: ConversationId(group),
                        editor: UserId(owner),
                        message,
                        body: format!("edited {round}"),
                    },
                    1 => Command::React {
                        conversation: ConversationId(group),
                        user: UserId(member),
                        message,
                        emoji: "👍".into(),
                        add: true,
                    },
                    2 => Command::Pin {
                        conversation: ConversationId(group),
                        actor: UserId(owner),
                        message,
                        pinned: true,
                    },
                    _ => Command::Delete {
                        conversation: ConversationId(group),
                        by: Deleter::Member(UserId(owner)),
                        message,
                    },
                });
            }
            batch.push(Command::Rename {
                conversation: ConversationId(group),
                actor: UserId(owner),
                title: format!("round {round}"),
            });
            batch.push(Command::SetRole {
                conversation: ConversationId(group),
                actor: UserId(owner),
                target: UserId(member),
                role: if round % 2 == 0 { MemberRole::Admin } else { MemberRole::Member },
            });
            batch.push(send(group, member, "new"));
            let answers = apply_batch(conn, &batch).await?;
            for (command, answer) in batch.iter().zip(&answers) {
                assert!(answer.is_ok(), "{command:?} refused: {answer:?}");
            }
        }
        let reads = support::since(&before, support::rows_read(conn, &["conversations", "messages"]).await?);
        // A lookup per command reads a handful of rows; a scan of either table reads
        // thousands, once per batch.
        let budget = i64::try_from(BATCHES * (2 * PER_BATCH + 3) * 20).unwrap();
        assert!(reads.iter().all(|(_, rows)| *rows <= budget), "the writer read more than {budget} rows: {reads:?}");
        diesel::QueryResult::Ok(())
    })
    .await
    .unwrap();
}
