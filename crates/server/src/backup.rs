//! `confab backup FILE` and `confab restore FILE`: everything a deployment needs to come back,
//! in one tar file, taken while the server runs.
//!
//! The archive holds, in this order:
//! - `confab-backup.json`: what is inside (format, Confab and PostgreSQL versions, counts);
//! - `database.dump`: `pg_dump --format=custom` of the database (the embedded cluster's or
//!   `DATABASE_URL`'s), readable by `pg_restore`;
//! - `media/blobs/ab/cd/<sha256>`: every blob the dumped database names, when the media store is
//!   local files (`<data-dir>/media/`); an S3 bucket is left to its own backups (versioning,
//!   replication) and the manifest says so;
//! - `jwt-secret`: the generated token secret of the data dir, if there is one, so sessions and
//!   media links stay valid after a restore.
//!
//! Consistency: the dump runs in an exported snapshot, the blob list is read in that same
//! snapshot, and the advisory lock [`db::locks::MEDIA_BLOBS`] keeps the media janitor from
//! removing any blob until they are copied; uploads after the snapshot are not in the dump and
//! are not copied. The file appears under its name only when complete (written as
//! `FILE.partial`, then renamed).

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use db::embedded::{EmbeddedError, EmbeddedPostgres, Options};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::startup::{EMBEDDED_DATABASE, redact};

/// Version of the archive layout; `restore` refuses others.
const FORMAT: u32 = 1;
const MANIFEST: &str = "confab-backup.json";
const DUMP: &str = "database.dump";
const JWT_SECRET: &str = "jwt-secret";

/// What an archive holds: its first entry.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// Archive layout version.
    pub format: u32,
    /// When the snapshot was taken.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The Confab that made it.
    pub confab_version: String,
    /// The database server's major version.
    pub postgres_major: u32,
    /// Blobs in `media/`.
    pub media_blobs: usize,
    /// Their bytes.
    pub media_bytes: u64,
    /// Blobs the database names that were not found in the store (left out).
    pub media_missing: Vec<String>,
    /// Set when the media live elsewhere (an S3 bucket) and are not in the archive.
    pub media_not_included: Option<String>,
    /// Whether `jwt-secret` is in the archive.
    pub jwt_secret: bool,
}

/// Writes a backup of the deployment `settings` describe to `file`.
pub async fn backup(settings: &Settings, file: &Path) -> anyhow::Result<Manifest> {
    let started = Instant::now();
    let (url, mut embedded) = open_existing(settings).await?;
    let result = write_archive(settings, &url, file).await;
    if let Some(cluster) = embedded.as_mut() {
        cluster.stop().context("cannot stop the embedded PostgreSQL")?;
    }
    let manifest = result?;
    tracing::info!(
        file = %file.display(),
        millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        blobs = manifest.media_blobs,
        "backup written"
    );
    Ok(manifest)
}

/// A new, empty file only its owner may read (0600), whatever the umask.
fn private_file(path: &Path) -> anyhow::Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    // `mode` applies to a new file only; a leftover from an interrupted run is narrowed too.
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .with_context(|| format!("cannot restrict {}", path.display()))?;
    Ok(file)
}

