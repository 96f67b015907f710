//! `journeys templates`: list and filter the gallery, start a file or a draft from a template.

use std::process::Command;

fn journeys(args: &[&str], database_url: &str, dir: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_journeys"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .current_dir(dir)
        .output()
        .expect("run journeys");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn list_filters_by_stage_industry_and_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = journeys_store::sqlite_url_for(&dir.path().join("j.db"));
    let (code, out, _) = journeys(&["templates", "list", "--format", "json"], &url, dir.path());
    assert_eq!(code, 0);
    let all: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json list");
    assert_eq!(all.len(), journeys_core::catalog::templates().len());

    let (code, out, _) = journeys(&["templates", "list", "--stage", "retain", "--format", "json"], &url, dir.path());
    assert_eq!(code, 0);
    let retain: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json list");
    assert!(!retain.is_empty() && retain.len() < all.len());
    assert!(retain.iter().all(|t| t["template"]["stage"] == "retain"), "{retain:?}");

    let (_, out, _) = journeys(&["templates", "list", "--industry", "insurance", "--search", "RENEWAL"], &url, dir.path());
    assert!(out.contains("policy-renewal"), "{out}");
    assert!(out.lines().all(|l| l.contains("insurance")), "{out}");

    let (code, _, err) = journeys(&["templates", "list", "--stage", "upsell"], &url, dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("unknown stage 'upsell'"), "{err}");
}

#[test]
fn new_writes_a_file_or_creates_a_draft_without_gallery_metadata() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = journeys_store::sqlite_url_for(&dir.path().join("j.db"));
    let (code, out, err) = journeys(&["templates", "new", "credit-card-activation", "--id", "my-activation"], &url, dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("my-activation.json"), "{out}");
    let text = std::fs::read_to_string(dir.path().join("my-activation.json")).expect("file written");
    let journey = journeys_core::parse_journey(&text).expect("parses");
    assert_eq!((journey.id.as_str(), journey.template.is_none()), ("my-activation", true));
    assert_eq!(journeys_core::validate(&journey), vec![]);

    // Never overwrite; bad ids and unknown templates are refused with a clear message.
    let (code, _, err) = journeys(&["templates", "new", "credit-card-activation", "--id", "my-activation"], &url, dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("exists; not overwriting"), "{err}");
    let (code, _, err) = journeys(&["templates", "new", "credit-card-activation", "--id", "My Activation!"], &url, dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("not a usable journey id") && err.contains("my-activation"), "{err}");
    let (code, _, err) = journeys(&["templates", "new", "no-such-template", "--id", "x"], &url, dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("no template 'no-such-template'"), "{err}");

    // As a draft: only for designers and admins.
    let (code, _, err) = journeys(&["users", "add", "dana", "--role", "designer"], &url, dir.path());
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = journeys(&["users", "add", "ava", "--role", "analyst"], &url, dir.path());
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = journeys(&["templates", "new", "policy-renewal-reminders", "--id", "renewals", "--as", "ava"], &url, dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("ava (analyst) may not create a draft"), "{err}");
    let (code, out, err) = journeys(&["templates", "new", "policy-renewal-reminders", "--id", "renewals", "--name", "Renewals 2027", "--as", "dana"], &url, dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created draft renewals"), "{out}");
    let (_, out, _) = journeys(&["drafts", "list"], &url, dir.path());
    assert!(out.contains("renewals\tr1\tRenewals 2027"), "{out}");
}
