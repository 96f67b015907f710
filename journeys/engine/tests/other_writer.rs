//! Another process writing to the same SQLite file (an import, a report's cache, a second
//! tool) does not fail the engine's batches. A transaction that reads first and writes later
//! cannot wait for such a writer: SQLite refuses its write at once (SQLITE_BUSY_SNAPSHOT) when
//! the other has committed since it read. The engine's transactions take the write lock first.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use journeys_engine::wire::{parse_events, BodyFormat};
use journeys_engine::{Clock, Processor};
use journeys_store::{sqlite_url_for, Store};
use sqlx::Connection;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_commit_while_another_connection_keeps_writing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url_for(&dir.path().join("journeys.db"));
    let store = Store::open(&url).await.expect("open");
    publish_template(&store).await;
    let customers: Vec<(String, String)> = (0..400)
        .map(|i| {
            let c = customer(&format!("W{i}"), "Europe/London");
            (c.id.clone(), serde_json::to_string(&c).expect("json"))
        })
        .collect();
    store.upsert_customers(&customers, T0).await.expect("customers");
    let processor = Processor::new(store.clone(), Clock::manual(T0));
    processor.refresh_versions().await.expect("versions");

    // The other writer: small commits back to back on its own connection, touching a row no
    // batch reads.
    let stop = Arc::new(AtomicBool::new(false));
    let commits = Arc::new(AtomicUsize::new(0));
    let other = {
        let (stop, commits, url) = (Arc::clone(&stop), Arc::clone(&commits), url.clone());
        tokio::spawn(async move {
            let mut conn = sqlx::AnyConnection::connect(&url).await.expect("second connection");
            sqlx::query("CREATE TABLE IF NOT EXISTS other_tool (n BIGINT)").execute(&mut conn).await.expect("table");
            while !stop.load(Ordering::Relaxed) {
                sqlx::query("INSERT INTO other_tool (n) VALUES (1)").execute(&mut conn).await.expect("other write");
                commits.fetch_add(1, Ordering::Relaxed);
                tokio::task::yield_now().await;
            }
        })
    };

    let mut failures = Vec::new();
    for i in 0..400 {
        let body = ndjson(&[event(&format!("w{i}"), &format!("W{i}"), "application_abandoned", T0 + i)]);
        let events = parse_events(body.as_bytes(), BodyFormat::Ndjson).expect("events parse");
        if let Err(e) = processor.ingest_batch(&events).await {
            failures.push(format!("batch {i}: {e}"));
        }
    }
    stop.store(true, Ordering::Relaxed);
    other.await.expect("other writer");
    let stored = store.engine_rows().await.expect("rows").events.len();
    assert!(commits.load(Ordering::Relaxed) > 100, "the other connection wrote alongside ({} commits)", commits.load(Ordering::Relaxed));
    assert!(failures.is_empty() && stored == 400, "{} of 400 batches failed, {stored} events stored: {:?}", failures.len(), failures.iter().take(3).collect::<Vec<_>>());
}
