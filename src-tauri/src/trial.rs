//! A local trial of the run-time engine inside the app, on the embedded database only: start
//! and stop it, move its trial clock forward, send sample events, and watch where customers
//! are, node by node, with the customer page for any one of them.

use journeys_core::kinds::NodeKind;
use journeys_core::population::generate_customer;
use journeys_engine::page::{customer_page, node_counts};
use journeys_engine::wire::{Event, Position};
use journeys_engine::{Clock, Engine, EngineConfig};
use journeys_store::{Backend, Store, VersionStatus};
use serde::Serialize;
use tauri::State;
use tokio::sync::Mutex;

use crate::commands::{CommandError, Result};
use crate::session::Session;

/// The engine while it runs, with its trial clock.
#[derive(Default)]
pub struct Trial(Mutex<Option<(Engine, Clock)>>);

#[derive(Debug, Serialize)]
pub struct TrialNode {
    pub id: String,
    pub label: String,
    pub kind: String,
    pub stage: String,
    pub waiting: i64,
    pub exited: i64,
}

#[derive(Debug, Serialize)]
pub struct TrialVersion {
    pub journey_id: String,
    pub name: String,
    pub version: i64,
    pub paused: bool,
    pub nodes: Vec<TrialNode>,
}

#[derive(Debug, Serialize)]
pub struct TrialStatus {
    pub running: bool,
    pub address: Option<String>,
    /// The trial clock (epoch ms) while running.
    pub clock_ms: Option<i64>,
    pub sink_dir: String,
    pub versions: Vec<TrialVersion>,
    /// (outcome, reason, count) over all contacts.
    pub actions: Vec<(String, String, i64)>,
    pub events: i64,
}

fn sink_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("journeys-trial-sink")
}

async fn status(store: &Store, trial: &Option<(Engine, Clock)>) -> Result<TrialStatus> {
    let counts = node_counts(store).await.map_err(|e| CommandError::new("database", e.to_string()))?;
    let mut versions = Vec::new();
    for v in store.all_versions().await? {
        let paused = match v.status {
            VersionStatus::Published => false,
            VersionStatus::Paused => true,
            _ => continue,
        };
        let journey = store.load_version(&v.journey_id, v.number).await?;
        // Left to right, top to bottom: the order the canvas lays the flow out in.
        let mut ordered: Vec<_> = journey.nodes.iter().collect();
        ordered.sort_by(|a, b| a.position.x.total_cmp(&b.position.x).then(a.position.y.total_cmp(&b.position.y)));
        let nodes = ordered
            .into_iter()
            .map(|n| {
                let count = counts.iter().find(|c| c.journey_id == v.journey_id && c.version == v.number && c.node == n.id);
                TrialNode {
                    id: n.id.clone(),
                    label: n.label.clone(),
                    kind: n.kind.name().to_string(),
                    stage: n.stage.map(|s| s.key().to_string()).unwrap_or_default(),
                    waiting: count.map_or(0, |c| c.waiting),
                    exited: count.map_or(0, |c| c.exited),
                }
            })
            .collect();
        versions.push(TrialVersion { journey_id: v.journey_id, name: journey.name, version: v.number, paused, nodes });
    }
    Ok(TrialStatus {
        running: trial.is_some(),
        address: trial.as_ref().map(|(e, _)| format!("http://{}", e.local_addr())),
        clock_ms: trial.as_ref().map(|(_, c)| c.now()),
        sink_dir: sink_dir().display().to_string(),
        versions,
        actions: store.action_counts().await?,
        events: store.event_count().await?,
    })
}

#[tauri::command]
pub async fn trial_status(store: State<'_, Store>, trial: State<'_, Trial>) -> Result<TrialStatus> {
    status(&store, &*trial.0.lock().await).await
}

