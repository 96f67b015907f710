//! A short-lived writer (`journeys ingest`) beside a running engine joins as a guest: it takes
//! no partitions, so the engine keeps all it holds instead of giving half back for a process
//! that is about to leave, and it queues every event for the engine, which processes them.

mod support;

use journeys_engine::wire::{parse_events, BodyFormat};
use journeys_engine::{BatchTally, Clock, Processor};
use support::*;

#[tokio::test]
async fn a_guest_beside_an_engine_takes_no_partitions_and_queues_its_events() {
    each_backend(|db| async move {
        publish_template(&db.store).await;
        let customers: Vec<(String, String)> =
            (0..8).map(|i| customer(&format!("G{i}"), "Europe/London")).map(|c| (c.id.clone(), serde_json::to_string(&c).expect("json"))).collect();
        db.store.upsert_customers(&customers, T0).await.expect("customers");

        // Before any engine runs, a guest is the holder (as `journeys ingest` alone is).
        let alone = Processor::named(db.store.clone(), Clock::manual(T0), "ingest-alone".into(), std::time::Duration::from_secs(10));
        assert!(alone.join_unless_engines_run().await.expect("join"), "with no engine running it takes the partitions");
        alone.partitions().leave(alone.store()).await.expect("leave");

        let engine = Processor::named(db.store.clone(), Clock::manual(T0), "engine-a".into(), std::time::Duration::from_secs(10));
        assert_eq!(engine.rebalance().await.expect("engine joins"), 256);
        let guest = Processor::named(db.store.clone(), Clock::manual(T0), "ingest".into(), std::time::Duration::from_secs(10));
        assert!(!guest.join_unless_engines_run().await.expect("guest joins"), "beside an engine a guest holds nothing");
        guest.refresh_versions().await.expect("versions");

        let body = ndjson(&(0..8).map(|i| event(&format!("g{i}"), &format!("G{i}"), "application_abandoned", T0)).collect::<Vec<_>>());
        let events = parse_events(body.as_bytes(), BodyFormat::Ndjson).expect("events");
        let tally = guest.ingest_batch(&events).await.expect("ingest");
        assert_eq!(tally, BatchTally { accepted: 8, duplicates: 0, queued: 8 });

        // The engine's next round still sees one engine: it keeps every partition.
        assert_eq!(engine.rebalance().await.expect("engine renews"), 256, "the guest made the engine give nothing back");
        let holders: std::collections::BTreeSet<_> = db.store.lease_table().await.expect("leases").into_iter().filter_map(|l| l.owner).collect();
        assert_eq!(holders, ["engine-a".to_string()].into(), "only the engine holds partitions");

        engine.refresh_versions().await.expect("versions");
        assert_eq!(engine.process_pending(100).await.expect("pending"), 8, "the engine processes what the guest queued");
        let page = db.store.customer_instances("G3").await.expect("instances");
        assert_eq!(page.len(), 1, "G3 entered the journey: {page:?}");
    })
    .await;
}
