//! Shared test support: each backend (SQLite file always; PostgreSQL when
//! `JOURNEYS_TEST_POSTGRES_URL` is set, required under CI), a published template journey, sample
//! customers, a tiny HTTP/1.1 client over a real socket, and sink readers.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use journeys_core::population::{generate_customer, Customer};
use journeys_store::{sqlite_url_for, Role, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct TestDb {
    pub store: Store,
    /// To open the same database again (a restart).
    pub url: String,
    pub dir: tempfile::TempDir,
}

pub async fn each_backend<F, Fut>(body: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url_for(&dir.path().join("engine.db"));
    let store = Store::open(&url).await.expect("open sqlite");
    body(TestDb { store, url, dir }).await;

    match std::env::var("JOURNEYS_TEST_POSTGRES_URL") {
        Ok(base) => {
            let url = fresh_postgres_database(&base).await;
            let store = Store::open(&url).await.expect("open postgres");
            body(TestDb { store, url, dir: tempfile::tempdir().expect("temp dir") }).await;
        }
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI must run the PostgreSQL tests: JOURNEYS_TEST_POSTGRES_URL is not set (run `cargo xtask test`)")
        }
        Err(_) => eprintln!("skipping PostgreSQL: JOURNEYS_TEST_POSTGRES_URL is not set (`cargo xtask test` starts a server)"),
    }
}

async fn fresh_postgres_database(base_url: &str) -> String {
    use sqlx::Connection;
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!("journeys_engine_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(base_url).await.expect("connect to test postgres");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
    let (prefix, _) = base_url.rsplit_once('/').expect("postgres URL has a database path");
    format!("{prefix}/{name}")
}

pub const JOURNEY: &str = "loan-application-abandonment";

/// 2026-01-12 09:00 UTC, a Monday in winter (London = UTC).
pub const T0: i64 = 1_768_208_400_000;
pub const HOUR: i64 = 3_600_000;

/// Publish the template through the store's four-eyes workflow; returns `JOURNEY@N`.
pub async fn publish_template(store: &Store) -> String {
    let template = journeys_core::catalog::template(JOURNEY).expect("template");
    publish_journey(store, &journeys_core::template::instantiate(&template, JOURNEY)).await
}

/// Publish `journey` (submitted by dana, approved and published by rui); returns `ID@N`.
pub async fn publish_journey(store: &Store, journey: &journeys_core::Journey) -> String {
    if store.users().await.expect("users").is_empty() {
        store.add_user("dana", Role::Designer, None).await.expect("designer");
        store.add_user("rui", Role::Reviewer, None).await.expect("reviewer");
    }
    let version = store.submit(journey, "dana").await.expect("submit");
    store.approve(&version.reference(), "rui", "checked").await.expect("approve");
    store.publish(&version.reference(), "rui").await.expect("publish");
    version.reference()
}

/// A customer with every consent, in `zone`.
pub fn customer(id: &str, zone: &str) -> Customer {
    let mut c = generate_customer(7, 1);
    c.id = id.into();
    c.time_zone = zone.into();
    c.consent_email = true;
    c.consent_sms = true;
    c.consent_push = true;
    c.consent_in_app = true;
    c
}

pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).expect("time").to_rfc3339()
}

pub fn event(id: &str, customer: &str, kind: &str, at: i64) -> serde_json::Value {
    serde_json::json!({ "id": id, "customer_id": customer, "type": kind, "time": rfc3339(at) })
}

pub fn ndjson(items: &[serde_json::Value]) -> String {
    items.iter().map(|i| format!("{i}\n")).collect()
}

/// One request over a fresh connection; returns the status and the body.
pub async fn request(addr: SocketAddr, method: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write head");
    // The server may answer (413) and close before reading a large body.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

pub async fn post_json(addr: SocketAddr, path: &str, value: &serde_json::Value) -> (u16, serde_json::Value) {
    let (status, body) = request(addr, "POST", path, "application/json", value.to_string().as_bytes()).await;
    (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::Null))
}

pub async fn get_json(addr: SocketAddr, path: &str) -> (u16, serde_json::Value) {
    let (status, body) = request(addr, "GET", path, "application/json", b"").await;
    (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::Null))
}

/// Wait until `check` holds (polling), or fail naming `what`.
pub async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every line of every `*.ndjson` file in the sink, parsed.
pub fn sink_lines(dir: &Path) -> Vec<serde_json::Value> {
    let mut lines = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return lines };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "ndjson")).collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("read sink");
        lines.extend(text.lines().map(|l| serde_json::from_str(l).expect("sink line is JSON")));
    }
    lines
}

pub fn keys(lines: &[serde_json::Value]) -> Vec<String> {
    let mut keys: Vec<String> = lines.iter().map(|l| l["idempotency_key"].as_str().expect("key").to_string()).collect();
    keys.sort();
    keys
}

/// The usual team: ada (admin), dana (designer), rui (reviewer; `publish_journey` acts as them).
pub async fn add_team(store: &Store) {
    store.add_user("ada", Role::Admin, None).await.expect("admin");
    store.add_user("dana", Role::Designer, None).await.expect("designer");
    store.add_user("rui", Role::Reviewer, None).await.expect("reviewer");
}

/// The simulator's path for one customer over `days`, from its trace (the trigger, then every
/// node moved to), when nothing happens but the replayed `history`: no background events,
/// responses or churn.
pub fn simulated_path(journey: &journeys_core::interpret::CompiledJourney, customer: &Customer, history: &std::sync::Arc<journeys_core::simulate::History>, days: u32) -> Vec<String> {
    use journeys_core::simulate::{simulate, Options, Population, Scenario};
    let scenario: Scenario = serde_json::from_value(serde_json::json!({ "default_event_rate": 0.0, "goal_base_rate": 0.0, "channels": {}, "annual_churn": 0.0 })).expect("scenario");
    let options = Options { days, threads: 1, trace: Some(customer.id.clone()), history: Some(std::sync::Arc::clone(history)), ..Options::default() };
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let report = simulate(journey, &Population::Given(std::slice::from_ref(customer)), &scenario, &options, &cancel, &|_, _| {}).expect("simulate");
    let mut path = Vec::new();
    for step in report.trace.expect("trace").steps {
        if let Some(trigger) = step.what.strip_prefix("entered by ") {
            path = vec![trigger.to_string()];
        } else if let Some((_, to)) = step.what.split_once("--> ") {
            path.push(to.to_string());
        }
    }
    path
}
