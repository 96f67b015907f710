//! The bank's customer schema from the command line: `attributes apply` and `list`, customer
//! imports whose own columns are checked against it, and `simulate --schema` routing on them.

mod support;

use std::path::Path;
use std::process::Command;

use journeys_store::{Role, Store};
use support::runtime;

fn journeys(args: &[&str]) -> (i32, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_journeys")).args(args).current_dir(root).output().expect("run journeys");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

const SCHEMA: &str = r#"{"attributes": [
    {"name": "risk_band", "type": "enum", "values": ["low", "medium", "high"], "required": true, "description": "Scorecard band"},
    {"name": "last_login_at", "type": "timestamp"},
    {"name": "date_of_birth", "type": "date", "pii": true}
]}"#;

/// A population CSV with the bank's own columns after the standard ones.
fn population_with_attributes(rows: &[(&str, &str, &str)]) -> String {
    let people: Vec<_> = (0..rows.len() as u64).map(|i| journeys_core::population::generate_customer(3, i)).collect();
    let mut csv = Vec::new();
    journeys_core::population::write_csv(&people, &mut csv).expect("csv");
    let text = String::from_utf8(csv).expect("utf-8");
    let mut lines = text.lines();
    let mut out = format!("{},risk_band,last_login_at,date_of_birth\n", lines.next().expect("header"));
    for (line, (band, login, born)) in lines.zip(rows) {
        out.push_str(&format!("{line},{band},{login},{born}\n"));
    }
    out
}

