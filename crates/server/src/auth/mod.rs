//! Authentication: password hashing, access and refresh tokens, API tokens and their scopes,
//! the `AuthUser` and `SessionUser` extractors and the login rate limiter. Handlers only ever
//! see an `AuthUser` (or `SessionUser`) or an error.

pub mod accounts;
pub mod api_tokens;
pub mod extractor;
pub mod password;
pub mod rate_limit;
pub mod scopes;
pub mod signout;
pub mod tokens;
pub mod two_factor;

pub use extractor::{AuthUser, Credential, SessionUser};
