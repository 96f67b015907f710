//! `journeys bench engines --database-url postgres://… --engines N`: durable throughput of N
//! real `journeys serve` processes sharing one (empty) database. Each event enters a new
//! customer and queues one action. A partition-aware client (as a load balancer would be)
//! posts every event to the engine holding its customer's partition, over HTTP on loopback,
//! several requests in flight per engine. Then the rows the engines wrote are inserted again
//! raw (the engine's own multi-row statements, no processing) into the same database, the
//! floor the engines are compared with.

use std::collections::BTreeMap;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use journeys_core::population::generate_customer;
use journeys_store::{partition_of, Role, Store, PARTITIONS};

const JOURNEY: &str = "current-account-onboarding";
/// Events per request, and requests in flight per engine.
const PER_REQUEST: usize = 250;
const IN_FLIGHT: usize = 4;

/// Engine processes that are stopped (SIGKILL) when the bench ends, however it ends.
struct Engines(Vec<(Child, u16, String)>);

impl Drop for Engines {
    fn drop(&mut self) {
        for (child, ..) in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn run(database_url: Option<String>, engines: usize, count: u64) -> anyhow::Result<ExitCode> {
    let url = database_url.context("give the database: --database-url postgres://…/EMPTY_DATABASE")?;
    anyhow::ensure!((1..=8).contains(&engines), "--engines must be 1 to 8");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let store = Store::open(&url).await?;
        anyhow::ensure!(store.event_count().await? == 0 && store.list_drafts().await?.is_empty(), "the database {} is not empty; give an empty one", store.location());
        prepare(&store, count).await?;
        let mut running = Engines(Vec::new());
        let exe = std::env::current_exe()?;
        for i in 0..engines {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let node = format!("bench-{i}");
            let child = Command::new(&exe)
                .env("DATABASE_URL", &url)
                .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--node-id", &node])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("start an engine")?;
            running.0.push((child, port, node));
        }
        let owners = wait_for_even_split(&store, &running).await?;
        let client = reqwest::Client::new();
        let mut per_engine: BTreeMap<u16, Vec<serde_json::Value>> = BTreeMap::new();
        // Now, so the journey's first wait is days away and each event writes exactly one action.
        let now = chrono::Utc::now().to_rfc3339();
        for i in 0..count {
            let customer = format!("C{i:08}");
            let port = owners[&partition_of(&customer)];
            per_engine.entry(port).or_default().push(serde_json::json!({"id": format!("e{i}"), "customer_id": customer, "type": "account_opened", "time": now}));
        }
        let start = Instant::now();
        let mut senders = Vec::new();
        for (port, events) in per_engine {
            let chunks: Vec<String> = events.chunks(PER_REQUEST).map(|c| serde_json::Value::from(c.to_vec()).to_string()).collect();
            let queue = std::sync::Arc::new(std::sync::Mutex::new(chunks));
            for _ in 0..IN_FLIGHT {
                let (client, queue) = (client.clone(), std::sync::Arc::clone(&queue));
                senders.push(tokio::spawn(async move {
                    loop {
                        let Some(body) = queue.lock().map_err(|_| anyhow::anyhow!("queue poisoned"))?.pop() else { return anyhow::Ok(()) };
                        let response = client.post(format!("http://127.0.0.1:{port}/v1/events")).header("content-type", "application/json").body(body).send().await?;
                        let status = response.status();
                        let tally: serde_json::Value = response.json().await?;
                        anyhow::ensure!(status.is_success() && tally["queued"] == 0, "engine on port {port} answered {status}: {tally}");
                    }
                }));
            }
        }
        for sender in senders {
            sender.await??;
        }
        let durable = count as f64 / start.elapsed().as_secs_f64();
        drop(running);

        let rows = store.engine_rows().await?;
        anyhow::ensure!(rows.events.len() as u64 == count && rows.instances.len() as u64 == count, "expected {count} events and instances, found {} and {}", rows.events.len(), rows.instances.len());
        store.clear_engine_rows().await?;
        let start = Instant::now();
        store.insert_rows_raw(&rows, 1_000).await?;
        let raw = count as f64 / start.elapsed().as_secs_f64();
        println!("engines: {engines} `journeys serve` processes on {} ({JOURNEY}, {count} events, each enters a new customer and queues one action)", store.location());
        println!(
            "  durable, end to end over HTTP: {durable:>10.0} events/s  ({PER_REQUEST} events per request, {IN_FLIGHT} requests in flight per engine; {:.2} outbox rows, {:.2} action log rows per event)",
            rows.outbox.len() as f64 / count as f64,
            rows.actions.len() as f64 / count as f64
        );
        println!("  raw batched insert of the same rows: {raw:>10.0} events/s  (1,000 events' rows per transaction, same database)");
        println!("  durable / raw: {:.3}", durable / raw);
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

async fn prepare(store: &Store, count: u64) -> anyhow::Result<()> {
    store.add_user("bench-designer", Role::Designer, None).await?;
    store.add_user("bench-reviewer", Role::Reviewer, None).await?;
    let template = journeys_core::catalog::template(JOURNEY).context("template missing")?;
    let v = store.submit(&journeys_core::template::instantiate(&template, JOURNEY), "bench-designer").await?;
    store.approve(&v.reference(), "bench-reviewer", "bench").await?;
    store.publish(&v.reference(), "bench-reviewer").await?;
    for first in (0..count).step_by(5_000) {
        let rows: Vec<(String, String)> = (first..count.min(first + 5_000))
            .map(|i| {
                let mut c = generate_customer(1, i);
                c.id = format!("C{i:08}");
                Ok((c.id.clone(), serde_json::to_string(&c)?))
            })
            .collect::<anyhow::Result<_>>()?;
        store.upsert_customers(&rows, 0).await?;
    }
    Ok(())
}

/// Wait until the engines hold equal shares; partition → the port of its holder.
async fn wait_for_even_split(store: &Store, engines: &Engines) -> anyhow::Result<BTreeMap<i64, u16>> {
    let share = PARTITIONS as usize / engines.0.len();
    let start = Instant::now();
    loop {
        let table = store.lease_table().await?;
        let mut held: BTreeMap<&str, usize> = BTreeMap::new();
        for row in &table {
            if let Some(owner) = &row.owner {
                *held.entry(owner.as_str()).or_default() += 1;
            }
        }
        if engines.0.iter().all(|(_, _, node)| held.get(node.as_str()).is_some_and(|n| n.abs_diff(share) <= 1)) && held.values().sum::<usize>() == PARTITIONS as usize {
            let port_of: BTreeMap<&str, u16> = engines.0.iter().map(|(_, port, node)| (node.as_str(), *port)).collect();
            return table.iter().map(|r| Ok((r.partition, port_of[r.owner.as_deref().unwrap_or_default()]))).collect();
        }
        anyhow::ensure!(start.elapsed() < Duration::from_secs(60), "the engines did not split the partitions within a minute: {held:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