#[test]
fn an_admin_applies_the_schema_and_imports_and_simulations_use_it() {
    let dir = tempfile::tempdir().expect("dir");
    let url = journeys_store::sqlite_url_for(&dir.path().join("bank.db"));
    runtime().block_on(async {
        let store = Store::open(&url).await.expect("store");
        store.add_user("ada", Role::Admin, None).await.expect("admin");
        store.add_user("dana", Role::Designer, None).await.expect("designer");
        store.close().await;
    });
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.to_string_lossy().into_owned()
    };
    let schema = file("schema.json", SCHEMA);

    let (code, _, stderr) = journeys(&["--database-url", &url, "attributes", "apply", &schema, "--as", "dana"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("dana (designer) may not apply the customer schema"), "{stderr}");
    let bad = file("bad.json", r#"{"attributes": [{"name": "risk_band", "type": "enum"}]}"#);
    let (code, _, stderr) = journeys(&["--database-url", &url, "attributes", "apply", &bad, "--as", "ada"]);
    assert!(code == 2 && stderr.contains("bad.json: attributes[0] ('risk_band'): an enum lists its values"), "{stderr}");
    let (code, stdout, stderr) = journeys(&["--database-url", &url, "attributes", "apply", &schema, "--as", "ada"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("customer schema 1 applied: 3 attributes"), "{stdout}");

    let (code, stdout, _) = journeys(&["--database-url", &url, "attributes", "list", "--format", "json"]);
    assert_eq!(code, 0);
    let listed: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!((listed["version"].as_i64(), listed["applied_by"].as_str()), (Some(1), Some("ada")));
    assert_eq!(listed["attributes"][0]["values"], serde_json::json!(["low", "medium", "high"]));
    assert_eq!(listed["attributes"][2]["pii"], true);
    let (_, text, _) = journeys(&["--database-url", &url, "attributes", "list"]);
    assert!(text.contains("risk_band") && text.contains("required") && text.contains("values low|medium|high"), "{text}");

    // Imports: the bank's columns are checked and converted; one bad cell refuses the file.
    let good = file("customers.csv", &population_with_attributes(&[("high", "2026-01-02T10:00:00Z", "1980-02-29"), ("low", "", "")]));
    let (code, stdout, stderr) = journeys(&["--database-url", &url, "import-customers", &good]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("2 customers imported"), "{stdout}");
    let stored = runtime().block_on(async {
        let store = Store::open(&url).await.expect("store");
        let profile = store.customer_profile("C00000000").await.expect("lookup").expect("stored");
        store.close().await;
        serde_json::from_str::<journeys_core::population::Customer>(&profile).expect("customer")
    });
    assert_eq!(stored.attributes["risk_band"], "high");
    assert_eq!(stored.attributes["last_login_at"], 1_767_348_000_000_i64);
    let bad = file("bad.csv", &population_with_attributes(&[("high", "2026-01-02T10:00:00Z", "29.02.1980"), ("severe", "", "")]));
    let (code, _, stderr) = journeys(&["--database-url", &url, "import-customers", &bad]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("bad.csv:2: column date_of_birth: date_of_birth: \"29.02.1980\" is not a date (YYYY-MM-DD)"), "{stderr}");
    assert!(stderr.contains("bad.csv:3: column risk_band"), "{stderr}");

    // The simulator reads the same columns and routes on them.
    let journey = file(
        "journey.json",
        &serde_json::json!({
            "format_version": 1, "id": "risky", "name": "Risky",
            "nodes": [
                { "id": "start", "stage": "retain", "kind": "trigger", "segment": "customer.risk_band == \"high\"" },
                { "id": "done", "stage": "retain", "kind": "exit" }
            ],
            "edges": [{ "id": "e1", "from": "start", "port": "out", "to": "done" }]
        })
        .to_string(),
    );
    let (code, stdout, _) = journeys(&["validate", &journey]);
    assert!(code == 1 && stdout.contains("J018"), "without the schema risk_band is unknown: {stdout}");
    let (code, stdout, stderr) = journeys(&["validate", &journey, "--schema", &schema]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, _, stderr) = journeys(&["simulate", &journey, "--population", &good, "--days", "2", "--format", "json"]);
    assert_eq!(code, 2, "without the schema the journey reads an unknown attribute");
    assert!(stderr.contains("customer.risk_band, which is not a known attribute"), "{stderr}");
    let (code, stdout, stderr) = journeys(&["simulate", &journey, "--population", &good, "--schema", &schema, "--days", "2", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("report");
    assert_eq!(report["totals"]["entered"], 1, "only the high-risk customer enters: {}", report["totals"]);
}

/// The bank's own file, mapped: its column names and date format, partial updates of stored
/// profiles, a dry run that writes nothing, and every bad cell named by line and column.
#[test]
fn a_mapped_import_updates_profiles_and_a_dry_run_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    mapped_import_on(&journeys_store::sqlite_url_for(&dir.path().join("bank.db")), dir.path());
    if let Some(url) = support::postgres_url_named("customer_data") {
        mapped_import_on(&url, dir.path());
    }
}

fn mapped_import_on(url: &str, dir: &Path) {
    let url = url.to_string();
    runtime().block_on(async {
        let store = Store::open(&url).await.expect("store");
        store.add_user("ada", Role::Admin, None).await.expect("admin");
        store.apply_customer_schema(&journeys_core::customer_schema::CustomerSchema::parse(SCHEMA).expect("schema"), "ada").await.expect("apply");
        store.close().await;
    });
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path.to_string_lossy().into_owned()
    };
    let mapping = file(
        "map.json",
        r#"{"columns": {"Customer No": "id", "Scorecard": "risk_band", "Last login": {"attribute": "last_login_at", "format": "%d/%m/%Y %H:%M"},
            "Months with us": "tenure_months", "Zone": "time_zone", "Email consent": "consent_email", "Branch notes": null}}"#,
    );
    let first = file("crm.csv", "Customer No,Scorecard,Last login,Months with us,Zone,Email consent,Branch notes\nB-1,high,02/01/2026 10:00,14,Europe/London,yes,met in branch\nB-2,low,,3,Europe/Berlin,no,\n");
    let profile = |id: &str| {
        runtime().block_on(async {
            let store = Store::open(&url).await.expect("store");
            let profile = store.customer_profile(id).await.expect("lookup");
            store.close().await;
            profile.map(|p| serde_json::from_str::<journeys_core::population::Customer>(&p).expect("customer"))
        })
    };

    let (code, stdout, stderr) = journeys(&["--database-url", &url, "import-customers", &first, "--mapping", &mapping, "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("2 rows: 2 new customers, 0 updated; nothing written"), "{stdout}");
    assert!(profile("B-1").is_none(), "a dry run writes nothing");
    let (code, stdout, stderr) = journeys(&["--database-url", &url, "import-customers", &first, "--mapping", &mapping]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("2 rows: 2 new customers, 0 updated"), "{stdout}");
    let b1 = profile("B-1").expect("imported");
    assert_eq!((b1.tenure_months, b1.consent_email, b1.time_zone.as_str()), (14, true, "Europe/London"));
    assert_eq!(b1.attributes["last_login_at"], 1_767_348_000_000_i64);

    // A later file with fewer columns updates what it names and keeps the rest.
    let mapping_two = file("map2.json", r#"{"columns": {"Customer No": "id", "Scorecard": "risk_band"}}"#);
    let second = file("crm2.csv", "Customer No,Scorecard\nB-1,medium\n");
    let (code, stdout, stderr) = journeys(&["--database-url", &url, "import-customers", &second, "--mapping", &mapping_two]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("1 rows: 0 new customers, 1 updated"), "{stdout}");
    let b1 = profile("B-1").expect("still there");
    assert_eq!((b1.attributes["risk_band"].as_str(), b1.tenure_months, b1.attributes.contains_key("last_login_at")), (Some("medium"), 14, true));

    // One bad cell (or an unknown time zone) refuses the whole file, naming line and column.
    let bad = file("bad.csv", "Customer No,Scorecard,Last login,Months with us,Zone,Email consent,Branch notes\nB-3,high,2026-01-02,1,UTC,yes,\nB-1,low,,x,UTC,yes,\nB-4,low,,1,Mars/Olympus,no,\n");
    let (code, _, stderr) = journeys(&["--database-url", &url, "import-customers", &bad, "--mapping", &mapping]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("bad.csv:2: column last_login_at: '2026-01-02' does not match the format %d/%m/%Y %H:%M"), "{stderr}");
    assert!(stderr.contains("bad.csv:3: column tenure_months: 'x' is not an integer"), "{stderr}");
    assert!(stderr.contains("bad.csv:4: customer 'B-4': unknown time zone 'Mars/Olympus'"), "{stderr}");
    assert!(profile("B-3").is_none(), "nothing of a refused file is written");
    assert_eq!(profile("B-1").expect("kept").attributes["risk_band"], "medium");
    // Subject access and erasure from the command line.
    let export = dir.join("b1.json");
    let (code, _, stderr) = journeys(&["--database-url", &url, "customers", "export", "B-1", "--out", export.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
    let held: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&export).expect("export")).expect("JSON");
    assert_eq!(held["profile"]["attributes"]["risk_band"], "medium");
    let (code, _, stderr) = journeys(&["--database-url", &url, "customers", "erase", "B-2", "--as", "nobody"]);
    assert!(code == 2 && stderr.contains("no user 'nobody'"), "{stderr}");
    let (code, stdout, stderr) = journeys(&["--database-url", &url, "customers", "erase", "B-2", "--as", "ada"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("erased {}: removed 1 customers", journeys_store::pseudonym("B-2"))), "{stdout}");
    assert!(profile("B-2").is_none(), "erased");
    let (code, _, stderr) = journeys(&["--database-url", &url, "customers", "export", "B-2"]);
    assert!(code == 2 && stderr.contains("nothing is held about customer 'B-2'"), "{stderr}");

    let unmapped = file("odd.csv", "Customer No,Shoe size\nB-1,44\n");
    let (code, _, stderr) = journeys(&["--database-url", &url, "import-customers", &unmapped, "--mapping", &mapping_two]);
    assert!(code == 1 && stderr.contains("odd.csv:1: column Shoe size: the mapping does not name this column"), "{stderr}");
}