async fn write_archive(settings: &Settings, url: &str, file: &Path) -> anyhow::Result<Manifest> {
    let partial = with_suffix(file, ".partial");
    let dump = with_suffix(file, ".partial.dump");
    let result = async {
        let mut conn = AsyncPgConnection::establish(url)
            .await
            .with_context(|| format!("cannot connect to the database {}", redact(url)))?;
        // Blob removal waits until the blobs are copied (see the module docs).
        db::locks::lock_for_session(&mut conn, db::locks::MEDIA_BLOBS).await?;
        conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
        let snapshot: Text = diesel::sql_query("SELECT pg_export_snapshot() AS value").get_result(&mut conn).await?;
        let created_at = chrono::Utc::now();
        let major: Number =
            diesel::sql_query("SELECT (current_setting('server_version_num')::int / 10000)::bigint AS value")
                .get_result(&mut conn)
                .await?;
        let blobs: Vec<Text> =
            diesel::sql_query("SELECT sha256 AS value FROM media_blobs ORDER BY sha256").load(&mut conn).await?;
        let (dump_url, password) = split_password(url)?;
        // Made first, owner-only: pg_dump writes into it as it is, and the archive holds the
        // token secret and every password hash.
        private_file(&dump)?;
        let dump_path = dump.clone();
        let snapshot_id = snapshot.value.clone();
        actix_web::web::block(move || {
            run_tool(
                "pg_dump",
                &[
                    "--format=custom",
                    &format!("--snapshot={snapshot_id}"),
                    &format!("--file={}", dump_path.display()),
                    &format!("--dbname={dump_url}"),
                ],
                password.as_deref(),
            )
        })
        .await
        .map_err(|e| anyhow!("pg_dump was interrupted: {e}"))??;
        conn.batch_execute("COMMIT").await?;

        let out = private_file(&partial)?;
        let mut archive = tar::Builder::new(BufWriter::new(out));
        let mut manifest = Manifest {
            format: FORMAT,
            created_at,
            confab_version: env!("CARGO_PKG_VERSION").to_owned(),
            postgres_major: u32::try_from(major.value).unwrap_or(0),
            media_blobs: 0,
            media_bytes: 0,
            media_missing: Vec::new(),
            media_not_included: settings.media_url.clone(),
            jwt_secret: false,
        };
        // The manifest goes first so `restore` can refuse a wrong archive before unpacking;
        // its counts are final only at the end, so the blobs are measured first.
        let media_dir = settings.data_dir.join("media");
        let mut present = Vec::new();
        if settings.media_url.is_none() {
            for blob in &blobs {
                let name = crate::media::store::blob_path(&blob.value).to_string();
                match fs::metadata(media_dir.join(&name)) {
                    Ok(meta) => {
                        manifest.media_blobs += 1;
                        manifest.media_bytes += meta.len();
                        present.push(name);
                    }
                    Err(_) => manifest.media_missing.push(blob.value.clone()),
                }
            }
        }
        let secret = settings.data_dir.join(JWT_SECRET);
        manifest.jwt_secret = settings.jwt_secret.is_none() && secret.exists();
        let json = serde_json::to_vec_pretty(&manifest)?;
        append_bytes(&mut archive, MANIFEST, &json)?;
        archive.append_path_with_name(&dump, DUMP).context("cannot add the database dump")?;
        for name in &present {
            archive
                .append_path_with_name(media_dir.join(name), format!("media/{name}"))
                .with_context(|| format!("cannot add media/{name}"))?;
        }
        if manifest.jwt_secret {
            archive.append_path_with_name(&secret, JWT_SECRET).context("cannot add the token secret")?;
        }
        let mut out = archive.into_inner().context("cannot finish the archive")?;
        out.flush()?;
        out.get_ref().sync_all().context("cannot sync the archive")?;
        drop(conn);
        if !manifest.media_missing.is_empty() {
            tracing::warn!(missing = manifest.media_missing.len(), "blobs named by the database were not in the store");
        }
        fs::rename(&partial, file)
            .with_context(|| format!("cannot rename {} to {}", partial.display(), file.display()))?;
        Ok(manifest)
    }
    .await;
    let _ = fs::remove_file(&dump);
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result
}