/// Start the engine on loopback with a trial clock at the current time. Only on the embedded
/// SQLite database: a trial must never act on a shared PostgreSQL database's customers.
#[tauri::command]
pub async fn trial_start(store: State<'_, Store>, session: State<'_, Session>, trial: State<'_, Trial>) -> Result<TrialStatus> {
    session.actor()?;
    if store.backend() != Backend::Sqlite {
        return Err(CommandError::new("forbidden", "the local trial runs on the embedded database only; this app uses a shared PostgreSQL database".into()));
    }
    let mut slot = trial.0.lock().await;
    if slot.is_none() {
        let clock = Clock::manual(Clock::System.now());
        let config = EngineConfig { listen: "127.0.0.1:0".into(), clock: clock.clone(), sink_dir: Some(sink_dir()), ..EngineConfig::default() };
        let engine = Engine::start(store.inner().clone(), config).await.map_err(|e| CommandError::new("engine", e.to_string()))?;
        *slot = Some((engine, clock));
    }
    status(&store, &slot).await
}

#[tauri::command]
pub async fn trial_stop(store: State<'_, Store>, trial: State<'_, Trial>) -> Result<TrialStatus> {
    let mut slot = trial.0.lock().await;
    if let Some((engine, _)) = slot.take() {
        engine.shutdown().await;
    }
    status(&store, &slot).await
}

/// Move the trial clock forward; due waits fire within the engine's next timer round.
#[tauri::command]
pub async fn trial_advance(store: State<'_, Store>, trial: State<'_, Trial>, minutes: i64) -> Result<TrialStatus> {
    let slot = trial.0.lock().await;
    let Some((_, clock)) = slot.as_ref() else { return Err(CommandError::new("invalid", "start the trial first".into())) };
    if !(1..=60 * 24 * 30).contains(&minutes) {
        return Err(CommandError::new("invalid", format!("advance by 1 minute to 30 days, not {minutes} minutes")));
    }
    clock.set(clock.now() + minutes * 60_000);
    // Give the timer loop a moment so the counts shown already include what fell due.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    status(&store, &slot).await
}

/// Send `count` sample customers one entry event each, spread over the live journeys'
/// event triggers. Returns how many events were accepted.
#[tauri::command]
pub async fn trial_send_events(store: State<'_, Store>, trial: State<'_, Trial>, count: u32) -> Result<usize> {
    let slot = trial.0.lock().await;
    let Some((engine, clock)) = slot.as_ref() else { return Err(CommandError::new("invalid", "start the trial first".into())) };
    if !(1..=10_000).contains(&count) {
        return Err(CommandError::new("invalid", format!("send 1 to 10,000 events, not {count}")));
    }
    let mut triggers = Vec::new();
    for v in store.all_versions().await?.into_iter().filter(|v| v.status == VersionStatus::Published) {
        for node in store.load_version(&v.journey_id, v.number).await?.nodes {
            if let NodeKind::Trigger(t) = node.kind {
                triggers.extend(t.event);
            }
        }
    }
    if triggers.is_empty() {
        return Err(CommandError::new("invalid", "no published journey starts on an event: publish one on the Review screen first".into()));
    }
    let now = clock.now();
    let start = store.event_count().await?;
    let mut customers = Vec::new();
    let mut events = Vec::new();
    for i in 0..u64::from(count) {
        let n = u64::try_from(start).unwrap_or(0) + i;
        let mut customer = generate_customer(2026, n);
        customer.id = format!("TRIAL-{n:06}");
        customers.push((customer.id.clone(), serde_json::to_string(&customer).map_err(|e| CommandError::new("invalid", e.to_string()))?));
        let index = usize::try_from(i).unwrap_or(0) % triggers.len();
        events.push(Event {
            id: format!("trial-{now}-{i}"),
            customer_id: customer.id,
            event_type: triggers[index].clone(),
            time: now,
            attributes: serde_json::json!({}),
            position: Position::Item(usize::try_from(i).unwrap_or(0) + 1),
        });
    }
    store.upsert_customers(&customers, now).await?;
    let tally = engine.processor().submit(events).await.map_err(|e| CommandError::new("engine", e.to_string()))?;
    Ok(tally.accepted)
}

/// The customer page: profile, journeys and nodes, every contact with its fate.
#[tauri::command]
pub async fn trial_customer(store: State<'_, Store>, id: String) -> Result<serde_json::Value> {
    customer_page(&store, id.trim())
        .await
        .map_err(|e| CommandError::new("database", e.to_string()))?
        .ok_or_else(|| CommandError::new("not_found", format!("no customer '{}'", id.trim())))
}
