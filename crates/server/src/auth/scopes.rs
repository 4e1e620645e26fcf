//! Which token scope each REST route needs. A person's session may do everything; an API
//! token only what its scopes allow:
//!
//! - reading (`GET`, `HEAD`) needs `read`;
//! - writing into a conversation (send, edit, delete, forward, react, mark read, upload, invoke
//!   or answer a slash command) needs `send`, listed below by route;
//! - every other change needs `manage`, so a route added later without thought defaults to the
//!   strongest scope, never to a weaker one.
//!
//! Routes no token may use at all (password, account deletion, two-factor authentication,
//! sessions, tokens, bots, the admin API) take the [`super::SessionUser`] extractor instead,
//! which the compiler holds every such handler to.

use actix_web::http::Method;
use protocol::bots::TokenScope;
use protocol::ws::ClientFrame;

/// Routes (method, pattern as actix matched it) that write into a conversation.
const SEND_ROUTES: &[(Method, &str)] = &[
    (Method::POST, "/api/v1/conversations/{id}/messages"),
    (Method::PATCH, "/api/v1/conversations/{id}/messages/{message_id}"),
    (Method::DELETE, "/api/v1/conversations/{id}/messages/{message_id}"),
    (Method::POST, "/api/v1/conversations/{id}/messages/{message_id}/forward"),
    (Method::POST, "/api/v1/conversations/{id}/read"),
    (Method::PUT, "/api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}"),
    (Method::DELETE, "/api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}"),
    (Method::POST, "/api/v1/media"),
    (Method::POST, "/api/v1/conversations/{id}/commands/{name}"),
    (Method::POST, "/api/v1/conversations/{id}/commands/invocations/{seq}/reply"),
];

/// The scope a token needs for `method` on the route `pattern` (`None` when actix matched no
/// route: the 404 that follows needs no scope).
pub fn for_route(method: &Method, pattern: Option<&str>) -> TokenScope {
    if method == Method::GET || method == Method::HEAD {
        return TokenScope::Read;
    }
    match pattern {
        Some(pattern) if SEND_ROUTES.iter().any(|(m, p)| m == method && *p == pattern) => TokenScope::Send,
        _ => TokenScope::Manage,
    }
}

/// The scope a token needs for a WebSocket frame (opening the socket needs `read`: it delivers
/// every event of the account's conversations).
pub fn for_frame(frame: &ClientFrame) -> Option<TokenScope> {
    match frame {
        ClientFrame::SendMessage { .. }
        | ClientFrame::EditMessage { .. }
        | ClientFrame::DeleteMessage { .. }
        | ClientFrame::MarkRead { .. }
        | ClientFrame::Delivered { .. }
        | ClientFrame::Typing { .. } => Some(TokenScope::Send),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_need_read_and_unknown_changes_need_manage() {
        assert_eq!(for_route(&Method::GET, Some("/api/v1/conversations/{id}/messages")), TokenScope::Read);
        assert_eq!(for_route(&Method::POST, Some("/api/v1/conversations/{id}/messages")), TokenScope::Send);
        assert_eq!(for_route(&Method::POST, Some("/api/v1/conversations")), TokenScope::Manage);
        assert_eq!(for_route(&Method::POST, Some("/api/v1/some/future/route")), TokenScope::Manage);
    }
}