/// Restores the archive `file` into the deployment `settings` describe: an empty (or new) data
/// dir, and an empty database (the embedded one, created here, or `DATABASE_URL`'s).
pub async fn restore(settings: &Settings, file: &Path) -> anyhow::Result<Manifest> {
    let started = Instant::now();
    let data_dir = &settings.data_dir;
    if fs::read_dir(data_dir).is_ok_and(|mut entries| entries.next().is_some()) {
        bail!(
            "the data directory {} is not empty; restore into a new or empty directory (nothing is overwritten)",
            data_dir.display()
        );
    }
    let mut archive = tar::Archive::new(File::open(file).with_context(|| format!("cannot open {}", file.display()))?);
    let mut entries = archive.entries().context("cannot read the archive")?;
    let manifest: Manifest = {
        let mut first =
            entries.next().ok_or_else(|| anyhow!("{} is empty", file.display()))?.context("cannot read the archive")?;
        if first.path()?.as_ref() != Path::new(MANIFEST) {
            bail!("{} is not a Confab backup (it does not start with {MANIFEST})", file.display());
        }
        let mut json = Vec::new();
        first.read_to_end(&mut json)?;
        serde_json::from_slice(&json).context("unreadable backup manifest")?
    };
    if manifest.format != FORMAT {
        bail!("{} has backup format {}; this Confab reads format {FORMAT}", file.display(), manifest.format);
    }
    if settings.media_url.is_some() && manifest.media_blobs > 0 {
        bail!("the backup holds local media files but --media-url points to another store; restore without it");
    }

    fs::create_dir_all(data_dir).with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let (url, mut embedded) = open_empty(settings).await?;
    let result = unpack_and_load(data_dir, entries, &url).await;
    if let Some(cluster) = embedded.as_mut() {
        cluster.stop().context("cannot stop the embedded PostgreSQL")?;
    }
    result?;
    tracing::info!(
        file = %file.display(),
        millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "backup restored"
    );
    Ok(manifest)
}

async fn unpack_and_load(data_dir: &Path, entries: tar::Entries<'_, File>, url: &str) -> anyhow::Result<()> {
    ensure_empty_database(url).await?;
    let dump = data_dir.join(".restore-database.dump");
    for entry in entries {
        let mut entry = entry.context("cannot read the archive")?;
        let name = entry.path()?.into_owned();
        let target = if name == Path::new(DUMP) {
            dump.clone()
        } else if name == Path::new(JWT_SECRET) {
            data_dir.join(JWT_SECRET)
        } else if name.starts_with("media/blobs")
            && name.components().all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            data_dir.join(&name)
        } else {
            bail!("unexpected entry {} in the backup", name.display());
        };
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let mut out = OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(&target)
            .with_context(|| format!("cannot create {}", target.display()))?;
        std::io::copy(&mut entry, &mut out).with_context(|| format!("cannot write {}", target.display()))?;
    }
    let result = load_dump(url, &dump).await;
    let _ = fs::remove_file(&dump);
    result
}

async fn ensure_empty_database(url: &str) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .with_context(|| format!("cannot connect to the database {}", redact(url)))?;
    let tables: Number =
        diesel::sql_query("SELECT count(*)::bigint AS value FROM pg_tables WHERE schemaname = 'public'")
            .get_result(&mut conn)
            .await?;
    if tables.value > 0 {
        bail!("the database {} is not empty; restore into a new, empty database", redact(url));
    }
    Ok(())
}

async fn load_dump(url: &str, dump: &Path) -> anyhow::Result<()> {
    let (restore_url, password) = split_password(url)?;
    let dump = dump.to_owned();
    actix_web::web::block(move || {
        run_tool(
            "pg_restore",
            &[
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                &format!("--dbname={restore_url}"),
                &dump.to_string_lossy(),
            ],
            password.as_deref(),
        )
    })
    .await
    .map_err(|e| anyhow!("pg_restore was interrupted: {e}"))?
}

