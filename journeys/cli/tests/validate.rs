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
    assert!(stdout.lines().count() >= 14, "{stdout}");
    assert!(stdout.contains("J009 error    cycle-without-wait"), "{stdout}");
}
