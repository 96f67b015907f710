//! `journeys population generate` and `journeys simulate` as a user runs them.

use std::path::Path;
use std::process::Command;

fn journeys(args: &[&str]) -> (i32, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_journeys")).args(args).current_dir(root).output().expect("run journeys");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

const TEMPLATE: &str = "templates/loan-application-abandonment.json";

#[test]
fn json_report_is_byte_identical_across_thread_counts() {
    let args = |threads: &'static str| ["simulate", TEMPLATE, "--customers", "3000", "--seed", "5", "--days", "40", "--format", "json", "--threads", threads];
    let (code, one, err) = journeys(&args("1"));
    assert_eq!(code, 0, "{err}");
    let (_, three, _) = journeys(&args("3"));
    assert_eq!(one, three);
    let report: serde_json::Value = serde_json::from_str(&one).expect("JSON report");
    assert_eq!(report["customers"], 3000);
    assert!(report["totals"]["entered"].as_u64().is_some_and(|n| n > 0));
}

#[test]
fn a_generated_population_file_drives_the_simulation_and_a_trace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("people.csv");
    let csv = csv.to_str().expect("utf-8");
    let (code, stdout, stderr) = journeys(&["population", "generate", "--customers", "500", "--seed", "9", "--out", csv]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("wrote 500 customers"));
    let text = std::fs::read_to_string(csv).expect("csv");
    assert_eq!(text.lines().count(), 501);

    let out = dir.path().join("report.txt");
    let out = out.to_str().expect("utf-8");
    let (code, _, stderr) = journeys(&["simulate", TEMPLATE, "--population", csv, "--days", "30", "--trace", "C00000001", "--out", out]);
    assert_eq!(code, 0, "{stderr}");
    let report = std::fs::read_to_string(out).expect("report");
    assert!(report.contains("500 customers"), "{report}");
    assert!(report.contains("trace of C00000001"), "{report}");
}

/// `--out` writes a FIFO (or a device) in place and `-` to standard output: only regular
/// files are replaced by rename (a rename over `/dev/null` as root replaced the device).
#[test]
fn out_writes_into_a_fifo_and_dash_is_standard_output() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("report.pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(&fifo).expect("read the FIFO"))
    };
    let (code, _, stderr) = journeys(&["simulate", TEMPLATE, "--customers", "200", "--days", "10", "--format", "json", "--out", fifo.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&reader.join().expect("reader")).expect("the report came through the FIFO");
    assert_eq!(report["customers"], 200);
    assert!(std::fs::symlink_metadata(&fifo).expect("meta").file_type().is_fifo(), "the FIFO is still a FIFO");

    let (code, stdout, stderr) = journeys(&["population", "generate", "--customers", "3", "--seed", "1", "--out", "-"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 4, "header and three customers on standard output: {stdout}");
    assert!(stdout.starts_with("id,"), "{stdout}");
    assert!(stderr.contains("standard output"), "{stderr}");
}

#[test]
fn bad_population_rows_are_reported_and_nothing_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("people.csv");
    let csv = csv.to_str().expect("utf-8");
    assert_eq!(journeys(&["population", "generate", "--customers", "4", "--seed", "1", "--out", csv]).0, 0);
    let text = std::fs::read_to_string(csv).expect("csv");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[2] = lines[2].replacen(",true,", ",maybe,", 1);
    std::fs::write(csv, lines.join("\n")).expect("write");
    let out = dir.path().join("report.json");
    let (code, _, stderr) = journeys(&["simulate", TEMPLATE, "--population", csv, "--out", out.to_str().expect("utf-8")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("row 3, column"), "{stderr}");
    assert!(stderr.contains("--skip-bad-rows"), "{stderr}");
    assert!(!out.exists(), "no partial report is written");
    let (code, _, stderr) = journeys(&["simulate", TEMPLATE, "--population", csv, "--skip-bad-rows", "--days", "5"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("(skipped)"), "{stderr}");
}

#[test]
fn absurd_parameters_and_invalid_journeys_are_clear_errors() {
    for (args, needle) in [
        (vec!["simulate", TEMPLATE, "--customers", "0"], "between 1 and"),
        (vec!["simulate", TEMPLATE, "--customers", "10000000000"], "between 1 and"),
        (vec!["simulate", TEMPLATE, "--days", "0"], "days must be"),
        (vec!["simulate", "journeys/core/tests/fixtures/unknown_attribute.json"], "J018"),
        (vec!["simulate", "journeys/cli/tests/bad/not_json.json"], "not_json.json:1:"),
        (vec!["population", "generate", "--customers", "0", "--out", "/tmp/never-written.csv"], "between 1 and"),
    ] {
        let (code, _, stderr) = journeys(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(!Path::new("/tmp/never-written.csv").exists());
}

#[test]
fn historical_events_are_replayed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    assert_eq!(journeys(&["population", "generate", "--customers", "3", "--seed", "1", "--out", &path("people.csv")]).0, 0);
    // No generated events at all: only the replayed ones can bring customers in.
    std::fs::write(path("quiet.json"), r#"{"default_event_rate": 0.0, "goal_base_rate": 0.0}"#).expect("scenario");
    std::fs::write(
        path("events.ndjson"),
        "{\"customer_id\":\"C00000001\",\"type\":\"card_issued\",\"time\":\"2026-01-03T10:00:00Z\"}\n{\"customer_id\":\"C00000001\",\"type\":\"app_login\",\"time\":1767500000000}\n",
    )
    .expect("events");
    let (code, stdout, stderr) = journeys(&[
        "simulate", "templates/credit-card-activation.json", "--population", &path("people.csv"), "--events", &path("events.ndjson"),
        "--scenario", &path("quiet.json"), "--days", "30", "--format", "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["totals"]["entered"], 1, "only the customer with a card_issued event enters");
    assert_eq!(report["daily"][2]["entered"], 1, "on the day of the event");

    std::fs::write(path("bad.ndjson"), "{\"customer_id\":\"C1\",\"type\":\"x\",\"time\":\"soon\"}\n").expect("bad events");
    let (code, _, stderr) = journeys(&["simulate", "templates/credit-card-activation.json", "--events", &path("bad.ndjson")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("line 1, column time"), "{stderr}");
}
