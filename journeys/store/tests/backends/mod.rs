//! Runs a test body once per database backend, each on a fresh, empty database.

use std::future::Future;

use journeys_store::{sqlite_url_for, Store};

pub struct TestDb {
    pub store: Store,
    /// Keeps the SQLite file's directory alive for the test's duration.
    _dir: Option<tempfile::TempDir>,
}

/// SQLite always; PostgreSQL when `JOURNEYS_TEST_POSTGRES_URL` is set. Under CI the
/// PostgreSQL run is required, so a broken setup fails instead of silently skipping.
pub async fn each_backend<F, Fut>(body: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&sqlite_url_for(&dir.path().join("test.db"))).await.expect("open sqlite");
    body(TestDb { store, _dir: Some(dir) }).await;

    match std::env::var("JOURNEYS_TEST_POSTGRES_URL") {
        Ok(base) => {
            let store = Store::open(&fresh_postgres_database(&base).await).await.expect("open postgres");
            body(TestDb { store, _dir: None }).await;
        }
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI must run the PostgreSQL tests: JOURNEYS_TEST_POSTGRES_URL is not set (run `cargo xtask test`)")
        }
        Err(_) => eprintln!("skipping PostgreSQL: JOURNEYS_TEST_POSTGRES_URL is not set (`cargo xtask test` starts a server)"),
    }
}

/// Create an empty database on the server and return its URL.
async fn fresh_postgres_database(base_url: &str) -> String {
    use sqlx::Connection;
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "journeys_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(base_url).await.expect("connect to test postgres");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
    let (prefix, _) = base_url.rsplit_once('/').expect("postgres URL has a database path");
    format!("{prefix}/{name}")
}
