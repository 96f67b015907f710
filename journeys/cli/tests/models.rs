//! `journeys models`, `journeys offers` and `journeys explain` as real processes on a real
//! SQLite file: train from CSV, four-eyes approval, drift with its exit code, the offers
//! catalogue, and the explanation of logged decisions.

use std::path::Path;
use std::process::Command;

use journeys_store::{sqlite_url_for, Role, Store};

struct Db {
    dir: tempfile::TempDir,
    url: String,
}

fn db() -> Db {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url_for(&dir.path().join("j.db"));
    Db { dir, url }
}

fn journeys(db: &Db, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_journeys")).args(args).env("DATABASE_URL", &db.url).env_remove("JOURNEYS_LOG").current_dir(db.dir.path()).output().expect("run journeys");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn ok(db: &Db, args: &[&str]) -> String {
    let (code, out, err) = journeys(db, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

#[test]
fn a_clv_model_trains_on_amounts_and_reports_its_fit() {
    let db = db();
    ok(&db, &["users", "add", "dana", "--role", "designer"]);
    ok(&db, &["users", "add", "rui", "--role", "reviewer"]);
    ok(&db, &["models", "sample", "--kind", "clv", "--rows", "2000", "--seed", "7", "--out", "clv.csv"]);
    let (code, _, err) = journeys(&db, &["models", "train", "--kind", "churn", "--data", "clv.csv", "--as", "dana"]);
    assert!(code == 2 && err.contains("holds amounts, but a churn model needs outcomes of 0 or 1"), "{err}");
    let report = ok(&db, &["models", "train", "--kind", "clv", "--data", "clv.csv", "--as", "dana"]);
    let r2: f64 = report.split("held-out R² ").nth(1).and_then(|s| s.split(',').next()).and_then(|s| s.parse().ok()).expect("R² in the report");
    assert!(r2 > 0.9 && !report.contains("calibration"), "{report}");
    ok(&db, &["models", "approve", "clv@1", "--as", "rui", "--comment", "fits"]);
    let listed = ok(&db, &["models", "list", "--kind", "clv"]);
    assert!(listed.starts_with(&format!("clv@1\tapproved by rui\theld-out R² {r2:.3}, MAE ")), "{listed}");
}

#[test]
fn train_approve_and_watch_drift() {
    let db = db();
    ok(&db, &["users", "add", "dana", "--role", "designer"]);
    ok(&db, &["users", "add", "rui", "--role", "reviewer"]);
    ok(&db, &["models", "sample", "--rows", "3000", "--seed", "7", "--out", "train.csv"]);
    ok(&db, &["models", "sample", "--rows", "3000", "--seed", "8", "--out", "same.csv"]);
    ok(&db, &["models", "sample", "--rows", "3000", "--seed", "9", "--shift", "0.8", "--out", "shifted.csv"]);

    let report = ok(&db, &["models", "train", "--kind", "churn", "--data", "train.csv", "--as", "dana"]);
    assert!(report.starts_with("churn@1 registered (submitted: a reviewer must approve it before it scores)\n"), "{report}");
    let auc: f64 = report.split("held-out AUC ").nth(1).and_then(|s| s.split_whitespace().next()).and_then(|s| s.parse().ok()).expect("AUC in the report");
    assert!(auc > 0.75, "{report}");
    assert!(report.contains("calibration (held out)") && report.contains("last_activity_days_ago"), "{report}");

    // Not live until a reviewer other than the trainer approves it.
    let (code, _, err) = journeys(&db, &["models", "drift", "--kind", "churn", "--data", "same.csv"]);
    assert_eq!((code, err.trim()), (2, "error: no live churn model: train one and have a reviewer approve it"));
    let (code, _, err) = journeys(&db, &["models", "approve", "churn@1", "--as", "dana", "--comment", "mine"]);
    assert!(code == 2 && err.contains("dana (designer) may not approve model versions"), "{err}");
    assert_eq!(ok(&db, &["models", "approve", "churn@1", "--as", "rui", "--comment", "AUC and calibration fine"]), "churn@1 approved: live\n");
    let listed = ok(&db, &["models", "list"]);
    assert!(listed.starts_with(&format!("churn@1\tapproved by rui\theld-out AUC {auc:.3}\t3000 rows from train.csv")), "{listed}");

    let same = ok(&db, &["models", "drift", "--kind", "churn", "--data", "same.csv"]);
    assert!(same.ends_with("overall: stable\n"), "{same}");
    let (code, shifted, _) = journeys(&db, &["models", "drift", "--kind", "churn", "--data", "shifted.csv"]);
    assert_eq!(code, 1, "retraining is due: exit 1\n{shifted}");
    assert!(shifted.contains("retrain") && shifted.ends_with("overall: retrain\n"), "{shifted}");
    let json: serde_json::Value = serde_json::from_str(&journeys(&db, &["models", "drift", "--kind", "churn", "--data", "shifted.csv", "--format", "json"]).1).expect("json");
    assert!(json["score"]["psi"].as_f64().expect("psi") > 0.25, "{json}");

    // Bad data is refused with the file, line and column.
    std::fs::write(db.dir.path().join("bad.csv"), "tenure_months,label\n12,1\n12,yes\n").expect("write");
    let (code, _, err) = journeys(&db, &["models", "train", "--kind", "churn", "--data", "bad.csv", "--as", "dana"]);
    assert_eq!((code, err.trim()), (2, "error: bad.csv line 3, column 'label': 'yes' is not 0, 1 or an amount"));
}

#[test]
fn offers_catalogue_and_explained_decisions() {
    let db = db();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let store = Store::open(&db.url).await.expect("store");
        store.add_user("dana", Role::Designer, None).await.expect("designer");
        store.add_user("rui", Role::Reviewer, None).await.expect("reviewer");
        let id = "credit-card-for-savings-holders";
        let template = journeys_core::catalog::template(id).expect("template");
        let v = store.submit(&journeys_core::template::instantiate(&template, id), "dana").await.expect("submit");
        store.approve(&v.reference(), "rui", "ok").await.expect("approve");
        store.publish(&v.reference(), "rui").await.expect("publish");
        // Long-standing savers in the mass segment: the cashback card only.
        let rows: Vec<(String, String)> = (0..5)
            .map(|i| {
                let mut c = journeys_core::population::generate_customer(3, i);
                c.id = format!("S{i}");
                (c.age, c.tenure_months, c.segment, c.products, c.savings_balance) = (60, 24, "mass".into(), "current_account;savings".into(), 5_000.0);
                (c.id.clone(), serde_json::to_string(&c).expect("json"))
            })
            .collect();
        store.upsert_customers(&rows, 0).await.expect("customers");
        store.close().await;
    });
    let at = chrono::Utc::now().to_rfc3339();
    let events: String = (0..5).map(|i| format!("{}\n", serde_json::json!({"id": format!("e{i}"), "customer_id": format!("S{i}"), "type": "app_login", "time": at}))).collect();
    std::fs::write(db.dir.path().join("events.ndjson"), events).expect("events");
    assert_eq!(ok(&db, &["ingest", "events.ndjson"]), "5 accepted, 0 duplicates\n");

    // The 10 % holdout keeps some out; every treated saver was decided and can be explained.
    let explained: Vec<String> = (0..5).map(|i| ok(&db, &["explain", &format!("S{i}")])).filter(|e| !e.starts_with("no automated decision")).collect();
    assert!(!explained.is_empty(), "someone was treated");
    for text in &explained {
        assert!(text.contains("@1 step nba: cashback_card\n  why: cashback_card has the highest profit"), "{text}");
        assert!(text.contains("1. cashback_card"), "{text}");
        assert!(text.contains("travel_card          not eligible: the rule `customer.age >= 21 && customer.tenure_months >= 6 && customer.segment != \"mass\"` is false for this customer"), "{text}");
        assert!(text.contains("score cross_sell_credit_card = "), "{text}");
    }
    let first = (0..5).map(|i| format!("S{i}")).find(|c| !ok(&db, &["explain", c]).starts_with("no automated")).expect("a treated saver");
    let why_not = ok(&db, &["explain", &first, "--offer", "starter_card"]);
    assert!(why_not.ends_with("  starter_card: not eligible: the rule `customer.age >= 21 && customer.tenure_months >= 6 && customer.age < 30` is false for this customer\n"), "{why_not}");
    assert_eq!(ok(&db, &["explain", "nobody"]), "no automated decision has been logged for customer 'nobody'\n");

    // The catalogue: submit, four eyes, live.
    let offer = serde_json::json!({"id": "platinum_card", "name": "Platinum card", "product": "credit_card", "channel": "email", "cost": 0.5, "value": 106.91,
        "propensity_score": "cross_sell_credit_card", "eligibility": "customer.tenure_months > 6", "contact_policy": {"max_ignores": 3, "window_days": 30}});
    std::fs::write(db.dir.path().join("offer.json"), offer.to_string()).expect("offer");
    assert_eq!(ok(&db, &["offers", "submit", "offer.json", "--as", "dana"]), "platinum_card@1\n");
    assert_eq!(ok(&db, &["offers", "list", "--live"]), "");
    let (code, _, err) = journeys(&db, &["offers", "approve", "platinum_card@1", "--as", "dana", "--comment", "mine"]);
    assert!(code == 2 && err.contains("may not approve offer versions"), "{err}");
    assert_eq!(ok(&db, &["offers", "approve", "platinum_card@1", "--as", "rui", "--comment", "margins checked"]), "platinum_card@1 approved: live\n");
    assert_eq!(ok(&db, &["offers", "list", "--live"]), "platinum_card@1\tapproved\tPlatinum card\tdiscretionary\tcost 0.5\tvalue 106.91\tcustomer.tenure_months > 6\n");
    std::fs::write(db.dir.path().join("bad.json"), "{\"id\": \"x\", \"name\": \"X\", \"channel\": \"pigeon\"}").expect("bad offer");
    let (code, _, err) = journeys(&db, &["offers", "submit", "bad.json", "--as", "dana"]);
    assert!(code == 2 && err.contains("bad.json:1:") && err.contains("at channel"), "{err}");
    assert!(Path::new(&db.dir.path().join("j.db")).exists());
}

