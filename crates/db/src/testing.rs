//! Test databases on a real PostgreSQL: one private cluster per test process, a template
//! database migrated once, and one fresh database per test cloned from it and dropped after.
//!
//! Set CONFAB_TEST_DATABASE_URL (a superuser URL) to use an existing server instead.

use std::sync::OnceLock;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::distr::{Alphanumeric, SampleString};

use crate::embedded::EmbeddedPostgres;

const TEMPLATE: &str = "confab_template";

struct Server {
    // Kept alive for the whole test process; its guardian stops it when the process exits.
    _cluster: Option<EmbeddedPostgres>,
    base_url: String,
}

impl Server {
    /// The URL of `database` on this server.
    fn url(&self, database: &str) -> String {
        let mut url = url::Url::parse(&self.base_url).unwrap_or_else(|e| panic!("bad test URL: {e}"));
        url.set_path(&format!("/{database}"));
        url.to_string()
    }
}

static SERVER: OnceLock<Server> = OnceLock::new();

#[expect(clippy::expect_used, reason = "test set-up fails loudly, with the reason")]
fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        let (cluster, base_url) = match std::env::var("CONFAB_TEST_DATABASE_URL") {
            Ok(url) => (None, url),
            Err(_) => {
                let cluster = EmbeddedPostgres::start_ephemeral().expect("start a test PostgreSQL cluster");
                let url = cluster.url("postgres");
                (Some(cluster), url)
            }
        };
        let server = Server { _cluster: cluster, base_url };
        let admin = server.url("postgres");
        let template = server.url(TEMPLATE);
        // A thread of its own: this may be first called from inside a test's async runtime.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let mut conn = AsyncPgConnection::establish(&admin).await.expect("connect to test cluster");
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .expect("drop old template");
                diesel::sql_query(format!("CREATE DATABASE {TEMPLATE}"))
                    .execute(&mut conn)
                    .await
                    .expect("create template");
            });
            crate::migrations::run_pending(&template).expect("migrate the template database");
        })
        .join()
        .expect("template set-up thread");
        server
    })
}

/// A fresh, migrated database for one test; dropped when this value is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
}

impl TestDatabase {
    /// Clones the migrated template into a new database.
    #[expect(clippy::expect_used, reason = "test set-up fails loudly, with the reason")]
    pub async fn create() -> Self {
        let server = server();
        let name = format!("test_{}", Alphanumeric.sample_string(&mut rand::rng(), 16).to_lowercase());
        let mut conn = AsyncPgConnection::establish(&server.url("postgres")).await.expect("connect to test cluster");
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        Self { url: server.url(&name), name }
    }

    /// Connection URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Name of this database.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Superuser URL of the server's maintenance database, for tests that manage databases.
    pub fn admin_url(&self) -> String {
        server().url("postgres")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin = server().url("postgres");
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let name = self.name.clone();
        // On a thread of its own, not waited for. Drop runs inside the test's runtime, which
        // may still have a connection to this database half-way through its handshake (a
        // task the app started just before the test ended); PostgreSQL's DROP waits for that
        // backend, and the handshake cannot finish while this thread blocks the runtime, so
        // waiting here stalled such tests for PostgreSQL's 60 s authentication_timeout. Once
        // the test returns, its runtime goes, the half-open connection closes, and the DROP
        // goes through. (The cluster is the test process's own and goes with it anyway.)
        std::thread::spawn(move || {
            let dropped = tokio::runtime::Builder::new_current_thread().enable_all().build().ok().and_then(|runtime| {
                runtime.block_on(async {
                    let mut conn = AsyncPgConnection::establish(&admin).await.ok()?;
                    diesel::sql_query(sql).execute(&mut conn).await.ok()
                })
            });
            if dropped.is_none() {
                eprintln!("warning: could not drop test database {name}");
            }
        });
    }
}
