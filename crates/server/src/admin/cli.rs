//! `confab admin create <username>` and `confab admin promote <username>`: how the first
//! administrator comes to exist; `confab admin reset-two-factor <username>`: the way back in
//! for someone who lost their authenticator and their recovery codes (an admin among them). They open the same database the server would: DATABASE_URL,
//! or the embedded cluster in the data dir (started for the command, or the running server's).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, anyhow, bail};
use protocol::users::Role;
use protocol::{ErrorCode, UserId};

use crate::auth::accounts;
use crate::auth::password::Passwords;
use crate::config::{AdminCommand, Settings};
use crate::validate;

/// Runs an admin sub-command to completion.
pub async fn run(settings: Settings, command: AdminCommand) -> anyhow::Result<()> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create the data directory {}", settings.data_dir.display()))?;
    let (url, mut embedded) = match crate::startup::open_database(&settings).await {
        Ok(opened) => opened,
        // A running server holds the embedded cluster: use it through its port.
        Err(e) if is_locked(&e) => {
            let root = settings.data_dir.join("postgres");
            let url = db::embedded::EmbeddedPostgres::url_of_running(&root, crate::startup::EMBEDDED_DATABASE)
                .ok_or_else(|| anyhow!("the embedded database is in use but its address cannot be read"))?;
            (url, None)
        }
        Err(e) => return Err(e),
    };
    let result = execute(&url, command).await;
    if let Some(cluster) = embedded.as_mut() {
        cluster.stop().context("cannot stop the embedded PostgreSQL")?;
    }
    result
}

fn is_locked(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| matches!(cause.downcast_ref(), Some(db::embedded::EmbeddedError::Locked(_))))
}

async fn execute(url: &str, command: AdminCommand) -> anyhow::Result<()> {
    let pool = db::pool::build_pool(url, 1)?;
    let mut conn = db::pool::checkout(&pool).await.map_err(|e| anyhow!("{e}"))?;
    match command {
        AdminCommand::Create { username, display_name } => {
            // A bad username is said before the password is asked for.
            validate::username(&username).map_err(|e| anyhow!("{}", e.message()))?;
            let display_name = display_name.unwrap_or_else(|| username.clone());
            let password = read_password()?;
            let account = accounts::prepare(&Passwords::new(1), &username, &display_name, password)
                .await
                .map_err(|e| anyhow!("{}", e.message()))?;
            let username = account.username.clone();
            let user = match accounts::insert(&mut conn, &account).await {
                Ok(user) => user,
                Err(e) if e.code() == ErrorCode::UsernameTaken => {
                    bail!("the username {username:?} is taken; use `confab admin promote {username}`")
                }
                Err(e) => return Err(anyhow!("{e}")),
            };
            promote(&mut conn, user.id).await?;
            println!("created administrator {username}");
        }
        AdminCommand::Promote { username } => {
            let user = db::queries::users::by_username(&mut conn, &username)
                .await?
                .filter(|u| u.deleted_at.is_none())
                .ok_or_else(|| anyhow!("no user named {username:?}"))?;
            promote(&mut conn, user.id).await?;
            println!("{} is now an administrator", user.username);
        }
        AdminCommand::ResetTwoFactor { username } => {
            let user = db::queries::users::by_username(&mut conn, &username)
                .await?
                .filter(|u| u.deleted_at.is_none())
                .ok_or_else(|| anyhow!("no user named {username:?}"))?;
            if db::queries::two_factor::of(&mut conn, user.id).await?.is_none() {
                bail!("{} has no two-factor authentication to reset", user.username);
            }
            db::queries::two_factor::disable(&mut conn, user.id).await?;
            println!("two-factor authentication of {} is off; they sign in with their password", user.username);
        }
    }
    Ok(())
}

async fn promote(conn: &mut diesel_async::AsyncPgConnection, user: UserId) -> anyhow::Result<()> {
    match db::queries::admin::set_role(conn, user, Role::Admin).await? {
        db::queries::admin::RoleChange::Changed(_) => Ok(()),
        _ => bail!("cannot promote this user"),
    }
}

/// Reads the password twice from a terminal (not echoed), or once from piped standard input.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Password again: ")?;
        if first != second {
            bail!("the passwords differ");
        }
        Ok(first)
    } else {
        eprint!("Password (from standard input): ");
        std::io::stderr().flush().ok();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\n', '\r']).to_owned())
    }
}
