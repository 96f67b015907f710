//! `journeys report` and `journeys portfolio` as real processes over a database the engine
//! (`journeys ingest`) filled: JSON numbers as the events make them, and a CSV export that
//! parses back to the very numbers of the JSON report.

use std::process::Command;

use journeys_core::analytics::{csv_rows, parse_csv, LiveReport, Portfolio};
use journeys_store::sqlite_url_for;

mod support;

use support::*;

const CUSTOMERS: usize = 30;

fn journeys(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_journeys"));
    command.env("DATABASE_URL", url).env_remove("JOURNEYS_LOG");
    command
}

fn run(url: &str, args: &[&str]) -> String {
    let out = journeys(url).args(args).output().expect("run journeys");
    assert!(out.status.success(), "journeys {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// A published template, customers with email consent, and the products each holds.
fn prepare(url: &str) -> Vec<u64> {
    let customers = publish_template_for_customers(url, CUSTOMERS, 3);
    customers.iter().map(|c| c.products.split(';').filter(|p| !p.is_empty()).count() as u64).collect()
}

/// Everyone abandoned three hours ago; every third customer completed an hour ago (their
/// event catches up the one-hour wait first: email sent, then the goal).
fn events_file(dir: &std::path::Path) -> std::path::PathBuf {
    let (abandoned, completed) = (chrono::Utc::now() - chrono::Duration::hours(3), chrono::Utc::now() - chrono::Duration::hours(1));
    let mut text = String::new();
    for i in 0..CUSTOMERS {
        text += &format!("{}\n", serde_json::json!({"id": format!("a{i}"), "customer_id": format!("C{i:03}"), "type": "application_abandoned", "time": abandoned.to_rfc3339()}));
    }
    for i in (0..CUSTOMERS).filter(|i| i % 3 == 0) {
        text += &format!("{}\n", serde_json::json!({"id": format!("c{i}"), "customer_id": format!("C{i:03}"), "type": "application_completed", "time": completed.to_rfc3339()}));
    }
    let path = dir.join("events.ndjson");
    std::fs::write(&path, text).expect("write events");
    path
}

#[test]
fn report_as_json_and_csv_with_the_same_numbers_and_a_portfolio() {
    let dir = tempfile::tempdir().expect("dir");
    let url = sqlite_url_for(&dir.path().join("engine.db"));
    let products = prepare(&url);
    run(&url, &["ingest", events_file(dir.path()).to_str().expect("path")]);
    let converted = (0..CUSTOMERS).filter(|i| i % 3 == 0).count() as u64;

    let live: LiveReport = serde_json::from_str(&run(&url, &["report", &format!("{JOURNEY}@1"), "--format", "json"])).expect("JSON report");
    let r = &live.report;
    assert_eq!((r.totals.entered, r.totals.converted, r.totals.contacts), (CUSTOMERS as u64, converted, converted));
    let waiting = r.nodes.iter().find(|n| n.id == "wait_1h").map(|n| n.waiting);
    assert_eq!(waiting, Some(CUSTOMERS as u64 - converted));
    assert_eq!(r.nodes.iter().find(|n| n.id == "completed").map(|n| n.goals), Some(converted));

    let csv = run(&url, &["report", &format!("{JOURNEY}@1"), "--format", "csv"]);
    // Every number of the JSON report is a CSV row with the same value (JSON float parsing may
    // differ from the exact one in the last bit, hence the 1e-12 relative tolerance).
    let (from_csv, from_json) = (parse_csv(&csv).expect("CSV parses"), csv_rows(&live));
    assert_eq!(from_csv.len(), from_json.len());
    for (a, b) in from_csv.iter().zip(&from_json) {
        assert_eq!((&a.section, &a.key, &a.port, &a.metric), (&b.section, &b.key, &b.port, &b.metric));
        assert!((a.value - b.value).abs() <= 1e-12 * a.value.abs().max(1.0), "{a:?} vs {b:?}");
    }
    assert!(from_csv.len() > 40, "{csv}");
    let today = chrono::Utc::now().date_naive().to_string();
    let ranged = run(&url, &["report", &format!("{JOURNEY}@1"), "--from", &live.from, "--to", &today, "--format", "csv"]);
    assert!(parse_csv(&ranged).expect("parses").iter().any(|r| r.section == "totals" && r.metric == "entered" && r.value == CUSTOMERS as f64));

    let portfolio: Portfolio = serde_json::from_str(&run(&url, &["portfolio", "--format", "json"])).expect("JSON portfolio");
    // Acquire stage: 0.01 per email to those who converted, divided by them.
    assert_eq!(portfolio.cac, Some(0.01));
    assert_eq!(portfolio.activation_rate, None);
    let held: u64 = products.iter().sum();
    assert_eq!((portfolio.customers, portfolio.products), (CUSTOMERS as u64, held));
    assert_eq!(portfolio.cross_sell_ratio, Some(((held as f64 / CUSTOMERS as f64) * 1e6).round() / 1e6));
    let portfolio_csv = run(&url, &["portfolio", "--format", "csv"]);
    assert!(parse_csv(&portfolio_csv).expect("parses").iter().any(|r| r.metric == "cac" && r.value == 0.01));
}

#[test]
fn report_refuses_unknown_versions_and_bad_dates() {
    let dir = tempfile::tempdir().expect("dir");
    let url = sqlite_url_for(&dir.path().join("engine.db"));
    let out = journeys(&url).args(["report", "nothing@1"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing@1"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = journeys(&url).args(["report", "nothing@1", "--from", "2026-13-01"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from '2026-13-01' is not a date"), "{}", String::from_utf8_lossy(&out.stderr));
}
