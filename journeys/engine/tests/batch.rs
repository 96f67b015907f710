//! Group commit changes nothing but speed: the same events processed as one batch (one
//! transaction, reads cached and writes buffered) leave the database exactly as processing them
//! one transaction each does — same contacts, verdicts (frequency caps across journeys included),
//! outbox keys and instance states.

mod support;

use journeys_engine::wire::{parse_events, BodyFormat};
use journeys_engine::{BatchTally, Clock, Processor};
use journeys_store::{EngineRows, Store};
use serde_json::json;
use support::*;

/// Two journeys on the same trigger, so contacts compete for the global daily cap; the copy
/// sends its first email two hours later, so that contact is judged in a later event of the
/// batch than the first journey's.
async fn publish_two(store: &Store) {
    publish_template(store).await;
    let template = journeys_core::catalog::template(JOURNEY).expect("template");
    let mut copy =
        serde_json::to_value(journeys_core::template::instantiate(&template, "loan-copy"))
            .expect("json");
    for node in copy["nodes"].as_array_mut().expect("nodes") {
        if node["id"] == "wait_1h" {
            node["duration"] = json!("3h");
        }
    }
    let copy: journeys_core::model::Journey = serde_json::from_value(copy).expect("journey");
    let version = store.submit(&copy, "dana").await.expect("submit");
    store
        .approve(&version.reference(), "rui", "checked")
        .await
        .expect("approve");
    store
        .publish(&version.reference(), "rui")
        .await
        .expect("publish");
}

fn events() -> Vec<journeys_engine::wire::Event> {
    let mut events = Vec::new();
    for i in 0..6_i64 {
        let c = format!("B{i}");
        let t = T0 + i * 600_000;
        events.push(event(&format!("a{i}"), &c, "application_abandoned", t));
        events.push(event(&format!("v{i}"), &c, "page_view", t + 2 * HOUR));
        events.push(event(&format!("u{i}"), &c, "page_view", t + 4 * HOUR));
        if i == 2 {
            events.push(event(&format!("v{i}"), &c, "page_view", t + 2 * HOUR)); // a repeated id
            events.push(event(
                &format!("c{i}"),
                &c,
                "application_completed",
                t + 5 * HOUR,
            ));
        }
        events.push(event(&format!("w{i}"), &c, "page_view", t + 27 * HOUR));
        events.push(event(&format!("x{i}"), &c, "page_view", t + 75 * HOUR));
    }
    events.sort_by_key(|e| e["time"].as_str().map(str::to_string));
    let body = ndjson(&events);
    parse_events(body.as_bytes(), BodyFormat::Ndjson).expect("events parse")
}

async fn run(store: &Store, batch: usize) -> (BatchTally, EngineRows) {
    publish_two(store).await;
    let customers: Vec<(String, String)> = (0..6)
        .map(|i| {
            let c = customer(
                &format!("B{i}"),
                if i % 2 == 0 {
                    "Europe/London"
                } else {
                    "Asia/Kolkata"
                },
            );
            (c.id.clone(), serde_json::to_string(&c).expect("json"))
        })
        .collect();
    store
        .upsert_customers(&customers, T0)
        .await
        .expect("customers");
    let processor = Processor::new(store.clone(), Clock::manual(T0));
    processor.refresh_versions().await.expect("versions");
    let mut total = BatchTally::default();
    for chunk in events().chunks(batch) {
        let tally = processor.ingest_batch(chunk).await.expect("ingest");
        total.accepted += tally.accepted;
        total.duplicates += tally.duplicates;
    }
    (total, store.engine_rows().await.expect("rows"))
}

/// What must be equal (sequence numbers may differ by gaps, nothing else may).
fn essence(rows: &EngineRows) -> serde_json::Value {
    let mut instances: Vec<_> = rows
        .instances
        .iter()
        .map(|i| {
            json!([
                i.customer_id,
                i.journey_id,
                i.node,
                i.status,
                i.wake_at,
                i.state
            ])
        })
        .collect();
    instances.sort_by_key(|v| v.to_string());
    json!({
        "events": rows.events.iter().map(|(e, _)| &e.id).collect::<Vec<_>>(),
        "actions": rows.actions.iter().map(|a| json!([a.customer_id, a.journey_id, a.node, a.idempotency_key, a.channel, a.outcome, a.reason, a.at, a.due_at, a.pending])).collect::<Vec<_>>(),
        "outbox": rows.outbox.iter().map(|o| json!([o.idempotency_key, o.channel, o.customer_id, o.payload])).collect::<Vec<_>>(),
        "instances": instances,
    })
}

#[tokio::test]
async fn one_batch_leaves_what_one_transaction_per_event_leaves() {
    each_backend(|single_db| async move {
        let (single_tally, single) = run(&single_db.store, 1).await;
        let batched_db = tempfile::tempdir().expect("dir");
        let batched_store = Store::open(&journeys_store::sqlite_url_for(
            &batched_db.path().join("b.db"),
        ))
        .await
        .expect("open");
        let (batched_tally, batched) = run(&batched_store, 500).await;
        assert_eq!(
            single_tally,
            BatchTally {
                accepted: 31,
                duplicates: 1,
                queued: 0
            }
        );
        assert_eq!(batched_tally, single_tally);
        // The scenario is not trivial: contacts were sent and some were held back by governance.
        assert!(
            single.actions.iter().any(|a| a.outcome == "sent"),
            "{:?}",
            single.actions
        );
        assert!(
            single.actions.iter().any(|a| a.outcome == "suppressed"
                && a.reason.as_deref().is_some_and(|r| r.contains("cap"))),
            "{:?}",
            single.actions
        );
        assert_eq!(essence(&batched), essence(&single));
    })
    .await;
}

/// Concurrent callers share transactions, yet each gets its own tally, and one caller's bad
/// event (an unknown customer) fails that caller alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_submissions_commit_together_and_fail_alone() {
    each_backend(|db| async move {
        publish_template(&db.store).await;
        let customers: Vec<(String, String)> = (0..40).map(|i| {
            let c = customer(&format!("S{i}"), "Europe/London");
            (c.id.clone(), serde_json::to_string(&c).expect("json"))
        }).collect();
        db.store.upsert_customers(&customers, T0).await.expect("customers");
        let processor = std::sync::Arc::new(Processor::new(db.store.clone(), Clock::manual(T0)));
        processor.refresh_versions().await.expect("versions");
        let mut callers = Vec::new();
        for i in 0..40 {
            let processor = std::sync::Arc::clone(&processor);
            let customer = if i == 17 { "nobody".to_string() } else { format!("S{i}") };
            // Each caller sends its event twice: the second is a duplicate within the caller.
            let body = ndjson(&[event(&format!("s{i}"), &customer, "application_abandoned", T0), event(&format!("s{i}"), &customer, "application_abandoned", T0)]);
            let events = parse_events(body.as_bytes(), BodyFormat::Ndjson).expect("parse");
            callers.push(tokio::spawn(async move { processor.submit(events).await }));
        }
        let mut failed = Vec::new();
        for (i, caller) in callers.into_iter().enumerate() {
            match caller.await.expect("task") {
                Ok(tally) => assert_eq!(tally, BatchTally { accepted: 1, duplicates: 1, queued: 0 }, "caller {i}"),
                Err(e) => failed.push((i, e.to_string())),
            }
        }
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert_eq!(failed[0].0, 17);
        assert!(failed[0].1.contains("unknown customer 'nobody'"), "{failed:?}");
        assert_eq!(db.store.event_count().await.expect("count"), 39);
        assert_eq!(db.store.engine_rows().await.expect("rows").instances.len(), 39);
    })
    .await;
}
