//! Creating an account, shared by sign-up, the admin API and `confab admin create`: the input
//! is checked and hashed without a database connection, then inserted with one.

use db::models::{NewUser, User};
use diesel_async::AsyncPgConnection;
use protocol::{ErrorCode, UserId};
use uuid::Uuid;

use crate::auth::password::Passwords;
use crate::error::{ApiError, is_unique_violation};
use crate::validate;

/// A checked account with its password hashed, ready to insert.
pub struct NewAccount {
    /// Normalised username.
    pub username: String,
    display_name: String,
    hash: String,
}

/// Checks the fields and hashes the password. No connection is held meanwhile: a hash takes
/// tens of milliseconds and the pool is shared.
pub async fn prepare(
    passwords: &Passwords,
    username: &str,
    display_name: &str,
    password: String,
) -> Result<NewAccount, ApiError> {
    let username = validate::username(username)?;
    let display_name = validate::display_name(display_name)?;
    validate::new_password("password", &password)?;
    let hash = passwords.hash(password).await?;
    Ok(NewAccount { username, display_name, hash })
}

/// Inserts the account; a taken username answers `username_taken`.
pub async fn insert(conn: &mut AsyncPgConnection, account: &NewAccount) -> Result<User, ApiError> {
    let new = NewUser {
        id: UserId(Uuid::now_v7()),
        username: &account.username,
        display_name: &account.display_name,
        avatar_color: validate::default_avatar_color(&account.username),
        password_hash: &account.hash,
        kind: db::columns::StoredAccountKind(protocol::users::AccountKind::Person),
    };
    match db::queries::users::insert(conn, new).await {
        Ok(user) => Ok(user),
        Err(e) if is_unique_violation(&e) => {
            Err(ApiError::field(ErrorCode::UsernameTaken, "username", "this username is taken"))
        }
        Err(e) => Err(ApiError::internal(e)),
    }
}
