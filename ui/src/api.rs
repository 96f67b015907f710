//! The one typed bridge to the desktop shell (`src-tauri` commands), through
//! `window.__TAURI__.core.invoke`. In a plain browser it reports that the app is not there.

use journeys_core::simulate::Report;
pub use journeys_core::{RunParameters, RunSummary};
use journeys_core::{DraftSummary, Journey, StoredDraft};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// An error from a command, as `src-tauri` serialises it.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiError {
    pub kind: String,
    pub message: String,
}

impl ApiError {
    fn local(message: impl Into<String>) -> Self {
        ApiError { kind: "client".into(), message: message.into() }
    }
}

fn tauri_invoke() -> Option<(JsValue, js_sys::Function)> {
    let window = web_sys::window()?;
    let tauri = js_sys::Reflect::get(&window, &"__TAURI__".into()).ok().filter(|v| !v.is_undefined())?;
    let core = js_sys::Reflect::get(&tauri, &"core".into()).ok()?;
    let invoke = js_sys::Reflect::get(&core, &"invoke".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
    Some((core, invoke))
}

fn to_js(args: impl Serialize) -> Result<JsValue, ApiError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    args.serialize(&serializer).map_err(|e| ApiError::local(e.to_string()))
}

async fn invoke<T: DeserializeOwned>(command: &str, args: impl Serialize) -> Result<T, ApiError> {
    invoke_js(command, to_js(args)?).await
}

async fn invoke_js<T: DeserializeOwned>(command: &str, args: JsValue) -> Result<T, ApiError> {
    let (core, invoke) = tauri_invoke().ok_or_else(|| ApiError::local("not running inside the Journeys desktop app"))?;
    let promise = invoke
        .call2(&core, &JsValue::from_str(command), &args)
        .map_err(|e| ApiError::local(format!("{e:?}")))?
        .dyn_into::<js_sys::Promise>()
        .map_err(|_| ApiError::local("invoke did not return a promise"))?;
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        // Through JSON text, as the shell wrote it: serde_json reads number-keyed maps
        // (`{"0": 12}`) that a direct JS-value conversion refuses.
        Ok(value) => {
            let text = js_sys::JSON::stringify(&value).ok().and_then(|t| t.as_string()).unwrap_or_else(|| "null".into());
            serde_json::from_str(&text).map_err(|e| ApiError::local(e.to_string()))
        }
        Err(error) => Err(serde_wasm_bindgen::from_value(error.clone()).unwrap_or_else(|_| {
            ApiError::local(error.as_string().unwrap_or_else(|| format!("{error:?}")))
        })),
    }
}

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct IdArg<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct NameArg<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct ExportArgs<'a> {
    journey: &'a Journey,
}

/// A journey file imported as a new draft (`src-tauri/src/files.rs`).
#[derive(Debug, Clone, Deserialize)]
pub struct Imported {
    pub draft: StoredDraft,
    pub file: String,
}

/// Export through the native Save dialog; the path written, or `None` when cancelled.
pub async fn export_journey(journey: &Journey) -> Result<Option<String>, ApiError> {
    invoke("export_journey", ExportArgs { journey }).await
}

/// Import through the native Open dialog; `None` when cancelled, `kind == "invalid"` with the
/// file, line and column when the file is not a journey.
pub async fn import_journey() -> Result<Option<Imported>, ApiError> {
    invoke("import_journey", NoArgs {}).await
}

#[derive(Serialize)]
struct SaveArgs<'a> {
    journey: &'a Journey,
    revision: i64,
}

pub async fn list_journeys() -> Result<Vec<DraftSummary>, ApiError> {
    invoke("list_journeys", NoArgs {}).await
}

pub async fn load_journey(id: &str) -> Result<StoredDraft, ApiError> {
    invoke("load_journey", IdArg { id }).await
}

pub async fn create_journey(name: &str) -> Result<StoredDraft, ApiError> {
    invoke("create_journey", NameArg { name }).await
}

/// Returns the new revision; `kind == "conflict"` when someone saved in between.
pub async fn save_journey(journey: &Journey, revision: i64) -> Result<i64, ApiError> {
    invoke("save_journey", SaveArgs { journey, revision }).await
}

#[derive(Serialize)]
struct SimulateArgs<'a> {
    journey: &'a Journey,
    revision: i64,
    parameters: &'a RunParameters,
    trace: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SimulationResult {
    pub run: RunSummary,
    pub report: Report,
}

#[derive(Deserialize)]
struct Progress {
    done: u64,
    total: u64,
}

/// Simulate `journey` as shown; `progress(done, total)` is called as chunks finish.
pub async fn simulate_journey(
    journey: &Journey,
    revision: i64,
    parameters: &RunParameters,
    trace: Option<&str>,
    progress: impl Fn(u64, u64) + 'static,
) -> Result<SimulationResult, ApiError> {
    let args = to_js(SimulateArgs { journey, revision, parameters, trace })?;
    let channel = progress_channel(progress).ok_or_else(|| ApiError::local("cannot open a progress channel"))?;
    js_sys::Reflect::set(&args, &"onProgress".into(), &channel).map_err(|e| ApiError::local(format!("{e:?}")))?;
    invoke_js("simulate_journey", args).await
}

