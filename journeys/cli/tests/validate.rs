//! `journeys validate` as a user runs it: real binary, real files, exit codes and output.

use std::path::Path;
use std::process::Command;

/// Run `journeys ARGS` from the workspace root; returns (exit code, stdout, stderr).
fn journeys(args: &[&str]) -> (i32, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_journeys"))
        .args(args)
        .current_dir(root)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run journeys");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn template_files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<String> = std::fs::read_dir(root.join("templates"))
        .expect("templates dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| format!("templates/{}", p.file_name().unwrap_or_default().to_string_lossy()))
        .collect();
    files.sort();
    files
}

#[test]
fn templates_are_valid() {
    let files = template_files();
    assert!(files.len() >= 3, "at least three templates: {files:?}");
    let args: Vec<&str> = std::iter::once("validate").chain(files.iter().map(String::as_str)).collect();
    let (code, stdout, stderr) = journeys(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.ends_with(&format!("{} files checked: 0 errors, 0 warnings\n", files.len())), "{stdout}");
}

#[test]
fn broken_journey_exits_1_with_every_diagnostic() {
    let (code, stdout, _) = journeys(&["validate", "journeys/core/tests/fixtures/many_problems.json"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn json_format_lists_diagnostics() {
    let (code, stdout, _) = journeys(&["validate", "--format", "json", "journeys/core/tests/fixtures/unreachable_node.json"]);
    assert_eq!(code, 1);
    let reports: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let diagnostic = &reports[0]["diagnostics"][0];
    assert_eq!(diagnostic["code"], "J006");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["node_ids"][0], "orphan");
}

#[test]
fn warnings_alone_exit_0() {
    let (code, stdout, _) = journeys(&["validate", "journeys/core/tests/fixtures/missing_stage.json"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("warning[J011] [node x]"), "{stdout}");
}

#[test]
fn unreadable_files_exit_2_naming_file_and_position() {
    let (code, stdout, stderr) = journeys(&[
        "validate",
        "journeys/cli/tests/bad/not_json.json",
        "journeys/cli/tests/bad/empty.json",
        "journeys/cli/tests/bad/wrong_shape.json",
        "journeys/cli/tests/bad/future_version.json",
        "journeys/cli/tests/bad/does_not_exist.json",
        "templates/credit-card-activation.json",
    ]);
    assert_eq!(code, 2);
    assert!(!stderr.contains("panicked"), "{stderr}");
    insta::assert_snapshot!(format!("{stderr}---\n{stdout}"));
}

#[test]
fn rules_are_listed_with_rationale() {
    let (code, stdout, _) = journeys(&["rules"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), journeys_core::RULES.len(), "{stdout}");
    assert!(stdout.contains("J009 error    cycle-without-wait"), "{stdout}");
}

/// Write `text` to a temp file named `name` and validate it; returns (code, stdout, stderr).
fn validate_text(name: &str, text: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write fixture");
    journeys(&["validate", path.to_str().expect("utf-8 path")])
}

fn journey_with_node(node: &str) -> String {
    format!(r#"{{"format_version":1,"id":"j","name":"J","nodes":[{{"id":"t","stage":"acquire","kind":"trigger","event":"app_login"}},{node},{{"id":"x","stage":"acquire","kind":"exit"}},{{"id":"x2","stage":"acquire","kind":"exit"}}],"edges":[{{"id":"e1","from":"t","to":"n"}},{{"id":"e2","from":"n","port":"true","to":"x"}},{{"id":"e3","from":"n","port":"false","to":"x2"}}]}}"#)
}

#[test]
fn hostile_files_fail_cleanly_naming_file_and_place() {
    // (file name, content, expected exit code, text the message must contain)
    let ten_mb_label = journey_with_node(&format!(r#"{{"id":"n","stage":"acquire","kind":"condition","expression":"true","label":"{}"}}"#, "x".repeat(10 * 1024 * 1024)));
    let nested = format!(r#"{{"format_version":1,"id":"j","name":"J","nodes":[{{"id":"u","kind":"update","attribute":"a","value":{}1{}}}]}}"#, "[".repeat(50_000), "]".repeat(50_000));
    let runaway = journey_with_node(&format!(r#"{{"id":"n","stage":"acquire","kind":"condition","expression":"\"{}\".to_chars(){}.len() > 0"}}"#, "x".repeat(1500), ""));
    let cases: Vec<(&str, String, i32, &str)> = vec![
        ("ten_mb.json", ten_mb_label, 1, "error[J027] [node n; field label]"),
        ("nested.json", nested, 2, "nested.json:1:"),
        ("kind.json", journey_with_node(r#"{"id":"n","kind":"teleport"}"#), 2, "at nodes[1]: unknown variant `teleport`"),
        ("types.json", journey_with_node(r#"{"id":"n","kind":"holdout","control_percent":"ten"}"#), 2, "at nodes[1]"),
        ("runaway.json", runaway, 1, "error[J017] [node n; field expression]"),
        ("loop.json", journey_with_node(r#"{"id":"n","stage":"acquire","kind":"condition","expression":"loop { }"}"#), 1, "error[J017] [node n; field expression]"),
    ];
    for (name, text, code, needle) in cases {
        let started = std::time::Instant::now();
        let (got, stdout, stderr) = validate_text(name, &text);
        let all = format!("{stdout}{stderr}");
        assert_eq!(got, code, "{name}: {}", &all[..all.len().min(2000)]);
        assert!(all.contains(needle), "{name}: expected {needle:?} in {}", &all[..all.len().min(2000)]);
        assert!(all.contains(name), "{name}: the message names the file");
        assert!(!all.contains("panicked"), "{name}: {all}");
        assert!(all.len() < 20_000, "{name}: output stays readable ({} bytes)", all.len());
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{name}: no hang");
    }
}

#[test]
fn fmt_writes_canonical_form_and_check_reports_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journey.json");
    let original = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/credit-card-activation.json")).expect("template");
    // Reverse the node order: same journey, not canonical.
    let mut journey = journeys_core::parse_journey(&original).expect("parse");
    journey.nodes.reverse();
    std::fs::write(&path, journeys_core::to_pretty_json(&journey)).expect("write");
    let file = path.to_str().expect("utf-8 path");

    let (code, stdout, _) = journeys(&["fmt", "--check", file]);
    assert_eq!((code, stdout.contains("not in canonical form")), (1, true), "{stdout}");
    let (code, _, _) = journeys(&["fmt", file]);
    assert_eq!(code, 0);
    let formatted = std::fs::read_to_string(&path).expect("read back");
    assert_eq!(formatted, journeys_core::to_canonical_json(&journey));
    assert_eq!(journeys(&["fmt", "--check", file]).0, 0);

    // A file that does not parse is left exactly as it was.
    std::fs::write(&path, "{ broken").expect("write");
    let (code, _, stderr) = journeys(&["fmt", file]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "{ broken");
}

#[test]
fn schema_command_prints_the_checked_in_schema() {
    let (code, stdout, _) = journeys(&["schema"]);
    assert_eq!(code, 0);
    let checked_in = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/journey.schema.json")).expect("schema file");
    assert_eq!(stdout, checked_in);
    let schema: serde_json::Value = serde_json::from_str(&stdout).expect("schema is JSON");
    assert_eq!(schema["title"], "Journey");
}

#[test]
fn diff_lists_semantic_changes_with_compliance_flags() {
    let dir = tempfile::tempdir().expect("temp dir");
    let new = dir.path().join("new.json");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/credit-card-activation.json")).expect("template");
    std::fs::write(&new, text.replace("\"channel\": \"push\"", "\"channel\": \"whatsapp\"")).expect("write");
    let (code, stdout, stderr) = journeys(&["diff", "templates/credit-card-activation.json", new.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("~ node push_activate channel: \"push\" → \"whatsapp\"  [compliance]"), "{stdout}");
    assert!(stdout.ends_with("1 change, 1 compliance-relevant\n"), "{stdout}");
    let (code, same, _) = journeys(&["diff", "templates/credit-card-activation.json", "templates/credit-card-activation.json"]);
    assert_eq!((code, same.as_str()), (0, "0 changes, 0 compliance-relevant\n"));
    assert_eq!(journeys(&["diff", "templates/credit-card-activation.json", "journeys/cli/tests/bad/empty.json"]).0, 2);
}
