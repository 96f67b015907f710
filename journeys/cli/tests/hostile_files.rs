//! A fuzz harness for the CLI's file inputs: seeded hostile journeys, populations, scenarios,
//! event histories, customer files and import mappings, each run through the command that
//! reads it. For every
//! file: the command ends by itself with 0, 1 or 2 (never a panic, a signal or a hang), a
//! refusal says what is wrong on standard error, and a refused `ingest` or `import-customers`
//! writes nothing, on SQLite and PostgreSQL alike.
//!
//! The seed is fixed so CI is repeatable; to search longer:
//! `JOURNEYS_FUZZ_SEED=7 JOURNEYS_FUZZ_CASES=2000 cargo xtask pgtest -p journeys-cli --test hostile_files`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::*;

const DEFAULT_SEED: u64 = 20_261_208;
const DEFAULT_CASES: u64 = 80;
/// Longer than any of these commands takes on a good file of this size.
const LIMIT: Duration = Duration::from_secs(60);

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run `journeys`, failing the test if it outlives `LIMIT`; (exit code or None for a signal,
/// what it printed: standard error, then standard output).
fn run(args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("dir");
    let (stderr_path, stdout_path) = (dir.path().join("stderr"), dir.path().join("stdout"));
    let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
    let stdout = std::fs::File::create(&stdout_path).expect("stdout file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_journeys")).args(args).current_dir(root()).stdout(stdout).stderr(stderr).spawn().expect("run journeys");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("journeys {args:?} did not finish within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let printed = |path: &Path| String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).chars().take(4000).collect::<String>();
    (status.code(), format!("{}{}", printed(&stderr_path), printed(&stdout_path)))
}

/// Mutate a good file into a hostile one; returns the bytes and what was done.
fn mutate(rng: &mut ChaCha8Rng, good: &[u8], line_based: bool) -> (Vec<u8>, String) {
    let mut bytes = good.to_vec();
    let at = |rng: &mut ChaCha8Rng, len: usize| rng.random_range(0..len.max(1));
    match rng.random_range(0..10) {
        0 => ((0..rng.random_range(0..3000)).map(|_| rng.random()).collect(), "random bytes".into()),
        1 => {
            let i = at(rng, bytes.len());
            bytes.splice(i..i, [0xff, 0xfe, 0xc0, 0xaf]);
            (bytes, format!("invalid UTF-8 at byte {i}"))
        }
        2 => {
            let i = at(rng, bytes.len());
            let raw: &[u8] = [&b"\x00"[..], b"\x01", b"\x1b[2J", b"\\u0000", b"\r"][rng.random_range(0..5)];
            bytes.splice(i..i, raw.iter().copied());
            (bytes, format!("control bytes at {i}"))
        }
        3 => {
            let cut = at(rng, bytes.len());
            bytes.truncate(cut);
            (bytes, format!("truncated at {cut}"))
        }
        4 => {
            let depth = rng.random_range(200..100_000);
            (("[".repeat(depth) + "]".repeat(depth).as_str()).into_bytes(), format!("nesting {depth} deep"))
        }
        5 => {
            // Every number made enormous.
            let text = String::from_utf8_lossy(good).into_owned();
            let huge = ["1e400", "-1e309", "99999999999999999999999999", "NaN", "1e300"][rng.random_range(0..5)];
            let mut out = String::new();
            let mut in_number = false;
            for c in text.chars() {
                if c.is_ascii_digit() {
                    if !in_number {
                        out.push_str(huge);
                    }
                    in_number = true;
                } else {
                    in_number = false;
                    out.push(c);
                }
            }
            (out.into_bytes(), format!("numbers replaced by {huge}"))
        }
        6 if line_based => {
            // One bad line among many good ones.
            let text = String::from_utf8_lossy(good).into_owned();
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let body: Vec<String> = lines.iter().skip(1).cloned().collect();
            for _ in 0..rng.random_range(2..6) {
                lines.extend(body.iter().cloned());
            }
            let i = rng.random_range(1..lines.len().max(2));
            if let Some(line) = lines.get_mut(i) {
                *line = [",,,", "{", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,aa,bb,cc,dd,ee,ff", "\u{0}"][rng.random_range(0..4)].to_string();
            }
            (lines.join("\n").into_bytes(), format!("bad line {} of {}", i + 1, lines.len()))
        }
        6 | 7 => {
            // A column (CSV) or a field (JSON) dropped, or one added.
            let text = String::from_utf8_lossy(good).into_owned();
            let changed = if rng.random_bool(0.5) { text.replacen(',', "", 1) } else { text.replacen('\n', ",surplus\n", 1) };
            (changed.into_bytes(), "a column or field dropped or added".into())
        }
        8 => (Vec::new(), "empty".into()),
        _ => {
            let size = rng.random_range(100_000..2_000_000);
            let mut big = good.to_vec();
            let i = at(rng, big.len());
            big.splice(i..i, std::iter::repeat_n(b'x', size));
            (big, format!("{size} bytes inserted"))
        }
    }
}

/// `validate` reports its findings on standard output, the other commands on standard error.
fn check(args: &[&str], what: &str) -> bool {
    let (code, stderr) = run(args);
    let at = format!("journeys {args:?} on {what}: exit {code:?}\n{stderr}");
    assert!(matches!(code, Some(0..=2)), "ends with 0, 1 or 2, not a panic or a signal: {at}");
    assert!(!stderr.contains("panicked"), "no panic: {at}");
    if code != Some(0) {
        assert!(!stderr.trim().is_empty(), "a refusal says why: {at}");
    }
    code != Some(0)
}

/// A fingerprint of what `ingest` and `import-customers` write.
fn written(url: &str) -> Vec<String> {
    runtime().block_on(async {
        use sqlx::{Connection, Row};
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
        let mut out = Vec::new();
        for (table, columns) in [("customers", "id, profile"), ("events", "id, type"), ("instances", "customer_id, node"), ("action_log", "customer_id, outcome")] {
            for row in sqlx::query(&format!("SELECT {columns} FROM {table} ORDER BY 1, 2")).fetch_all(&mut conn).await.expect(table) {
                out.push(format!("{table}: {} | {}", row.try_get::<String, _>(0).unwrap_or_default(), row.try_get::<String, _>(1).unwrap_or_default()));
            }
        }
        out
    })
}

fn sqlite_url(dir: &Path) -> String {
    journeys_store::sqlite_url_for(&dir.join("fuzz.db"))
}

#[test]
fn hostile_journeys_populations_scenarios_and_histories_are_refused_cleanly() {
    let seed = setting("JOURNEYS_FUZZ_SEED", DEFAULT_SEED);
    let cases = setting("JOURNEYS_FUZZ_CASES", DEFAULT_CASES);
    let dir = tempfile::tempdir().expect("dir");
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    assert_eq!(run(&["population", "generate", "--customers", "20", "--seed", "3", "--out", &path("people.csv")]).0, Some(0));
    let journey = std::fs::read(root().join("templates/loan-application-abandonment.json")).expect("template");
    let population = std::fs::read(path("people.csv")).expect("population");
    let scenario = br#"{"event_rates": {"application_abandoned": 0.2}, "default_event_rate": 0.01, "goal_base_rate": 0.001, "annual_churn": 0.1}"#.to_vec();
    let history = b"{\"customer_id\":\"C00000001\",\"type\":\"application_abandoned\",\"time\":\"2026-01-12T09:00:00Z\"}\n{\"customer_id\":\"C00000002\",\"type\":\"login\",\"time\":\"2026-01-13T09:00:00Z\"}\n".to_vec();
    let template = "templates/loan-application-abandonment.json";
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut refused = 0;
    for n in 0..cases {
        let (bytes, what) = mutate(&mut rng, &journey, false);
        std::fs::write(path("journey.json"), &bytes).expect("write");
        let what = format!("seed {seed} case {n}: journey, {what}");
        refused += usize::from(check(&["validate", &path("journey.json")], &what));
        check(&["fmt", "--check", &path("journey.json")], &what);
        check(&["simulate", &path("journey.json"), "--customers", "50", "--days", "5"], &what);

        let (bytes, what) = mutate(&mut rng, &population, true);
        std::fs::write(path("population.csv"), &bytes).expect("write");
        refused += usize::from(check(&["simulate", template, "--population", &path("population.csv"), "--days", "5"], &format!("seed {seed} case {n}: population, {what}")));

        let (bytes, what) = mutate(&mut rng, &scenario, false);
        std::fs::write(path("scenario.json"), &bytes).expect("write");
        refused += usize::from(check(&["simulate", template, "--customers", "50", "--days", "5", "--scenario", &path("scenario.json")], &format!("seed {seed} case {n}: scenario, {what}")));

        let (bytes, what) = mutate(&mut rng, &history, true);
        std::fs::write(path("history.ndjson"), &bytes).expect("write");
        refused += usize::from(check(&["simulate", template, "--population", &path("people.csv"), "--days", "5", "--events", &path("history.ndjson")], &format!("seed {seed} case {n}: history, {what}")));
    }
    eprintln!("seed {seed}: {} hostile files, {refused} refused", cases * 4);
    assert!(refused as u64 >= cases * 2, "most mutations are refused (the generator is hostile): {refused}");
}

#[test]
fn hostile_event_and_customer_files_write_nothing_on_either_database() {
    let seed = setting("JOURNEYS_FUZZ_SEED", DEFAULT_SEED);
    let cases = setting("JOURNEYS_FUZZ_CASES", DEFAULT_CASES) / 2;
    let dir = tempfile::tempdir().expect("dir");
    let mut urls = vec![sqlite_url(dir.path())];
    urls.extend(postgres_url_named("hostile_files"));
    for url in urls {
        let customers = publish_template_for_customers(&url, 5, 11);
        let good_customers = {
            let mut bytes = Vec::new();
            journeys_core::population::write_csv(&customers, &mut bytes).expect("csv");
            bytes
        };
        let good_events: String = customers
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{}\n", serde_json::json!({ "id": format!("ev{i}"), "customer_id": c.id, "type": "application_abandoned", "time": "2026-01-12T09:00:00Z" })))
            .collect();
        let file = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut before = written(&url);
        for n in 0..cases {
            let (bytes, what) = mutate(&mut rng, good_events.as_bytes(), true);
            std::fs::write(file("events.ndjson"), &bytes).expect("write");
            let what = format!("seed {seed} case {n} on {url}: events, {what}");
            let refused = check(&["--database-url", &url, "ingest", &file("events.ndjson")], &what);
            let after = written(&url);
            if refused {
                assert_eq!(before, after, "a refused ingest writes nothing: {what}");
            }
            before = after;

            // A hostile mapping over a good file of the bank's own columns.
            let good_mapping = r#"{"columns": {"Customer No": "id", "Months": "tenure_months", "Zone": "time_zone", "Email ok": "consent_email"}, "empty_cells": "keep"}"#;
            let (bytes, what) = mutate(&mut rng, good_mapping.as_bytes(), false);
            std::fs::write(file("mapping.json"), &bytes).expect("write");
            std::fs::write(file("bank.csv"), "Customer No,Months,Zone,Email ok\nC000,12,Europe/London,yes\nNEW-1,3,UTC,no\n").expect("write");
            let what = format!("seed {seed} case {n} on {url}: mapping, {what}");
            let refused = check(&["--database-url", &url, "import-customers", &file("bank.csv"), "--mapping", &file("mapping.json")], &what);
            let after = written(&url);
            if refused {
                assert_eq!(before, after, "a refused mapped import writes nothing: {what}");
            }
            before = after;

            let (name, good) = if rng.random_bool(0.5) { ("customers.csv", good_customers.clone()) } else { ("customers.ndjson", customers.iter().map(|c| format!("{}\n", serde_json::to_string(c).expect("json"))).collect::<String>().into_bytes()) };
            let (bytes, what) = mutate(&mut rng, &good, true);
            std::fs::write(file(name), &bytes).expect("write");
            let what = format!("seed {seed} case {n} on {url}: {name}, {what}");
            let refused = check(&["--database-url", &url, "import-customers", &file(name)], &what);
            let after = written(&url);
            if refused {
                assert_eq!(before, after, "a refused import writes nothing: {what}");
            }
            before = after;
        }
    }
}