/// A `window.__TAURI__.core.Channel` whose messages go to `progress`.
fn progress_channel(progress: impl Fn(u64, u64) + 'static) -> Option<JsValue> {
    use wasm_bindgen::closure::Closure;
    let (core, _) = tauri_invoke()?;
    let constructor = js_sys::Reflect::get(&core, &"Channel".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
    let channel = js_sys::Reflect::construct(&constructor, &js_sys::Array::new()).ok()?;
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        if let Ok(p) = serde_wasm_bindgen::from_value::<Progress>(message) {
            progress(p.done, p.total);
        }
    });
    js_sys::Reflect::set(&channel, &"onmessage".into(), on_message.as_ref()).ok()?;
    // The channel may deliver after the command returns; the handler lives as long as the page.
    on_message.forget();
    Some(channel.into())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JourneyArg<'a> {
    journey_id: &'a str,
}

pub async fn list_runs(journey_id: &str) -> Result<Vec<RunSummary>, ApiError> {
    invoke("list_runs", JourneyArg { journey_id }).await
}

pub async fn load_run(id: &str) -> Result<Report, ApiError> {
    invoke("load_run", IdArg { id }).await
}

pub async fn cancel_simulation() -> Result<(), ApiError> {
    invoke("cancel_simulation", NoArgs {}).await
}

pub async fn database_location() -> Result<String, ApiError> {
    invoke("database_location", NoArgs {}).await
}

pub use journeys_core::review::{User, VersionStatus, VersionSummary};

#[derive(Serialize)]
struct SignInArgs<'a> {
    name: &'a str,
    password: &'a str,
}

pub async fn sign_in(name: &str, password: &str) -> Result<User, ApiError> {
    invoke("sign_in", SignInArgs { name, password }).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    invoke("sign_out", NoArgs {}).await
}

/// The user signed in to this window, if any (it survives a page reload).
pub async fn current_user() -> Result<Option<User>, ApiError> {
    invoke("current_user", NoArgs {}).await
}

pub async fn list_versions(journey_id: &str) -> Result<Vec<VersionSummary>, ApiError> {
    invoke("list_versions", JourneyArg { journey_id }).await
}

pub async fn all_versions() -> Result<Vec<VersionSummary>, ApiError> {
    invoke("all_versions", NoArgs {}).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionArg<'a> {
    journey_id: &'a str,
    number: i64,
}

pub async fn load_version(journey_id: &str, number: i64) -> Result<Journey, ApiError> {
    invoke("load_version", VersionArg { journey_id, number }).await
}

/// Submit the saved draft as the next version.
pub async fn submit_draft(journey_id: &str) -> Result<VersionSummary, ApiError> {
    invoke("submit_draft", JourneyArg { journey_id }).await
}

#[derive(Serialize)]
struct DecideArgs<'a> {
    reference: &'a str,
    approve: bool,
    comment: &'a str,
}

pub async fn decide_version(reference: &str, approve: bool, comment: &str) -> Result<VersionSummary, ApiError> {
    invoke("decide_version", DecideArgs { reference, approve, comment }).await
}

#[derive(Serialize)]
struct OperateArgs<'a> {
    reference: &'a str,
    action: &'a str,
}

