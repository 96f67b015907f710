//! The template gallery's commands: each template's funnel on the default sample population
//! (simulated once, then kept), and "use template" (a new draft, as the signed-in user).

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use journeys_core::catalog::template;
use journeys_core::interpret::CompiledJourney;
use journeys_core::simulate::{simulate, Options, Population, Report, Scenario};
use journeys_store::{Store, StoredDraft};
use tauri::State;

use crate::commands::{CommandError, Result};
use crate::session::Session;

/// The sample population the gallery quotes: what the template corpus test holds them to.
const GALLERY_CUSTOMERS: u64 = 10_000;
const GALLERY_SEED: u64 = 1;

/// Funnels already simulated, by template id (templates are compiled in, so they never change).
#[derive(Default)]
pub struct Funnels(Mutex<HashMap<String, Report>>);

fn unknown(id: &str) -> CommandError {
    CommandError::new("not_found", format!("no template '{id}'"))
}

#[tauri::command]
pub async fn template_funnel(funnels: State<'_, Funnels>, template_id: String) -> Result<Report> {
    if let Some(report) = funnels.0.lock().ok().and_then(|cache| cache.get(&template_id).cloned()) {
        return Ok(report);
    }
    let journey = template(&template_id).ok_or_else(|| unknown(&template_id))?;
    let compiled = CompiledJourney::new(journey).map_err(|e| CommandError::new("invalid", e.to_string()))?;
    let report = tauri::async_runtime::spawn_blocking(move || {
        let options = Options { seed: GALLERY_SEED, days: 90, threads: 2, trace: None, history: None, ..Options::default() };
        let population = Population::Generated { customers: GALLERY_CUSTOMERS, seed: GALLERY_SEED };
        simulate(&compiled, &population, &Scenario::default(), &options, &AtomicBool::new(false), &|_, _| {})
    })
    .await
    .map_err(|e| CommandError::new("internal", e.to_string()))?
    .map_err(|e| CommandError::new("invalid", e.to_string()))?;
    if let Ok(mut cache) = funnels.0.lock() {
        cache.insert(template_id, report.clone());
    }
    Ok(report)
}

/// A new draft from a template, named `name` (its id derived from the name).
#[tauri::command]
pub async fn use_template(store: State<'_, Store>, session: State<'_, Session>, template_id: String, name: String) -> Result<StoredDraft> {
    let actor = session.actor()?;
    let source = template(&template_id).ok_or_else(|| unknown(&template_id))?;
    let name = if name.trim().is_empty() { source.name.clone() } else { name.trim().to_string() };
    Ok(store.create_draft_named(&source, &name, &actor).await?)
}
