//! Consent per channel and purpose, changed by events in the engine's transaction, on SQLite
//! and PostgreSQL: after `unsubscribed` the next marketing contact is suppressed for consent,
//! the change is kept on the profile with its source and time, a malformed consent event is
//! refused naming its line, and the simulator replaying the same history suppresses the same
//! contacts.

mod support;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use journeys_core::interpret::CompiledJourney;
use journeys_core::simulate::{simulate, History, Options, Population, Scenario};
use journeys_engine::{Clock, Engine, EngineConfig};
use serde_json::{json, Value};
use support::*;

const MINUTE: i64 = 60_000;

/// An hour after abandoning: a marketing email, then a marketing SMS.
fn reminder() -> journeys_core::Journey {
    journeys_core::parse_journey(
        &json!({
            "format_version": 1, "id": "reminder", "name": "Reminder",
            "nodes": [
                { "id": "start", "stage": "acquire", "kind": "trigger", "event": "application_abandoned" },
                { "id": "wait_1h", "stage": "acquire", "kind": "wait", "duration": "1h" },
                { "id": "email", "stage": "acquire", "kind": "action", "channel": "email", "purpose": "marketing", "content": "Finish your application" },
                { "id": "sms", "stage": "acquire", "kind": "action", "channel": "sms", "purpose": "marketing", "content": "Finish your application" },
                { "id": "done", "stage": "acquire", "kind": "exit" }
            ],
            "edges": [
                { "id": "e1", "from": "start", "port": "out", "to": "wait_1h" },
                { "id": "e2", "from": "wait_1h", "port": "out", "to": "email" },
                { "id": "e3", "from": "email", "port": "out", "to": "sms" },
                { "id": "e4", "from": "sms", "port": "out", "to": "done" }
            ]
        })
        .to_string(),
    )
    .expect("journey")
}

