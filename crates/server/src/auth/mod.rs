//! Authentication: password hashing, access and refresh tokens, the `AuthUser` extractor and
//! the login rate limiter. Handlers only ever see an `AuthUser` or an error.

pub mod accounts;
pub mod extractor;
pub mod password;
pub mod rate_limit;
pub mod signout;
pub mod tokens;
pub mod two_factor;

pub use extractor::AuthUser;
