//! `journeys bench engine`: events per second through core's interpreter in memory, through the
//! durable engine on SQLite (one transaction per event), and a raw batched insert of the same
//! event rows as the floor the durable path is compared with.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use journeys_core::interpret::{self, CompiledJourney, Input};
use journeys_core::population::generate_customer;
use journeys_engine::wire::{Event, Position};
use journeys_engine::{Clock, Processor};
use journeys_store::{sqlite_url_for, EventRecord, Role, Store};

const JOURNEY: &str = "loan-application-abandonment";
/// 2026-01-12 09:00 UTC.
const T0: i64 = 1_768_208_400_000;

fn events(n: u64) -> Vec<Event> {
    (0..n)
        .map(|i| Event {
            id: format!("e{i}"),
            customer_id: format!("C{i:08}"),
            event_type: "application_abandoned".into(),
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
                std::hint::black_box(interpret::step(&compiled, &step.instance, &Input::Timer, &mut ctx, at)?);
            }
        }
    }
    let memory = count as f64 / start.elapsed().as_secs_f64();

    let dir = tempfile_dir()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (durable, raw) = runtime.block_on(async {
        let store = Store::open(&sqlite_url_for(&dir.join("durable.db"))).await?;
        store.add_user("bench-designer", Role::Designer, None).await?;
        store.add_user("bench-reviewer", Role::Reviewer, None).await?;
        let v = store.submit(&journey, "bench-designer").await?;
        store.approve(&v.reference(), "bench-reviewer", "bench").await?;
        store.publish(&v.reference(), "bench-reviewer").await?;
        let rows: Vec<(String, String)> = customers.iter().map(|c| Ok((c.id.clone(), serde_json::to_string(c)?))).collect::<anyhow::Result<_>>()?;
        store.upsert_customers(&rows, T0).await?;
        let processor = Processor::new(store.clone(), Clock::manual(T0));
        processor.refresh_versions().await?;
        let start = Instant::now();
        for event in &events {
            processor.ingest(event).await?;
        }
        let durable = count as f64 / start.elapsed().as_secs_f64();
        store.close().await;

        let raw_store = Store::open(&sqlite_url_for(&dir.join("raw.db"))).await?;
        let records: Vec<EventRecord> = events.iter().map(Event::record).collect();
        let start = Instant::now();
        raw_store.insert_events_raw(&records, T0, 1_000).await?;
        let raw = count as f64 / start.elapsed().as_secs_f64();
        raw_store.close().await;
        anyhow::Ok((durable, raw))
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    println!("engine: {JOURNEY}, {count} events (each a new entry), SQLite");
    println!("  in memory (core enter + step):        {memory:>10.0} events/s");
    println!("  durable (one transaction per event):  {durable:>10.0} events/s");
    println!("  raw batched insert (1,000 per tx):    {raw:>10.0} events/s");
    println!("  durable / raw: {:.3}", durable / raw);
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("journeys-bench-engine-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
