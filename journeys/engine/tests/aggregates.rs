//! Events keep profiles current, on SQLite and PostgreSQL: the schema's event rules set
//! attributes (`card_txn` sets `last_transaction_at`) and its rolling aggregates (logins in 7
//! days, spend in 30 days) are maintained in the event's transaction; a condition reads them,
//! they age out of their window, and the simulator replaying the same history counts the same.

mod support;

use std::sync::atomic::AtomicBool;

use journeys_core::customer_schema::CustomerSchema;
use journeys_core::interpret::CompiledJourney;
use journeys_core::simulate::{simulate, History, Options, Population, Scenario, START_MS};
use journeys_engine::{Clock, Engine, EngineConfig};
use serde_json::{json, Value};
use support::*;

const DAY: i64 = 24 * HOUR;

const SCHEMA: &str = r#"{
    "attributes": [{"name": "last_transaction_at", "type": "timestamp"}],
    "events": [{"event": "card_txn", "set": {"last_transaction_at": "event.time"}}],
    "aggregates": [
        {"name": "logins_7d", "event": "app_login", "function": "count", "days": 7},
        {"name": "spend_30d", "event": "card_txn", "function": "sum", "field": "amount", "days": 30}
    ]
}"#;

/// On every card transaction (once a day at most): engaged big spenders one way, others the other.
fn journey(condition: &str) -> journeys_core::Journey {
    journeys_core::parse_journey(
        &json!({
            "format_version": 1, "id": "engaged-spenders", "name": "Engaged spenders",
            "settings": { "entry": { "policy": "reenter_after", "days": 1 } },
            "nodes": [
                { "id": "txn", "stage": "cross_sell", "kind": "trigger", "event": "card_txn" },
                { "id": "check", "stage": "cross_sell", "kind": "condition", "expression": condition },
                { "id": "engaged", "stage": "cross_sell", "kind": "exit" },
                { "id": "other", "stage": "cross_sell", "kind": "exit" }
            ],
            "edges": [
                { "id": "e1", "from": "txn", "port": "out", "to": "check" },
                { "id": "e2", "from": "check", "port": "true", "to": "engaged" },
                { "id": "e3", "from": "check", "port": "false", "to": "other" }
            ]
        })
        .to_string(),
    )
    .expect("journey")
}

const CONDITION: &str = "customer.spend_30d > 500.0 && customer.logins_7d >= 2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_aggregates_drive_a_condition_and_age_out_of_their_window() {
    let t0 = START_MS + 10 * HOUR;
    let schema = CustomerSchema::parse(SCHEMA).expect("schema");
    each_backend(|db| {
        let schema = schema.clone();
        async move {
            let db = db;
            let store = &db.store;
            add_team(store).await;
            store.apply_customer_schema(&schema, "ada").await.expect("apply");
            publish_journey(store, &journey(CONDITION)).await;
            let clock = Clock::manual(t0);
            let engine = Engine::start(store.clone(), EngineConfig { listen: "127.0.0.1:0".into(), clock: clock.clone(), ..EngineConfig::default() }).await.expect("start");
            let addr = engine.local_addr();
            let (status, body) = post_json(addr, "/v1/customers", &json!([customer("A1", "UTC")])).await;
            assert_eq!(status, 200, "{body}");
            let mut n = 0;
            let mut send = |kind: &str, at: i64, amount: Option<f64>| {
                n += 1;
                let mut e = event(&format!("e{n}"), "A1", kind, at);
                if let Some(amount) = amount {
                    e["attributes"] = json!({ "amount": amount });
                }
                e
            };
            let mut ends = Vec::new();
            let steps = [
                (send("app_login", t0, None), false),
                (send("app_login", t0 + HOUR, None), false),
                (send("card_txn", t0 + DAY, Some(300.0)), true),   // spend 300: not yet
                (send("card_txn", t0 + 3 * DAY, Some(300.0)), true), // spend 600, 2 logins in 7 days: engaged
                (send("card_txn", t0 + 40 * DAY, Some(10.0)), true), // both windows have moved on
            ];
            for (e, entered) in steps {
                let at = chrono::DateTime::parse_from_rfc3339(e["time"].as_str().expect("time")).expect("time").timestamp_millis();
                clock.set(at);
                let (status, body) = post_json(addr, "/v1/events", &json!([e])).await;
                assert_eq!(status, 200, "{body}");
                if entered {
                    let (_, page) = get_json(addr, "/v1/customers/A1").await;
                    ends.push(page["instances"][0]["path"].as_array().and_then(|p| p.last()).and_then(Value::as_str).unwrap_or_default().to_string());
                }
            }
            assert_eq!(ends, vec!["other", "engaged", "other"], "the aggregates, read at each event, route the customer");
            let stored: journeys_core::population::Customer = serde_json::from_str(&store.customer_profile("A1").await.expect("read").expect("profile")).expect("customer");
            assert_eq!(stored.attributes["last_transaction_at"], json!(t0 + 40 * DAY), "the event rule keeps the attribute current");
            assert_eq!(stored.rolling["spend_30d"].entries, vec![(t0 + 40 * DAY, 10.0)], "entries older than the window are dropped");
            engine.shutdown().await;
        }
    })
    .await;

    // The simulator, replaying the same logins and transactions (history has no amounts, so the
    // count decides here), reads the aggregate the same way.
    let compiled = CompiledJourney::with_schema(journey("customer.logins_7d >= 2"), &schema).expect("compiles");
    let history = [("app_login", t0), ("app_login", t0 + HOUR), ("card_txn", t0 + DAY), ("app_login", t0 + 20 * DAY), ("card_txn", t0 + 21 * DAY)]
        .iter()
        .map(|(kind, at)| format!("{}\n", json!({ "customer_id": "A1", "type": kind, "time": rfc3339(*at) })))
        .collect::<String>();
    let scenario: Scenario = serde_json::from_value(json!({ "default_event_rate": 0.0, "goal_base_rate": 0.0, "channels": {}, "annual_churn": 0.0 })).expect("scenario");
    let options = Options { days: 30, threads: 1, trace: Some("A1".into()), history: Some(std::sync::Arc::new(History::parse_ndjson(&history).expect("history"))), ..Options::default() };
    let report = simulate(&compiled, &Population::Given(&[customer("A1", "UTC")]), &scenario, &options, &AtomicBool::new(false), &|_, _| {}).expect("simulate");
    let moves: Vec<String> = report.trace.expect("trace").steps.iter().filter_map(|s| s.what.split_once("--> ").map(|(_, to)| to.to_string())).filter(|to| to == "engaged" || to == "other").collect();
    assert_eq!(moves, vec!["engaged", "other"], "two logins in the week before the first transaction, one before the second");
}
