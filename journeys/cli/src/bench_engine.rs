//! `journeys bench engine`: events per second through core's interpreter in memory, through the
//! durable engine on SQLite (group commit of `INGEST_BATCH` events per transaction, as the HTTP
//! API and `journeys ingest` do; and one transaction per event for comparison), and a raw
//! batched insert of the very rows the durable run wrote, the floor it is compared with.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use journeys_core::interpret::{self, CompiledJourney, Input};
use journeys_core::population::generate_customer;
use journeys_engine::wire::{Event, Position};
use journeys_engine::{Clock, Processor};
use journeys_store::{sqlite_url_for, Role, Store};

/// Entry sends a service email at once: each event enters one customer and queues one action.
const JOURNEY: &str = "current-account-onboarding";
const EVENT: &str = "account_opened";
/// Events processed one transaction each, for comparison (it is slow by design).
const SINGLE_EVENTS: u64 = 2_000;
/// 2026-01-12 09:00 UTC.
const T0: i64 = 1_768_208_400_000;

fn events(n: u64) -> Vec<Event> {
    (0..n)
        .map(|i| Event {
            id: format!("e{i}"),
            customer_id: format!("C{i:08}"),
            event_type: EVENT.into(),
            time: T0 + i64::try_from(i).unwrap_or(0),
            attributes: serde_json::json!({}),
            position: Position::Line(0),
        })
        .collect()
}

pub fn run(count: u64) -> anyhow::Result<ExitCode> {
    let template = journeys_core::catalog::template(JOURNEY).context("template missing")?;
    let journey = journeys_core::template::instantiate(&template, JOURNEY);
    let compiled = CompiledJourney::new(journey.clone())?;
    let customers: Vec<_> = (0..count).map(|i| generate_customer(1, i)).collect();
    let events = events(count);

    // In memory: entry and the first wake-up, exactly the calls the engine makes, no I/O.
    let start = Instant::now();
    for (event, customer) in events.iter().zip(&customers) {
        let mut ctx = customer.context(event.time);
        ctx.set_event_type(&event.event_type);
        if let Some(trigger) = interpret::entry_trigger(&compiled, &event.event_type, &mut ctx) {
            let step = interpret::enter(&compiled, &customer.id, trigger, &mut ctx, event.time)?;
            if let Some(at) = step.instance.wake_at {
                std::hint::black_box(interpret::step(
                    &compiled,
                    &step.instance,
                    &Input::Timer,
                    &mut ctx,
                    at,
                )?);
            }
        }
    }
    let memory = count as f64 / start.elapsed().as_secs_f64();

    let dir = tempfile_dir()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let figures = runtime.block_on(async {
        let batched = durable_run(
            &dir.join("batched.db"),
            &journey,
            &customers,
            &events,
            journeys_engine::INGEST_BATCH,
        )
        .await?;
        let singles = usize::try_from(SINGLE_EVENTS.min(count))?;
        let single = durable_run(
            &dir.join("single.db"),
            &journey,
            &customers[..singles],
            &events[..singles],
            1,
        )
        .await?;
        let rows = batched.store.engine_rows().await?;
        batched.store.close().await;
        single.store.close().await;
        let raw_store = Store::open(&sqlite_url_for(&dir.join("raw.db"))).await?;
        let start = Instant::now();
        raw_store.insert_rows_raw(&rows, 1_000).await?;
        let raw = count as f64 / start.elapsed().as_secs_f64();
        raw_store.close().await;
        let outbox_per_event = rows.outbox.len() as f64 / count as f64;
        anyhow::Ok((
            batched.rate,
            single.rate,
            raw,
            outbox_per_event,
            rows.instances.len(),
        ))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let (durable, single, raw, outbox_per_event, instances) = figures?;
    let batch = journeys_engine::INGEST_BATCH;
    println!("engine: {JOURNEY}, {count} '{EVENT}' events (each enters a new customer), SQLite");
    println!("  in memory (core enter + step):               {memory:>10.0} events/s");
    println!("  durable, group commit ({batch} per transaction): {durable:>10.0} events/s  ({instances} instances, {outbox_per_event:.2} outbox rows per event)");
    println!(
        "  durable, one transaction per event:          {single:>10.0} events/s  (first {} events)",
        SINGLE_EVENTS.min(count)
    );
    println!(
        "  raw batched insert of the same rows (1,000 events' rows per tx): {raw:>10.0} events/s"
    );
    println!("  durable / raw: {:.3}", durable / raw);
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("journeys-bench-engine-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

struct DurableRun {
    store: Store,
    rate: f64,
}

/// Publish the journey in a fresh database, load the customers, then time the engine over the
/// events, `batch` per transaction.
async fn durable_run(
    db: &std::path::Path,
    journey: &journeys_core::model::Journey,
    customers: &[journeys_core::population::Customer],
    events: &[Event],
    batch: usize,
) -> anyhow::Result<DurableRun> {
    let store = Store::open(&sqlite_url_for(db)).await?;
    store
        .add_user("bench-designer", Role::Designer, None)
        .await?;
    store
        .add_user("bench-reviewer", Role::Reviewer, None)
        .await?;
    let v = store.submit(journey, "bench-designer").await?;
    store
        .approve(&v.reference(), "bench-reviewer", "bench")
        .await?;
    store.publish(&v.reference(), "bench-reviewer").await?;
    let rows: Vec<(String, String)> = customers
        .iter()
        .map(|c| Ok((c.id.clone(), serde_json::to_string(c)?)))
        .collect::<anyhow::Result<_>>()?;
    store.upsert_customers(&rows, T0).await?;
    let processor = Processor::new(store.clone(), Clock::manual(T0));
    processor.refresh_versions().await?;
    let start = Instant::now();
    for chunk in events.chunks(batch) {
        processor.ingest_batch(chunk).await?;
    }
    let rate = events.len() as f64 / start.elapsed().as_secs_f64();
    Ok(DurableRun { store, rate })
}
