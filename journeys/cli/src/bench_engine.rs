//! `journeys bench engine`: events per second through core's interpreter in memory, through the
//! durable engine on SQLite (group commit of `INGEST_BATCH` events per transaction, as the HTTP
//! API and `journeys ingest` do; and one transaction per event for comparison), and a raw
//! batched insert of the very rows the durable run wrote, the floor it is compared with; then
//! due wake-ups fired per second, and the latency from an event offered (one per request, as
//! concurrent HTTP clients send them, at half the durable throughput) to its commit.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use journeys_core::interpret::{self, CompiledJourney, Input};
use journeys_core::model::Journey;
use journeys_core::customer_schema::CustomerSchema;
use journeys_core::population::{generate_customer, Customer};
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

fn events(n: u64, bank_profile: bool) -> Vec<Event> {
    (0..n)
        .map(|i| Event {
            id: format!("e{i}"),
            customer_id: format!("C{i:08}"),
            event_type: EVENT.into(),
            time: T0 + i64::try_from(i).unwrap_or(0),
            attributes: if bank_profile { serde_json::json!({ "amount": (i % 100) as f64 }) } else { serde_json::json!({}) },
            position: Position::Line(0),
        })
        .collect()
}

/// The sample bank's own attributes for customer `i`, in stored form.
fn bank_attributes(i: u64) -> std::collections::BTreeMap<String, serde_json::Value> {
    use serde_json::json;
    [
        ("risk_band", json!(["low", "medium", "high"][(i % 3) as usize])),
        ("last_login_at", json!(T0 - (i % 90) as i64 * 86_400_000)),
        ("date_of_birth", json!(-315_619_200_000_i64 + (i % 20_000) as i64 * 86_400_000)),
        ("postcode", json!(format!("EC{}A 1BB", i % 9 + 1))),
        ("open_loans", json!(i % 4)),
        ("monthly_income", json!(1_500.0 + (i % 7_000) as f64)),
        ("paperless", json!(i % 2 == 0)),
        ("marketing_segments", json!(["young", "digital"])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub fn run(count: u64, offered: Option<f64>, bank_profile: bool) -> anyhow::Result<ExitCode> {
    let template = journeys_core::catalog::template(JOURNEY).context("template missing")?;
    let journey = journeys_core::template::instantiate(&template, JOURNEY);
    let compiled = CompiledJourney::new(journey.clone())?;
    let customers: Vec<_> = (0..count)
        .map(|i| {
            let mut c = generate_customer(1, i);
            if bank_profile {
                c.attributes = bank_attributes(i);
            }
            c
        })
        .collect();
    let events = events(count, bank_profile);
    // The bank's profile: the sample schema's attributes and two rolling aggregates fed by the
    // benchmark's event, maintained in every event's transaction.
    let schema = bank_profile.then(|| -> anyhow::Result<CustomerSchema> {
        let mut schema = CustomerSchema::parse(journeys_core::customer_schema::SAMPLE_SCHEMA).map_err(|e| anyhow::anyhow!("{e}"))?;
        schema.aggregates = serde_json::from_value(serde_json::json!([
            { "name": "openings_30d", "event": EVENT, "function": "count", "days": 30 },
            { "name": "amount_30d", "event": EVENT, "function": "sum", "field": "amount", "days": 30 }
        ]))?;
        Ok(schema)
    }).transpose()?;

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
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let figures = runtime.block_on(durable_figures(&dir, &journey, &customers, &events, offered, schema.as_ref()));
    let _ = std::fs::remove_dir_all(&dir);
    let f = figures?;
    let batch = journeys_engine::INGEST_BATCH;
    println!("engine: {JOURNEY}, {count} '{EVENT}' events (each enters a new customer), SQLite");
    println!("  in memory (core enter + step):                {memory:>10.0} events/s");
    println!("  durable, group commit ({batch} per transaction):  {:>10.0} events/s  ({} instances, {:.2} outbox rows per event)", f.durable, f.instances, f.outbox_per_event);
    println!("  durable, one transaction per event:           {:>10.0} events/s  (first {} events)", f.single, SINGLE_EVENTS.min(count));
    println!("  raw batched insert of the same rows:          {:>10.0} events/s  (1,000 events' rows per transaction)", f.raw);
    println!("  durable / raw: {:.3}", f.durable / f.raw);
    println!("  timers: {:.0} due wake-ups fired/s ({} fired)", f.timers_per_second, f.timers_fired);
    println!("  latency, offered {:.0} events/s one per request ({}):", f.offered, if offered.is_some() { "as asked" } else { "half the durable rate" });
    let (a, o) = (&f.from_accepted, &f.from_offered);
    println!("    accepted to committed: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", a.p50, a.p99, a.max);
    println!("    offered to committed:  p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms  (with the load generator's own lateness)", o.p50, o.p99, o.max);
    Ok(ExitCode::SUCCESS)
}

struct Figures {
    durable: f64,
    single: f64,
    raw: f64,
    outbox_per_event: f64,
    instances: usize,
    timers_per_second: f64,
    timers_fired: usize,
    offered: f64,
    /// Latency from the engine taking the event (`submit` called) to its commit.
    from_accepted: Quantiles,
    /// From the moment the schedule offered it: adds the load generator's lateness (tokio's
    /// timers fire on the next millisecond) and its wait for a worker thread.
    from_offered: Quantiles,
}

/// Milliseconds.
struct Quantiles {
    p50: f64,
    p99: f64,
    max: f64,
}

impl Quantiles {
    fn of(mut ms: Vec<f64>) -> Quantiles {
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms.get(((ms.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
        Quantiles { p50: at(0.5), p99: at(0.99), max: at(1.0) }
    }
}

async fn durable_figures(dir: &std::path::Path, journey: &Journey, customers: &[Customer], events: &[Event], offered: Option<f64>, schema: Option<&CustomerSchema>) -> anyhow::Result<Figures> {
    let count = events.len();
    let batched = durable_run(&dir.join("batched.db"), journey, customers, events, journeys_engine::INGEST_BATCH, schema).await?;
    let singles = usize::try_from(SINGLE_EVENTS)?.min(count);
    let single = durable_run(&dir.join("single.db"), journey, &customers[..singles], &events[..singles], 1, schema).await?;
    single.processor.store().close().await;
    let rows = batched.processor.store().engine_rows().await?;
    let raw_store = Store::open(&sqlite_url_for(&dir.join("raw.db"))).await?;
    let start = Instant::now();
    raw_store.insert_rows_raw(&rows, 1_000).await?;
    let raw = count as f64 / start.elapsed().as_secs_f64();
    raw_store.close().await;

    // Every customer is waiting; a week later all their wake-ups are due.
    batched.processor.clock().set(T0 + 7 * 24 * 3_600_000);
    let start = Instant::now();
    let mut timers_fired = 0;
    loop {
        let fired = batched.processor.fire_due(journeys_engine::TIMER_BATCH).await?;
        if fired == 0 {
            break;
        }
        timers_fired += fired;
    }
    let timers_per_second = timers_fired as f64 / start.elapsed().as_secs_f64();
    batched.processor.store().close().await;

    // Open loop: event i is offered at start + i / rate whether or not earlier ones are done.
    let latency = durable_run(&dir.join("latency.db"), journey, customers, &[], 1, schema).await?;
    let offered = offered.filter(|rate| *rate > 0.0).unwrap_or(batched.rate / 2.0);
    let processor = Arc::new(latency.processor);
    let start = tokio::time::Instant::now();
    let mut waiting = Vec::with_capacity(count);
    for (i, event) in events.iter().enumerate() {
        let due = start + Duration::from_secs_f64(i as f64 / offered);
        tokio::time::sleep_until(due).await;
        let processor = Arc::clone(&processor);
        let event = event.clone();
        waiting.push(tokio::spawn(async move {
            let accepted = tokio::time::Instant::now();
            processor.submit(vec![event]).await.map(|_| (accepted.elapsed(), due.elapsed()))
        }));
    }
    let (mut from_accepted, mut from_offered) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for task in waiting {
        let (accepted, offered) = task.await??;
        from_accepted.push(accepted.as_secs_f64() * 1_000.0);
        from_offered.push(offered.as_secs_f64() * 1_000.0);
    }
    processor.store().close().await;
    Ok(Figures {
        durable: batched.rate,
        single: single.rate,
        raw,
        outbox_per_event: rows.outbox.len() as f64 / count as f64,
        instances: rows.instances.len(),
        timers_per_second,
        timers_fired,
        offered,
        from_accepted: Quantiles::of(from_accepted),
        from_offered: Quantiles::of(from_offered),
    })
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("journeys-bench-engine-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

struct DurableRun {
    processor: Processor,
    rate: f64,
}

/// Publish the journey in a fresh database, load the customers, then time the engine over the
/// events, `batch` per transaction.
async fn durable_run(db: &std::path::Path, journey: &Journey, customers: &[Customer], events: &[Event], batch: usize, schema: Option<&CustomerSchema>) -> anyhow::Result<DurableRun> {
    let store = Store::open(&sqlite_url_for(db)).await?;
    if let Some(schema) = schema {
        store.add_user("bench-admin", Role::Admin, None).await?;
        store.apply_customer_schema(schema, "bench-admin").await?;
    }
    store.add_user("bench-designer", Role::Designer, None).await?;
    store.add_user("bench-reviewer", Role::Reviewer, None).await?;
    let v = store.submit(journey, "bench-designer").await?;
    store.approve(&v.reference(), "bench-reviewer", "bench").await?;
    store.publish(&v.reference(), "bench-reviewer").await?;
    let rows: Vec<(String, String)> = customers.iter().map(|c| Ok((c.id.clone(), serde_json::to_string(c)?))).collect::<anyhow::Result<_>>()?;
    store.upsert_customers(&rows, T0).await?;
    let processor = Processor::new(store, Clock::manual(T0));
    processor.refresh_versions().await?;
    processor.rebalance().await?; // not inside the timed loop
    let start = Instant::now();
    for chunk in events.chunks(batch) {
        processor.ingest_batch(chunk).await?;
    }
    let rate = events.len() as f64 / start.elapsed().as_secs_f64();
    Ok(DurableRun { processor, rate })
}
