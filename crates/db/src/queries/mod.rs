//! Queries, one module per area. Each takes `&mut AsyncPgConnection`, so the caller owns the
//! transaction; functions that must be atomic open their own (nested ones become savepoints).

pub mod admin;
pub mod api_tokens;
pub mod bot_commands;
pub mod bots;
pub mod changes;
pub mod conversations;
pub mod media;
pub mod messages;
pub mod push;
pub mod reactions;
pub mod sessions;
pub mod social;
pub mod summaries;
pub mod two_factor;
pub mod users;
pub mod webhooks;

diesel::define_sql_function! {
    /// SQL `lower(text)`.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Escapes `%`, `_` and `\` so user input matches literally inside a LIKE pattern.
pub fn like_prefix(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_prefix_escapes_wildcards() {
        assert_eq!(super::like_prefix("a_b%c\\"), "a\\_b\\%c\\\\%");
    }
}
