//! Update steps change the stored profile in the event's transaction: later events (and other
//! journeys) see the new value; a value that does not fit the attribute is not kept.

mod support;

use journeys_core::simulate::START_MS;
use journeys_engine::wire::{Event, Position};
use journeys_engine::{Clock, Processor};
use serde_json::json;
use support::*;

const DAY: i64 = 24 * HOUR;

/// Logging in: a VIP gets an email; anyone else is made a VIP (and, by mistake, given an age
/// that is not a number).
fn vip_journey() -> journeys_core::Journey {
    serde_json::from_value(json!({
        "format_version": 1, "id": "vip-upgrade", "name": "VIP upgrade",
        "settings": { "entry": { "policy": "reenter_after", "days": 1 } },
        "nodes": [
            { "id": "login", "stage": "retain", "kind": "trigger", "event": "app_login" },
            { "id": "is_vip", "stage": "retain", "kind": "condition", "expression": "customer.segment == \"vip\"" },
            { "id": "welcome", "stage": "retain", "kind": "action", "channel": "email", "purpose": "service", "content": "Welcome, VIP" },
            { "id": "upgrade", "stage": "retain", "kind": "update", "attribute": "segment", "value": "vip" },
            { "id": "bad_age", "stage": "retain", "kind": "update", "attribute": "age", "value": "old" },
            { "id": "done", "stage": "retain", "kind": "exit" },
            { "id": "upgraded", "stage": "retain", "kind": "exit" }
        ],
        "edges": [
            { "id": "e1", "from": "login", "port": "out", "to": "is_vip" },
            { "id": "e2", "from": "is_vip", "port": "true", "to": "welcome" },
            { "id": "e3", "from": "is_vip", "port": "false", "to": "upgrade" },
            { "id": "e4", "from": "welcome", "port": "out", "to": "done" },
            { "id": "e5", "from": "upgrade", "port": "out", "to": "bad_age" },
            { "id": "e6", "from": "bad_age", "port": "out", "to": "upgraded" }
        ]
    }))
    .expect("journey")
}

fn login(id: &str, at: i64) -> Event {
    Event { id: id.into(), customer_id: "C1".into(), event_type: "app_login".into(), time: at, attributes: json!({}), position: Position::Item(0) }
}

#[tokio::test]
async fn an_update_step_changes_the_stored_profile_for_later_events() {
    each_backend(|db| async move {
        let store = db.store;
        publish_journey(&store, &vip_journey()).await;
        let mut c = customer("C1", "UTC");
        c.segment = "mass".into();
        let age = c.age;
        store.upsert_customers(&[(c.id.clone(), serde_json::to_string(&c).expect("json"))], START_MS).await.expect("customer");
        let t0 = START_MS + 10 * HOUR;
        let processor = Processor::new(store.clone(), Clock::manual(t0));
        processor.refresh_versions().await.expect("live versions");

        processor.ingest(&login("l1", t0)).await.expect("first login");
        let stored: serde_json::Value = serde_json::from_str(&store.customer_profile("C1").await.expect("read").expect("profile")).expect("json");
        assert_eq!((stored["segment"].as_str(), stored["age"].as_i64()), (Some("vip"), Some(age)), "segment kept; an age of \"old\" is not");
        assert!(store.customer_actions("C1").await.expect("actions").is_empty(), "not a VIP yet at the first login");

        processor.ingest(&login("l2", t0 + 2 * DAY)).await.expect("second login");
        let sent: Vec<String> = store.customer_actions("C1").await.expect("actions").into_iter().filter(|a| a.outcome == "sent").map(|a| a.node).collect();
        assert_eq!(sent, ["welcome"], "the second login sees the stored VIP segment");
    })
    .await;
}
