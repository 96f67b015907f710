//! Scale-out on PostgreSQL with real processes: two `journeys serve` share one database and
//! one sink directory. The second one's arrival splits the 256 partitions between them;
//! events posted to either are processed by the holder of their customer's partition; after
//! `kill -9` of one, the other takes its partitions over when the leases expire, and every
//! action is delivered exactly once.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use journeys_store::Store;

mod support;

use support::*;

const CUSTOMERS: usize = 400;
const LEASE_TTL_MS: u64 = 2_000;

/// A fresh database on the test server, or None (with the reason printed) outside CI.
fn postgres_url() -> Option<String> {
    postgres_url_named("scale_out")
}

/// Lease holders: node → partitions held (unexpired or not).
fn holders(url: &str) -> std::collections::BTreeMap<String, usize> {
    runtime().block_on(async {
        let store = Store::open(url).await.expect("store");
        let table = store.lease_table().await.expect("leases");
        store.close().await;
        let mut held = std::collections::BTreeMap::new();
        for row in table {
            *held.entry(row.owner.unwrap_or_else(|| "(free)".into())).or_default() += 1;
        }
        held
    })
}

fn serve(url: &str, node: &str, port: u16, sink: &Path, log: &Path) -> Engine {
    let log = std::fs::File::create(log).expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_journeys"))
        .env("DATABASE_URL", url)
        .env("JOURNEYS_LOG", "info")
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--node-id", node, "--lease-ttl-ms", &LEASE_TTL_MS.to_string(), "--sink-dir"])
        .arg(sink)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn serve");
    Engine(child)
}

/// POST a JSON body over a plain HTTP/1.1 connection; (status, body).
fn post(port: u16, path: &str, body: &str) -> (u16, serde_json::Value) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let request = format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
}

fn healthy(port: u16) -> bool {
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.write_all(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let mut response = String::new();
    stream.read_to_string(&mut response).is_ok() && response.starts_with("HTTP/1.1 200")
}

/// Abandonments two hours ago for customers `range`: the one-hour wait is over at once.
fn abandonments(range: std::ops::Range<usize>) -> String {
    let at = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    let events: Vec<serde_json::Value> =
        range.map(|i| serde_json::json!({"id": format!("e{i:03}"), "customer_id": format!("C{i:03}"), "type": "application_abandoned", "time": at})).collect();
    serde_json::Value::from(events).to_string()
}

fn wait_until(what: &str, timeout: Duration, logs: &[&Path], mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > timeout {
            let logs: Vec<String> = logs.iter().map(|p| format!("--- {}\n{}", p.display(), std::fs::read_to_string(p).unwrap_or_default())).collect();
            panic!("timed out waiting for {what}\n{}", logs.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_engines_share_partitions_and_one_takes_over_after_kill_9() {
    let Some(url) = postgres_url() else { return };
    publish_template_for_customers(&url, CUSTOMERS, 5);
    let dir = tempfile::tempdir().expect("dir");
    let sink = dir.path().join("sink");
    let (log_a, log_b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    let logs = [log_a.as_path(), log_b.as_path()];
    let (port_a, port_b) = (free_port(), free_port());

    let mut a = serve(&url, "engine-a", port_a, &sink, &log_a);
    wait_until("engine A to hold every partition", Duration::from_secs(30), &logs, || healthy(port_a) && holders(&url).get("engine-a") == Some(&256));
    let mut b = serve(&url, "engine-b", port_b, &sink, &log_b);
    wait_until("the partitions to split 128/128", Duration::from_secs(30), &logs, || {
        let held = holders(&url);
        held.get("engine-a") == Some(&128) && held.get("engine-b") == Some(&128)
    });

    // Half the customers through A, a quarter through B; each engine queues what the other holds.
    let (status, tally_a) = post(port_a, "/v1/events", &abandonments(0..CUSTOMERS / 2));
    assert_eq!(status, 200, "{tally_a}");
    let (status, tally_b) = post(port_b, "/v1/events", &abandonments(CUSTOMERS / 2..3 * CUSTOMERS / 4));
    assert_eq!(status, 200, "{tally_b}");
    assert_eq!(tally_a["accepted"], CUSTOMERS / 2, "{tally_a}");
    for tally in [&tally_a, &tally_b] {
        let queued = tally["queued"].as_u64().expect("queued");
        assert!(queued > 0 && queued < tally["accepted"].as_u64().expect("accepted"), "some events are the other engine's: {tally}");
    }
    wait_until("the first deliveries", Duration::from_secs(30), &logs, || sink_keys(&sink).len() >= CUSTOMERS / 4);

    a.0.kill().expect("SIGKILL engine A");
    let _ = a.0.wait();
    let at_kill = sink_keys(&sink).len();
    // The last quarter through B: customers in A's partitions wait for the takeover.
    let (status, tally) = post(port_b, "/v1/events", &abandonments(3 * CUSTOMERS / 4..CUSTOMERS));
    assert_eq!(status, 200, "{tally}");
    assert!(tally["queued"].as_u64().expect("queued") > 0, "A's partitions are not B's until the leases expire: {tally}");

    wait_until("engine B to take every partition over", Duration::from_secs(10 * LEASE_TTL_MS / 1_000 + 20), &logs, || holders(&url).get("engine-b") == Some(&256));
    wait_until("every customer's email", Duration::from_secs(60), &logs, || sink_keys(&sink).len() >= CUSTOMERS);
    std::thread::sleep(Duration::from_millis(500));

    let _ = Command::new("kill").arg(b.0.id().to_string()).status();
    let status = b.0.wait().expect("wait for B");
    assert!(status.success(), "a graceful stop exits 0: {status:?}");
    assert_eq!(holders(&url).get("(free)"), Some(&256), "a clean stop gives the partitions back");

    let mut keys = sink_keys(&sink);
    assert_eq!(keys.len(), CUSTOMERS, "every email exactly once (A was killed after {at_kill})");
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), CUSTOMERS, "no key twice");
    let expected: Vec<String> = (0..CUSTOMERS).map(|i| format!("{JOURNEY}@1:C{i:03}:email_resume:1")).collect();
    assert_eq!(keys, expected);
    runtime().block_on(async {
        let store = Store::open(&url).await.expect("store");
        assert!(store.undelivered(10).await.expect("outbox").is_empty(), "the outbox is drained");
        assert_eq!(store.event_count().await.expect("events"), CUSTOMERS as i64);
        assert!(store.pending_events(10, journeys_store::Scope::All).await.expect("pending").is_empty(), "no event left waiting");
        store.close().await;
    });
}

#[test]
fn bench_engines_measures_two_engines_against_the_raw_floor() {
    let Some(url) = postgres_url_named("bench") else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_journeys")).args(["--database-url", &url, "bench", "engines", "--engines", "2", "--events", "2000"]).output().expect("run bench");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let rate = |label: &str| -> f64 {
        let line = text.lines().find(|l| l.contains(label)).unwrap_or_else(|| panic!("no '{label}' in:\n{text}"));
        line.split(':').nth(1).and_then(|rest| rest.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no rate in '{line}'"))
    };
    assert!(rate("durable, end to end") > 0.0 && rate("raw batched insert") > 0.0, "{text}");
    assert!(text.contains("durable / raw:"), "{text}");
    // A database that already has events is refused, not mixed into.
    let again = Command::new(env!("CARGO_BIN_EXE_journeys")).args(["--database-url", &url, "bench", "engines", "--events", "10"]).output().expect("run bench again");
    assert_eq!(again.status.code(), Some(2), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"), "{}", String::from_utf8_lossy(&again.stderr));
}
