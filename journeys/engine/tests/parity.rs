//! The engine predicts what the simulator predicts: the same journey, customers and events give
//! every customer the same path through the nodes in both (one interpreter, driven twice).

mod support;

use std::sync::Arc;
use std::time::Duration;

use journeys_core::interpret::CompiledJourney;
use journeys_core::simulate::{History, START_MS};
use journeys_engine::{Clock, Engine, EngineConfig};
use serde_json::{json, Value};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_and_simulator_take_every_customer_down_the_same_path() {
    let zones = ["Europe/London", "Pacific/Auckland", "America/New_York", "Asia/Kolkata"];
    let customers: Vec<_> = (0..8)
        .map(|i| {
            let mut c = customer(&format!("P{i}"), zones[i % zones.len()]);
            c.consent_sms = i % 3 != 0;
            c
        })
        .collect();
    // Everyone abandons; some complete while waiting for it, some only after the journey gave up on them.
    let mut events = Vec::new();
    for (i, c) in customers.iter().enumerate() {
        events.push(event(&format!("a{i}"), &c.id, "application_abandoned", START_MS + 9 * HOUR + i as i64 * 60_000));
        match i % 4 {
            1 => events.push(event(&format!("c{i}"), &c.id, "application_completed", START_MS + 12 * HOUR)),
            2 => events.push(event(&format!("c{i}"), &c.id, "application_completed", START_MS + 5 * 24 * HOUR)),
            _ => {}
        }
    }
    // The simulator's history lines carry no event id (the engine needs one for dedup).
    let without_ids: Vec<Value> = events.iter().map(|e| json!({ "customer_id": e["customer_id"], "type": e["type"], "time": e["time"] })).collect();
    let history = Arc::new(History::parse_ndjson(&ndjson(&without_ids)).expect("history"));
    let template = journeys_core::catalog::template(JOURNEY).expect("template");
    let compiled = CompiledJourney::new(journeys_core::template::instantiate(&template, JOURNEY)).expect("compiles");

    each_backend(|db| {
        let (customers, events, history, compiled) = (customers.clone(), events.clone(), Arc::clone(&history), &compiled);
        async move {
            publish_template(&db.store).await;
            let clock = Clock::manual(START_MS);
            let config = EngineConfig { listen: "127.0.0.1:0".into(), clock: clock.clone(), ..EngineConfig::default() };
            let engine = Engine::start(db.store.clone(), config).await.expect("start");
            let addr = engine.local_addr();
            post_json(addr, "/v1/customers", &json!(customers)).await;
            // Events in time order, the clock following them, as in production.
            let mut sorted = events.clone();
            sorted.sort_by_key(|e| e["time"].as_str().map(str::to_string));
            for e in &sorted {
                let at = chrono::DateTime::parse_from_rfc3339(e["time"].as_str().expect("time")).expect("rfc3339").timestamp_millis();
                clock.set(at);
                wait_for("timers up to the event", Duration::from_secs(10), || async { db.store.due_wake_ups(at - 1, 1, journeys_store::Scope::All).await.map(|d| d.is_empty()).unwrap_or(false) }).await;
                let (status, body) = post_json(addr, "/v1/events", &json!([e])).await;
                assert_eq!(status, 200, "{body}");
            }
            clock.set(START_MS + 10 * 24 * HOUR);
            wait_for("every instance to finish", Duration::from_secs(20), || async {
                let mut done = true;
                for c in &customers {
                    done &= db.store.customer_instances(&c.id).await.map(|i| i.iter().all(|i| i.status != "waiting")).unwrap_or(false);
                }
                done
            })
            .await;
            let mut distinct = std::collections::BTreeSet::new();
            for c in &customers {
                let (_, page) = get_json(addr, &format!("/v1/customers/{}", c.id)).await;
                let engine_path: Vec<String> = page["instances"][0]["path"].as_array().expect("path").iter().filter_map(Value::as_str).map(str::to_string).collect();
                assert_eq!(engine_path, simulated_path(compiled, c, &history, 10), "customer {}", c.id);
                distinct.insert(engine_path);
            }
            assert!(distinct.len() >= 2, "the events lead down different branches: {distinct:?}");
            engine.shutdown().await;
        }
    })
    .await;
}