/// The nodes whose contact the simulator suppressed for consent, from its trace.
fn simulated_suppressions(customer: &journeys_core::population::Customer, history: &str) -> Vec<String> {
    let compiled = CompiledJourney::new(reminder()).expect("compiles");
    let scenario: Scenario = serde_json::from_value(json!({ "default_event_rate": 0.0, "goal_base_rate": 0.0, "channels": {}, "annual_churn": 0.0 })).expect("scenario");
    let history = std::sync::Arc::new(History::parse_ndjson(history).expect("history"));
    let options = Options { days: 10, threads: 1, trace: Some(customer.id.clone()), history: Some(history), ..Options::default() };
    let report = simulate(&compiled, &Population::Given(std::slice::from_ref(customer)), &scenario, &options, &AtomicBool::new(false), &|_, _| {}).expect("simulate");
    let mut nodes: Vec<String> = report.trace.expect("trace").steps.iter().filter_map(|s| s.what.strip_suffix(" suppressed: no_consent").map(str::to_string)).collect();
    nodes.sort();
    nodes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsubscribed_event_stops_the_next_marketing_contact_in_the_engine_and_the_simulator() {
    let start = journeys_core::simulate::START_MS + 9 * HOUR;
    each_backend(|db| async move {
        let db = db;
        let store = &db.store;
        publish_journey(store, &reminder()).await;
        let clock = Clock::manual(start);
        let engine = Engine::start(store.clone(), EngineConfig { listen: "127.0.0.1:0".into(), clock: clock.clone(), ..EngineConfig::default() }).await.expect("start");
        let addr = engine.local_addr();
        let (status, body) = post_json(addr, "/v1/customers", &json!([customer("U1", "Europe/London"), customer("U2", "Europe/London"), customer("U3", "Europe/London")])).await;
        assert_eq!(status, 200, "{body}");
        for id in ["U1", "U2", "U3"] {
            let (status, body) = post_json(addr, "/v1/events", &json!([event(&format!("a-{id}"), id, "application_abandoned", start)])).await;
            assert_eq!(status, 200, "{body}");
        }

        // A consent event that does not say what it changes is refused, naming its line.
        let bad = format!("{}\n{}\n", event("ok", "U1", "app_login", start), json!({ "id": "bad", "customer_id": "U1", "type": "consent_changed", "time": rfc3339(start), "attributes": { "purpose": "marketing", "given": false } }));
        let (status, body) = request(addr, "POST", "/v1/events", "application/x-ndjson", bad.as_bytes()).await;
        let body: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!((status, body["line"].as_u64()), (400, Some(2)), "{body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("names its channel")), "{body}");

        // Half an hour later U1 unsubscribes from marketing (every channel), from the app.
        clock.set(start + 30 * MINUTE);
        let unsubscribe = json!({ "id": "u-1", "customer_id": "U1", "type": "unsubscribed", "time": rfc3339(start + 30 * MINUTE), "attributes": { "source": "mobile app settings" } });
        // U3 withdraws marketing by email only, on the phone.
        let by_phone = json!({ "id": "c-3", "customer_id": "U3", "type": "consent_changed", "time": rfc3339(start + 30 * MINUTE), "attributes": { "channel": "email", "purpose": "marketing", "given": false, "source": "call centre" } });
        let (status, body) = post_json(addr, "/v1/events", &json!([unsubscribe, by_phone])).await;
        assert_eq!(status, 200, "{body}");
        clock.set(start + 5 * 24 * HOUR);
        wait_for("every contact judged", Duration::from_secs(20), || async {
            let mut done = true;
            for id in ["U1", "U2", "U3"] {
                done &= store.customer_actions(id).await.map(|a| a.len() >= 2).unwrap_or(false);
            }
            done
        })
        .await;

        let (_, page) = get_json(addr, "/v1/customers/U1").await;
        let log = page["customer"]["consent_log"].as_array().expect("the consent change is kept on the profile");
        assert_eq!((log[0]["given"].as_bool(), log[0]["purpose"].as_str(), log[0]["source"].as_str(), log[0]["at"].as_i64()), (Some(false), Some("marketing"), Some("mobile app settings"), Some(start + 30 * MINUTE)));
        let judged = |page: &Value| -> Vec<(String, String, String)> {
            page["actions"].as_array().expect("actions").iter().map(|a| (a["node"].as_str().unwrap_or_default().to_string(), a["outcome"].as_str().unwrap_or_default().to_string(), a["reason"].as_str().unwrap_or_default().to_string())).collect()
        };
        let u1 = judged(&page);
        assert!(u1.len() == 2 && u1.iter().all(|(_, outcome, reason)| outcome == "suppressed" && reason == "no_consent"), "every marketing contact after the unsubscribe is suppressed: {u1:?}");
        let (_, other) = get_json(addr, "/v1/customers/U2").await;
        assert!(judged(&other).iter().all(|(_, outcome, _)| outcome == "sent"), "the other customer is still contacted: {other}");
        let (_, u3) = get_json(addr, "/v1/customers/U3").await;
        let mut u3_judged = judged(&u3);
        u3_judged.sort();
        assert_eq!(u3_judged, vec![("email".into(), "suppressed".into(), "no_consent".into()), ("sms".into(), "sent".into(), String::new())], "only email marketing was withdrawn");
        assert_eq!(u3["customer"]["consent_log"][0]["source"], "call centre");
        engine.shutdown().await;

        // The simulator, replaying the same history, suppresses the same contacts.
        let history = format!(
            "{}\n{}\n",
            json!({ "customer_id": "U1", "type": "application_abandoned", "time": rfc3339(start) }),
            json!({ "customer_id": "U1", "type": "unsubscribed", "time": rfc3339(start + 30 * MINUTE) })
        );
        let mut engine_nodes: Vec<String> = u1.into_iter().map(|(node, _, _)| node).collect();
        engine_nodes.sort();
        assert_eq!(simulated_suppressions(&customer("U1", "Europe/London"), &history), engine_nodes);
    })
    .await;
}
