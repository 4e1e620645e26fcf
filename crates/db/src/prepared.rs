//! Hand-written SQL that each connection prepares once and then reuses, unlike diesel's
//! `sql_query`, which PostgreSQL parses and analyses again on every execution.
//!
//! Why: the send path's statements are large (a locking read with a sub-select, a
//! three-part writing CTE) and the profile at saturation put PostgreSQL's parse, analysis and
//! planning at about 15 % of all CPU. diesel-async keeps prepared statements per connection
//! keyed by the SQL text and bind types whenever the query does not mark itself unsafe to
//! cache, which `sql_query` always does and this type does not. After five runs PostgreSQL
//! may also keep a generic plan, so planning is saved too (`statistics` keeps those plans
//! fresh as messages grow). Only use it for fixed SQL texts.

use std::marker::PhantomData;

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};

/// One bind parameter with its SQL type.
trait Param: Send + Sync {
    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()>;
}

struct Typed<ST, V>(V, PhantomData<fn() -> ST>);

impl<ST, V> Param for Typed<ST, V>
where
    Pg: HasSqlType<ST>,
    V: ToSql<ST, Pg> + Send + Sync,
{
    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_bind_param::<ST, V>(&self.0)
    }
}

/// A fixed SQL text with placeholders `$1`, `$2`, … (in any order, each as often as needed),
/// bound with [`Prepared::bind`] in number order. Load rows with `QueryableByName` types, as
/// with `sql_query`.
pub struct Prepared<'a> {
    sql: &'static str,
    params: Vec<Box<dyn Param + 'a>>,
}

/// Starts a prepared statement.
pub fn prepared<'a>(sql: &'static str) -> Prepared<'a> {
    Prepared { sql, params: Vec::new() }
}

impl<'a> Prepared<'a> {
    /// Binds the next placeholder.
    pub fn bind<ST, V>(mut self, value: V) -> Self
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + Sync + 'a,
        ST: 'a,
    {
        self.params.push(Box::new(Typed::<ST, V>(value, PhantomData)));
        self
    }
}

/// Splits `sql` at its `$n` placeholders: the text before each, and the text after the last.
fn segments(sql: &str) -> (Vec<(&str, usize)>, &str) {
    let mut pieces = Vec::new();
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        let digits = rest[at + 1..].bytes().take_while(u8::is_ascii_digit).count();
        let Ok(n) = rest[at + 1..at + 1 + digits].parse::<usize>() else {
            // A `$` not followed by a number (none of our statements have one) stays text.
            pieces.push((&rest[..=at], 0));
            rest = &rest[at + 1..];
            continue;
        };
        pieces.push((&rest[..at], n));
        rest = &rest[at + 1 + digits..];
    }
    (pieces, rest)
}

impl QueryFragment<Pg> for Prepared<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let (pieces, tail) = segments(self.sql);
        // diesel numbers the binds it is given in text order and sends their values in that
        // order, so each occurrence pushes its parameter again (a repeat is sent twice).
        for (text, n) in pieces {
            out.push_sql(text);
            if n == 0 {
                continue;
            }
            let param = n.checked_sub(1).and_then(|i| self.params.get(i)).ok_or_else(|| {
                diesel::result::Error::QueryBuilderError(format!("placeholder ${n} has no bound value").into())
            })?;
            param.push(&mut out)?;
        }
        out.push_sql(tail);
        Ok(())
    }
}

impl QueryId for Prepared<'_> {
    // No static id: diesel-async then keys its statement cache by the SQL text and bind types.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Prepared<'_> {
    type SqlType = Untyped;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_split_the_text_in_order() {
        let (pieces, tail) = segments("SELECT $1, x FROM t WHERE a = ANY($2) AND b = $10");
        assert_eq!(pieces, vec![("SELECT ", 1), (", x FROM t WHERE a = ANY(", 2), (") AND b = ", 10)]);
        assert_eq!(tail, "");
        let (pieces, tail) = segments("SELECT 1");
        assert!(pieces.is_empty());
        assert_eq!(tail, "SELECT 1");
    }
}