#[test]
fn train_on_stored_outcomes_and_check_the_stored_population_for_drift() {
    let db = db();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let store = Store::open(&db.url).await.expect("store");
        store.add_user("ana", Role::Analyst, None).await.expect("analyst");
        store.add_user("rui", Role::Reviewer, None).await.expect("reviewer");
        let customers: Vec<_> = (0..400).map(|i| journeys_core::population::generate_customer(5, i)).collect();
        let rows: Vec<(String, String)> = customers.iter().map(|c| (c.id.clone(), serde_json::to_string(c).expect("json"))).collect();
        store.upsert_customers(&rows, 0).await.expect("customers");
        // The outcome follows inactivity: the long-inactive closed their accounts.
        let mut tx = store.engine_tx().await.expect("tx");
        for c in customers.iter().filter(|c| c.last_activity_days_ago > 30) {
            let event = journeys_store::EventRecord { id: format!("x{}", c.id), customer_id: c.id.clone(), event_type: "account_closed".into(), time: 1, attributes: "{}".into() };
            tx.insert_event(&event, 1).await.expect("event");
        }
        tx.commit().await.expect("commit");
        store.close().await;
    });
    let report = ok(&db, &["models", "train", "--kind", "churn", "--outcome-event", "account_closed", "--as", "ana"]);
    assert!(report.contains("400 rows from store (outcome account_closed)"), "{report}");
    let auc: f64 = report.split("held-out AUC ").nth(1).and_then(|s| s.split_whitespace().next()).and_then(|s| s.parse().ok()).expect("AUC in the report");
    assert!(auc > 0.9, "the outcome is a function of one feature: {report}");
    ok(&db, &["models", "approve", "churn@1", "--as", "rui", "--comment", "fine"]);
    let drift = ok(&db, &["models", "drift", "--kind", "churn"]);
    assert!(drift.starts_with("drift of store (400 rows) against the training population of churn@1\n") && drift.ends_with("overall: stable\n"), "{drift}");
}
