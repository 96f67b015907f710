//! `journeys ingest` and `journeys serve` as real processes on a real SQLite file: events from a
//! file are processed once; a `serve` killed with SIGKILL mid-delivery and started again
//! delivers every action exactly once to the sink.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use journeys_store::{sqlite_url_for, Store};

mod support;

use support::*;

const CUSTOMERS: usize = 150;

fn journeys(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_journeys"));
    command.env("DATABASE_URL", url).env_remove("JOURNEYS_LOG");
    command
}

/// Abandonments two hours ago: the one-hour wait is over at once, so each customer gets the email.
fn events_file(dir: &Path) -> std::path::PathBuf {
    let at = chrono::Utc::now() - chrono::Duration::hours(2);
    let text: String = (0..CUSTOMERS)
        .map(|i| format!("{}\n", serde_json::json!({"id": format!("e{i:03}"), "customer_id": format!("C{i:03}"), "type": "application_abandoned", "time": at.to_rfc3339()})))
        .collect();
    let path = dir.join("events.ndjson");
    std::fs::write(&path, text).expect("write events");
    path
}

#[test]
fn ingest_then_serve_survives_kill_9_and_delivers_each_action_once() {
    let dir = tempfile::tempdir().expect("dir");
    let url = sqlite_url_for(&dir.path().join("engine.db"));
    publish_template_for_customers(&url, CUSTOMERS, 3);
    let events = events_file(dir.path());

    let out = journeys(&url).arg("ingest").arg(&events).output().expect("run ingest");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("{CUSTOMERS} accepted, 0 duplicates"));
    let out = journeys(&url).arg("ingest").arg(&events).output().expect("run ingest again");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("0 accepted, {CUSTOMERS} duplicates"));

    let bad = dir.path().join("bad.ndjson");
    std::fs::write(&bad, "{\"id\":\"x\",\"customer_id\":\"NOBODY\",\"type\":\"t\",\"time\":\"2026-01-01T00:00:00Z\"}\n").expect("write");
    let out = journeys(&url).arg("ingest").arg(&bad).output().expect("run ingest bad");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.ndjson:1: event 'x' names unknown customer 'NOBODY'"));

    let sink = dir.path().join("sink");
    let serve = |port: u16| {
        journeys(&url)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--sink-dir"])
            .arg(&sink)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(Engine)
            .expect("spawn serve")
    };
    let mut child = serve(free_port());
    let start = Instant::now();
    while sink_keys(&sink).len() < 5 {
        assert!(start.elapsed() < Duration::from_secs(60), "serve delivered nothing");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.0.kill().expect("SIGKILL");
    let _ = child.0.wait();
    let at_kill = sink_keys(&sink).len();
    eprintln!("killed serve after {at_kill} of {CUSTOMERS} deliveries");

    let port = free_port();
    let mut child = serve(port);
    let start = Instant::now();
    while sink_keys(&sink).len() < CUSTOMERS {
        assert!(start.elapsed() < Duration::from_secs(60), "restarted serve did not finish: {} of {CUSTOMERS}", sink_keys(&sink).len());
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    // SIGTERM: a graceful stop.
    let _ = Command::new("kill").arg(child.0.id().to_string()).status();
    let status = child.0.wait().expect("wait");
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");

    let mut keys = sink_keys(&sink);
    assert_eq!(keys.len(), CUSTOMERS, "every email once (killed at {at_kill})");
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), CUSTOMERS, "no key twice");
    assert!(keys.iter().all(|k| k.starts_with(&format!("{JOURNEY}@1:C")) && k.ends_with(":email_resume:1")), "{keys:?}");
}

#[test]
fn bench_engine_reports_the_rates_and_their_ratio() {
    let out = Command::new(env!("CARGO_BIN_EXE_journeys"))
        .args(["bench", "engine", "--events", "600"])
        .output()
        .expect("run bench");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for label in [
        "in memory",
        "durable, group commit",
        "durable, one transaction per event",
        "raw batched insert",
        "durable / raw: ",
        "due wake-ups fired/s",
        "latency, offered",
        "accepted to committed: p50 ",
        "offered to committed:  p50 ",
    ] {
        assert!(text.contains(label), "{label} missing from:\n{text}");
    }
    // Every event entered a customer and the onboarding email was queued for most of them.
    assert!(text.contains("(600 instances,"), "{text}");
    let per_event: f64 = text
        .split(" outbox rows per event")
        .next()
        .and_then(|s| s.rsplit(", ").next())
        .and_then(|s| s.parse().ok())
        .expect("outbox rows per event");
    assert!(per_event > 0.5 && per_event <= 1.0, "{per_event}");
}

#[test]
fn import_customers_from_csv_all_or_nothing_with_line_and_column() {
    let dir = tempfile::tempdir().expect("dir");
    let url = journeys_store::sqlite_url_for(&dir.path().join("j.db"));
    let csv = dir.path().join("customers.csv");
    let out = journeys(&url).args(["population", "generate", "--customers", "50", "--out"]).arg(&csv).output().expect("generate");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Line 4 (the third customer) gets a balance that is not a number.
    let text = std::fs::read_to_string(&csv).expect("read");
    let header: Vec<&str> = text.lines().next().expect("header").split(',').collect();
    let column = header.iter().position(|h| *h == "balance").expect("a balance column");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    cells[column] = "lots".into();
    lines[3] = cells.join(",");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\n") + "\n").expect("write");
    let out = journeys(&url).arg("import-customers").arg(&bad).output().expect("import");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.csv:4: column balance:"), "{stderr}");

    let count = || {
        runtime().block_on(async {
            let store = Store::open(&url).await.expect("store");
            let ids: Vec<String> = (0..50).map(|i| journeys_core::population::generate_customer(1, i).id).collect();
            let known = store.known_customers(&ids.iter().map(String::as_str).collect::<Vec<_>>()).await.expect("known").len();
            store.close().await;
            known
        })
    };
    assert_eq!(count(), 0, "nothing is written when a row is bad");
    let out = journeys(&url).arg("import-customers").arg(&csv).output().expect("import");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "50 customers imported\n");
    assert_eq!(count(), 50);
}
