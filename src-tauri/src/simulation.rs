//! Simulation commands: run the core simulator off the UI thread, stream progress through a
//! channel, allow cancelling, and save the run in the store.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use journeys_core::interpret::CompiledJourney;
use journeys_core::population::Customer;
use journeys_core::simulate::{simulate, Options, Population, Report, Scenario, SimulateError};
use journeys_core::Journey;
use journeys_store::{RunParameters, RunSummary, Store};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::commands::CommandError;

/// The cancel flag of the simulation in progress, if any.
#[derive(Default)]
pub struct Running(Mutex<Option<Arc<AtomicBool>>>);

#[derive(Clone, Serialize)]
pub struct Progress {
    done: u64,
    total: u64,
}

#[derive(Serialize)]
pub struct SimulationResult {
    run: RunSummary,
    report: Report,
}

fn error(kind: &'static str, message: impl ToString) -> CommandError {
    CommandError::new(kind, message.to_string())
}

/// The customers of a population file; any bad row refuses the run (and names the row).
fn read_population(path: &str) -> Result<Vec<Customer>, CommandError> {
    let file = std::fs::File::open(path).map_err(|e| error("invalid", format!("cannot read {path}: {e}")))?;
    journeys_core::population::read_csv(std::io::BufReader::new(file), false)
        .map(|(customers, _)| customers)
        .map_err(|e| error("invalid", format!("{path}: {e}")))
}

/// Simulate the journey as the editor holds it (saved or not) against generated customers
/// or a population file, with the default or a given scenario; optionally trace a customer.
#[tauri::command]
pub async fn simulate_journey(
    store: State<'_, Store>,
    running: State<'_, Running>,
    journey: Journey,
    revision: i64,
    parameters: RunParameters,
    trace: Option<String>,
    on_progress: Channel<Progress>,
) -> Result<SimulationResult, CommandError> {
    let compiled = CompiledJourney::new(journey).map_err(|e| error("invalid", e))?;
    let scenario = match parameters.scenario.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(text) => serde_json::from_str::<Scenario>(text).map_err(|e| error("invalid", format!("scenario: {e}")))?,
        None => Scenario::default(),
    };
    let given = match parameters.population.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(path) => Some(read_population(path)?),
        None => {
            journeys_core::population::check_size(parameters.customers).map_err(|e| error("invalid", e))?;
            None
        }
    };
    let cancel = Arc::new(AtomicBool::new(false));
    if let Ok(mut slot) = running.0.lock() {
        if let Some(previous) = slot.replace(cancel.clone()) {
            previous.store(true, Ordering::Relaxed);
        }
    }
    // As in the engine: catalogue offers at their approved versions, scores from approved models.
    let catalogue = Some(Arc::new(store.live_catalogue().await?));
    let models = store.live_models().await?.into_iter().map(|m| m.model).collect();
    let params = parameters.clone();
    let report = tauri::async_runtime::spawn_blocking(move || {
        let options = Options { seed: params.seed, days: params.days, threads: 2, trace, history: None, catalogue, models };
        let population = match &given {
            Some(customers) => Population::Given(customers),
            None => Population::Generated { customers: params.customers, seed: params.seed },
        };
        let progress = |done, total| {
            let _ = on_progress.send(Progress { done, total });
        };
        simulate(&compiled, &population, &scenario, &options, &cancel, &progress)
    })
    .await
    .map_err(|e| error("internal", e))?
    .map_err(|e| match e {
        SimulateError::Cancelled => error("cancelled", "simulation cancelled"),
        other => error("invalid", other),
    })?;
    let report_json = serde_json::to_string(&report).map_err(|e| error("internal", e))?;
    let run = store.save_run(&report.journey, revision, &parameters, &report_json).await?;
    Ok(SimulationResult { run, report })
}

#[tauri::command]
pub fn cancel_simulation(running: State<'_, Running>) {
    if let Ok(slot) = running.0.lock() {
        if let Some(flag) = slot.as_ref() {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

/// The journey's saved runs, newest first.
#[tauri::command]
pub async fn list_runs(store: State<'_, Store>, journey_id: String) -> Result<Vec<RunSummary>, CommandError> {
    Ok(store.list_runs(&journey_id).await?)
}

/// A saved run's report.
#[tauri::command]
pub async fn load_run(store: State<'_, Store>, id: String) -> Result<Report, CommandError> {
    let text = store.load_run_report(&id).await?;
    serde_json::from_str(&text).map_err(|e| error("database", format!("run {id} is unreadable: {e}")))
}
