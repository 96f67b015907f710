//! Crash safety: an engine stopped dead mid-stream and started again over the same database
//! and sink directory delivers exactly the keys an uninterrupted run delivers, none twice.

mod support;

use std::path::Path;
use std::time::Duration;

use journeys_engine::{Clock, Engine, EngineConfig};
use journeys_store::Store;
use serde_json::{json, Value};
use support::*;

const CUSTOMERS: usize = 12;

fn population() -> Value {
    let zones = ["Europe/London", "Pacific/Auckland", "America/New_York"];
    json!((0..CUSTOMERS).map(|i| customer(&format!("C{i:02}"), zones[i % zones.len()])).collect::<Vec<_>>())
}

fn events() -> Vec<Value> {
    (0..CUSTOMERS)
        .map(|i| event(&format!("e{i:02}"), &format!("C{i:02}"), "application_abandoned", T0 + i as i64 * 60_000))
        .chain((0..CUSTOMERS).step_by(4).map(|i| event(&format!("done{i:02}"), &format!("C{i:02}"), "application_completed", T0 + 2 * HOUR)))
        .collect()
}

fn config(clock: &Clock, sink: &Path) -> EngineConfig {
    EngineConfig { listen: "127.0.0.1:0".into(), sink_dir: Some(sink.to_path_buf()), clock: clock.clone(), ..EngineConfig::default() }
}

async fn settle(store: &Store, sink: &Path) {
    wait_for("the outbox to drain", Duration::from_secs(30), || async {
        store.undelivered(1).await.map(|r| r.is_empty()).unwrap_or(false) && store.due_deferrals(T0 + 6 * 24 * HOUR, 1, journeys_store::Scope::All).await.map(|r| r.is_empty()).unwrap_or(false)
    })
    .await;
    let _ = sink;
}

/// The keys delivered by one uninterrupted run.
async fn uninterrupted(store: Store, sink: &Path) -> Vec<String> {
    let clock = Clock::manual(T0);
    let engine = Engine::start(store.clone(), config(&clock, sink)).await.expect("start");
    let addr = engine.local_addr();
    post_json(addr, "/v1/customers", &population()).await;
    let (status, body) = post_json(addr, "/v1/events", &json!(events())).await;
    assert_eq!(status, 200, "{body}");
    clock.set(T0 + 6 * 24 * HOUR);
    tokio::time::sleep(Duration::from_millis(300)).await;
    settle(&store, sink).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    engine.shutdown().await;
    keys(&sink_lines(sink))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_mid_stream_delivers_the_same_keys_once() {
    each_backend(|db| async move {
        publish_template(&db.store).await;
        let reference_dir = tempfile::tempdir().expect("dir");
        let reference_store = Store::open(&journeys_store::sqlite_url_for(&reference_dir.path().join("ref.db"))).await.expect("reference db");
        publish_template(&reference_store).await;
        let expected = uninterrupted(reference_store, &reference_dir.path().join("sink")).await;
        assert!(expected.len() >= 2 * CUSTOMERS, "the reference run delivers: {expected:?}");

        let sink = db.dir.path().join("sink");
        let all = events();
        let clock = Clock::manual(T0);
        let engine = Engine::start(db.store.clone(), config(&clock, &sink)).await.expect("start");
        let addr = engine.local_addr();
        post_json(addr, "/v1/customers", &population()).await;
        post_json(addr, "/v1/events", &json!(all[..CUSTOMERS / 2])).await;
        // Past the first emails, before the completions (at T0 + 2 h), so every event still
        // arrives in time order, as in the reference run. Stop dead while timers fire and the
        // relay delivers.
        clock.set(T0 + 90 * 60_000);
        tokio::time::sleep(Duration::from_millis(150)).await;
        engine.kill().await;
        db.store.close().await;
        let delivered_before = sink_lines(&sink).len();

        // Restart over the same database and sink; the client re-sends everything.
        let store = Store::open(&db.url).await.expect("reopen");
        let engine = Engine::start(store.clone(), config(&clock, &sink)).await.expect("restart");
        let addr = engine.local_addr();
        let (status, body) = post_json(addr, "/v1/events", &json!(all)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["duplicates"].as_u64(), Some((CUSTOMERS / 2) as u64), "the events stored before the crash: {body}");
        clock.set(T0 + 6 * 24 * HOUR);
        tokio::time::sleep(Duration::from_millis(300)).await;
        settle(&store, &sink).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        engine.shutdown().await;

        let lines = sink_lines(&sink);
        let delivered = keys(&lines);
        let mut unique = delivered.clone();
        unique.dedup();
        assert_eq!(unique.len(), delivered.len(), "no key twice in the sink (had {delivered_before} lines at the crash)");
        assert_eq!(delivered, expected, "the same keys as the uninterrupted run");
    })
    .await;
}
