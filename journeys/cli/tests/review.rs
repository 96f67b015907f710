//! The publishing workflow from a terminal, on a SQLite file, as a bank's scripts would run it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

struct Db {
    _dir: tempfile::TempDir,
    url: String,
}

fn db() -> Db {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = journeys_store::sqlite_url_for(&dir.path().join("j.db"));
    Db { _dir: dir, url }
}

fn journeys(db: &Db, args: &[&str], stdin: &str) -> (i32, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_journeys"))
        .args(args)
        .env("DATABASE_URL", &db.url)
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run journeys");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn submit_review_publish_and_audit() {
    let db = db();
    let ok = |args: &[&str], stdin: &str| {
        let (code, out, err) = journeys(&db, args, stdin);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    };
    ok(&["users", "add", "dana", "--role", "designer", "--password-stdin"], "s3cret\n");
    ok(&["users", "add", "rui", "--role", "reviewer"], "");
    assert_eq!(ok(&["submit", "templates/credit-card-activation.json", "--as", "dana"], ""), "credit-card-activation@1\n");

    let (code, _, err) = journeys(&db, &["approve", "credit-card-activation@1", "--as", "dana", "--comment", "self"], "");
    assert_eq!(code, 2);
    assert!(err.contains("dana (designer) may not approve"), "{err}");
    let (code, _, err) = journeys(&db, &["users", "add", "eve", "--role", "superuser"], "");
    assert_eq!(code, 2);
    assert!(err.contains("unknown role 'superuser'"), "{err}");

    assert_eq!(ok(&["approve", "credit-card-activation@1", "--as", "rui", "--comment", "consent checked"], ""), "credit-card-activation@1 approved\n");
    assert_eq!(ok(&["publish", "credit-card-activation@1", "--as", "rui"], ""), "credit-card-activation@1 published\n");
    let listed = ok(&["versions", "credit-card-activation"], "");
    assert!(listed.starts_with("credit-card-activation@1\tpublished by rui\tsubmitted by dana\t"), "{listed}");
    // A second version, compared with the first by reference.
    let dir = tempfile::tempdir().expect("temp dir");
    let changed = dir.path().join("v2.json");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/credit-card-activation.json")).expect("template");
    std::fs::write(&changed, text.replace("\"max\": 1", "\"max\": 2")).expect("write");
    assert_eq!(ok(&["submit", changed.to_str().expect("utf-8"), "--as", "dana"], ""), "credit-card-activation@2\n");
    let diff = ok(&["diff", "credit-card-activation@1", "credit-card-activation@2"], "");
    assert!(diff.contains("~ settings frequency_caps") && diff.contains("[compliance]"), "{diff}");
    assert_eq!(ok(&["pause", "credit-card-activation@1", "--as", "rui"], ""), "credit-card-activation@1 paused\n");
    assert_eq!(ok(&["resume", "credit-card-activation@1", "--as", "rui"], ""), "credit-card-activation@1 published\n");
    assert_eq!(ok(&["audit", "verify"], ""), "audit log intact: 8 rows\n");
    let export: serde_json::Value = serde_json::from_str(&ok(&["audit", "export"], "")).expect("JSON log");
    assert_eq!(export[4]["action"], "published");
    assert!(!export.to_string().contains("s3cret"), "no password in the log");

    // Someone edits the log behind the store's back: verify fails and names the row.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let store = journeys_store::Store::open(&db.url).await.expect("open");
        store.tamper_for_tests("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4").await;
        store.close().await;
    });
    let (code, _, err) = journeys(&db, &["audit", "verify"], "");
    assert_eq!(code, 1);
    assert!(err.contains("broken at row 4"), "{err}");
}

/// A `sqlite://` URL of a file not there yet gets a new database, as the default location does
/// (it used to fail with "unable to open database file").
#[test]
fn a_new_sqlite_file_named_by_url_is_created() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("new").join("journeys.db");
    let db = Db { url: format!("sqlite://{}", path.display()), _dir: dir };
    let (code, _, err) = journeys(&db, &["users", "add", "rui", "--role", "reviewer"], "");
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = journeys(&db, &["users", "list"], "");
    assert!(code == 0 && out.contains("rui") && path.exists(), "{code} {out} {err}");
}