/// `publish`, `pause`, `resume` or `retire`.
pub async fn operate_version(reference: &str, action: &str) -> Result<VersionSummary, ApiError> {
    invoke("operate_version", OperateArgs { reference, action }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TemplateArg<'a> {
    template_id: &'a str,
}

/// The template's funnel on the default sample population (simulated once by the shell).
pub async fn template_funnel(template_id: &str) -> Result<Report, ApiError> {
    invoke("template_funnel", TemplateArg { template_id }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UseTemplateArgs<'a> {
    template_id: &'a str,
    name: &'a str,
}

/// A new draft from a template, as the signed-in user.
pub async fn use_template(template_id: &str, name: &str) -> Result<StoredDraft, ApiError> {
    invoke("use_template", UseTemplateArgs { template_id, name }).await
}

#[derive(Serialize)]
struct MigrationArgs<'a> {
    from: &'a str,
    to: &'a str,
}

pub use journeys_core::migration::Move;

/// How many customers waiting in `from` would move to which step of `to`.
pub async fn migration_plan(from: &str, to: &str) -> Result<Vec<Move>, ApiError> {
    invoke("migration_plan", MigrationArgs { from, to }).await
}

/// Move them (reviewers); returns how many moved.
pub async fn migrate(from: &str, to: &str) -> Result<u64, ApiError> {
    invoke("migrate", MigrationArgs { from, to }).await
}

/// Customers at one node of a live version in the local trial.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TrialNode {
    pub id: String,
    pub label: String,
    pub kind: String,
    pub stage: String,
    pub waiting: i64,
    pub exited: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TrialVersion {
    pub journey_id: String,
    pub name: String,
    pub version: i64,
    pub paused: bool,
    pub nodes: Vec<TrialNode>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TrialStatus {
    pub running: bool,
    pub address: Option<String>,
    pub clock_ms: Option<i64>,
    pub sink_dir: String,
    pub versions: Vec<TrialVersion>,
    pub actions: Vec<(String, String, i64)>,
    pub events: i64,
}

pub async fn trial_status() -> Result<TrialStatus, ApiError> {
    invoke("trial_status", NoArgs {}).await
}

pub async fn trial_start() -> Result<TrialStatus, ApiError> {
    invoke("trial_start", NoArgs {}).await
}

pub async fn trial_stop() -> Result<TrialStatus, ApiError> {
    invoke("trial_stop", NoArgs {}).await
}

#[derive(Serialize)]
struct MinutesArg {
    minutes: i64,
}

pub async fn trial_advance(minutes: i64) -> Result<TrialStatus, ApiError> {
    invoke("trial_advance", MinutesArg { minutes }).await
}

#[derive(Serialize)]
struct CountArg {
    count: u32,
}

/// Sample customers entering the live journeys; returns how many events were accepted.
pub async fn trial_send_events(count: u32) -> Result<usize, ApiError> {
    invoke("trial_send_events", CountArg { count }).await
}

/// The customer page as the engine's HTTP API returns it.
pub async fn trial_customer(id: &str) -> Result<serde_json::Value, ApiError> {
    invoke("trial_customer", IdArg { id }).await
}

/// A model's or an offer's version record in the registry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RegistryEntry {
    pub subject: String,
    pub number: i64,
    pub status: journeys_core::review::VersionStatus,
    pub submitted_by: String,
    pub decided_by: Option<String>,
    pub comment: Option<String>,
}

impl RegistryEntry {
    pub fn reference(&self) -> String {
        format!("{}@{}", self.subject, self.number)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelVersion {
    pub entry: RegistryEntry,
    pub model: journeys_core::scoring::TrainedModel,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OfferVersion {
    pub entry: RegistryEntry,
    pub offer: journeys_core::settings::Offer,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Catalogue {
    pub models: Vec<ModelVersion>,
    pub offers: Vec<OfferVersion>,
}

pub async fn catalogue() -> Result<Catalogue, ApiError> {
    invoke("catalogue", NoArgs {}).await
}

/// The customer schema in force (built-in attributes are core's `customer_schema::BUILT_IN`).
pub async fn customer_schema() -> Result<journeys_core::customer_schema::AppliedSchema, ApiError> {
    invoke("customer_schema", NoArgs {}).await
}

#[derive(Serialize)]
struct KindArg<'a> {
    kind: &'a str,
}

/// Drift of the stored customers against the live model's training population.
pub async fn model_drift(kind: &str) -> Result<journeys_core::scoring::DriftReport, ApiError> {
    invoke("model_drift", KindArg { kind }).await
}

#[derive(Serialize)]
struct DecideCatalogueArgs<'a> {
    what: &'a str,
    reference: &'a str,
    approve: bool,
    comment: &'a str,
}

/// Approve or reject a model (`what` = "model") or offer ("offer") version.
pub async fn decide_catalogue(what: &str, reference: &str, approve: bool, comment: &str) -> Result<(), ApiError> {
    invoke("decide_catalogue", DecideCatalogueArgs { what, reference, approve, comment }).await
}

pub async fn reported_versions() -> Result<Vec<(String, i64)>, ApiError> {
    invoke("reported_versions", NoArgs {}).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LiveReportArgs<'a> {
    journey_id: &'a str,
    version: i64,
    from: Option<&'a str>,
    to: Option<&'a str>,
}

/// A version's live report over a date range (YYYY-MM-DD, inclusive; None = all).
pub async fn live_report(journey_id: &str, version: i64, from: Option<&str>, to: Option<&str>) -> Result<journeys_core::analytics::LiveReport, ApiError> {
    invoke("live_report", LiveReportArgs { journey_id, version, from, to }).await
}

/// Write the report's CSV; returns the file path.
pub async fn export_report_csv(journey_id: &str, version: i64, from: Option<&str>, to: Option<&str>) -> Result<String, ApiError> {
    invoke("export_report_csv", LiveReportArgs { journey_id, version, from, to }).await
}

#[derive(Serialize)]
struct RangeArgs<'a> {
    from: Option<&'a str>,
    to: Option<&'a str>,
}

/// Portfolio KPIs over a date range.
pub async fn portfolio(from: Option<&str>, to: Option<&str>) -> Result<journeys_core::analytics::Portfolio, ApiError> {
    invoke("portfolio", RangeArgs { from, to }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChartArgs<'a> {
    name: &'a str,
    data_url: &'a str,
}

/// Save a chart canvas as PNG; returns the path.
pub async fn save_chart_png(name: &str, data_url: &str) -> Result<String, ApiError> {
    invoke("save_chart_png", ChartArgs { name, data_url }).await
}