/// The database to back up: DATABASE_URL, the running server's embedded cluster, or the
/// embedded cluster started for the command (without migrating: the backup is of what is).
async fn open_existing(settings: &Settings) -> anyhow::Result<(String, Option<EmbeddedPostgres>)> {
    if let Some(url) = &settings.database_url {
        return Ok((url.expose_secret().to_owned(), None));
    }
    let root = settings.data_dir.join("postgres");
    if !root.join("pgdata").join("PG_VERSION").exists() {
        bail!(
            "{} holds no embedded database and DATABASE_URL is not set: nothing to back up",
            settings.data_dir.display()
        );
    }
    start_embedded(root).await
}

/// The database to restore into: DATABASE_URL (checked empty later), or a new embedded cluster.
async fn open_empty(settings: &Settings) -> anyhow::Result<(String, Option<EmbeddedPostgres>)> {
    if let Some(url) = &settings.database_url {
        return Ok((url.expose_secret().to_owned(), None));
    }
    let root = settings.data_dir.join("postgres");
    let cluster =
        actix_web::web::block(move || EmbeddedPostgres::start(&Options { root, bin_dir: None, ephemeral: false }))
            .await
            .map_err(|e| anyhow!("the embedded database start-up was interrupted: {e}"))?
            .context("cannot start the embedded PostgreSQL")?;
    db::pool::create_database_if_missing(&cluster.url("postgres"), EMBEDDED_DATABASE)
        .await
        .context("cannot create the database")?;
    Ok((cluster.url(EMBEDDED_DATABASE), Some(cluster)))
}

async fn start_embedded(root: PathBuf) -> anyhow::Result<(String, Option<EmbeddedPostgres>)> {
    let start_root = root.clone();
    let started = actix_web::web::block(move || {
        EmbeddedPostgres::start(&Options { root: start_root, bin_dir: None, ephemeral: false })
    })
    .await
    .map_err(|e| anyhow!("the embedded database start-up was interrupted: {e}"))?;
    match started {
        Ok(cluster) => Ok((cluster.url(EMBEDDED_DATABASE), Some(cluster))),
        // A running server holds it: use it through its port.
        Err(EmbeddedError::Locked(_)) => {
            let url = EmbeddedPostgres::url_of_running(&root, EMBEDDED_DATABASE)
                .ok_or_else(|| anyhow!("the embedded database is in use but its address cannot be read"))?;
            Ok((url, None))
        }
        Err(e) => Err(e).context("cannot start the embedded PostgreSQL"),
    }
}

/// The URL without its password (for a command line, which others may read) and the password
/// (for `PGPASSWORD`, which they may not).
fn split_password(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).map_err(|e| anyhow!("bad database URL {}: {e}", redact(url)))?;
    let password = parsed.password().map(percent_decode);
    let _ = parsed.set_password(None);
    Ok((parsed.to_string(), password))
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

fn run_tool(tool: &str, args: &[&str], password: Option<&str>) -> anyhow::Result<()> {
    let program = db::embedded::client_tool(tool)?;
    let mut command = Command::new(&program);
    command.args(args).stdin(std::process::Stdio::null());
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().with_context(|| format!("cannot run {}", program.display()))?;
    if !output.status.success() {
        let detail = String::from_utf8_lossy(&output.stderr).trim().replace('\n', " ");
        bail!("{tool} failed: {detail}");
    }
    Ok(())
}

fn append_bytes(archive: &mut tar::Builder<BufWriter<File>>, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(u64::try_from(bytes.len())?);
    header.set_mode(0o600);
    header.set_mtime(u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0));
    header.set_cksum();
    archive.append_data(&mut header, name, bytes).with_context(|| format!("cannot add {name}"))
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

#[derive(diesel::QueryableByName)]
struct Number {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    value: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let (url, password) = split_password("postgres://confab:p%40ss+w@127.0.0.1:5432/confab").unwrap();
        assert_eq!(url, "postgres://confab@127.0.0.1:5432/confab");
        assert_eq!(password.as_deref(), Some("p@ss+w"));
        let (_, none) = split_password("postgres://confab@127.0.0.1/confab").unwrap();
        assert_eq!(none, None);
    }
}
