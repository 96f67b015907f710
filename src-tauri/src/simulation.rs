//! Simulation commands: run the core simulator off the UI thread, stream progress through a
//! channel, allow cancelling, and save the run in the store.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use journeys_core::interpret::CompiledJourney;
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

/// Simulate the journey as the editor holds it (saved or not) against generated customers.
#[tauri::command]
pub async fn simulate_journey(
    store: State<'_, Store>,
    running: State<'_, Running>,
    journey: Journey,
    revision: i64,
    parameters: RunParameters,
    on_progress: Channel<Progress>,
) -> Result<SimulationResult, CommandError> {
    let compiled = CompiledJourney::new(journey).map_err(|e| error("invalid", e))?;
    journeys_core::population::check_size(parameters.customers).map_err(|e| error("invalid", e))?;
    let cancel = Arc::new(AtomicBool::new(false));
    if let Ok(mut slot) = running.0.lock() {
        if let Some(previous) = slot.replace(cancel.clone()) {
            previous.store(true, Ordering::Relaxed);
        }
    }
    let params = parameters.clone();
    let report = tauri::async_runtime::spawn_blocking(move || {
        let options = Options { seed: params.seed, days: params.days, threads: 2, trace: None };
        let population = Population::Generated { customers: params.customers, seed: params.seed };
        let progress = |done, total| {
            let _ = on_progress.send(Progress { done, total });
        };
        simulate(&compiled, &population, &Scenario::default(), &options, &cancel, &progress)
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
