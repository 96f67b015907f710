//! Journey analytics for the Dashboard: which versions have recorded runs, a version's live
//! report (the simulator's report type, with funnel and significance tests) for a date range,
//! and its CSV export.

use base64::Engine as _;
use journeys_core::analytics::{day_of_date, to_csv, LiveReport, Portfolio};
use journeys_store::Store;
use tauri::State;

use crate::commands::{CommandError, Result};

#[tauri::command]
pub async fn reported_versions(store: State<'_, Store>) -> Result<Vec<(String, i64)>> {
    Ok(store.reported_versions().await?)
}

fn day(date: &Option<String>, which: &str) -> Result<Option<i64>> {
    match date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(None),
        Some(d) => day_of_date(d).map(Some).ok_or_else(|| CommandError::new("invalid", format!("{which} date '{d}' is not YYYY-MM-DD"))),
    }
}

#[tauri::command]
pub async fn live_report(store: State<'_, Store>, journey_id: String, version: i64, from: Option<String>, to: Option<String>) -> Result<LiveReport> {
    Ok(store.live_report(&journey_id, version, day(&from, "from")?, day(&to, "to")?).await?)
}

/// Write the report as CSV (`section,key,port,metric,value`) next to the database's other
/// exports; returns the file's path.
#[tauri::command]
pub async fn export_report_csv(store: State<'_, Store>, journey_id: String, version: i64, from: Option<String>, to: Option<String>) -> Result<String> {
    let live = store.live_report(&journey_id, version, day(&from, "from")?, day(&to, "to")?).await?;
    let csv = to_csv(&live).map_err(|e| CommandError::new("invalid", e.to_string()))?;
    let dir = std::env::temp_dir().join("journeys-exports");
    let path = dir.join(format!("{journey_id}@{version}-{}-{}.csv", live.from, live.to));
    write_export(&dir, &path, csv.as_bytes())?;
    Ok(path.display().to_string())
}

/// CAC, activation rate, cross-sell ratio and churn rate across every version that ran.
#[tauri::command]
pub async fn portfolio(store: State<'_, Store>, from: Option<String>, to: Option<String>) -> Result<Portfolio> {
    Ok(store.portfolio(day(&from, "from")?, day(&to, "to")?).await?)
}

/// Largest chart image accepted (a chart canvas is a few tens of kB).
const MAX_PNG_BYTES: usize = 8 * 1024 * 1024;

/// Save a chart drawn on a canvas (`data:image/png;base64,…`) as `name.png` beside the CSV
/// exports; returns the path.
#[tauri::command]
pub async fn save_chart_png(name: String, data_url: String) -> Result<String> {
    let safe: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '@' | '.')).take(120).collect();
    let encoded = data_url.strip_prefix("data:image/png;base64,").ok_or_else(|| CommandError::new("invalid", "the chart is not a PNG data URL".into()))?;
    if encoded.len() > MAX_PNG_BYTES * 4 / 3 + 4 || safe.is_empty() {
        return Err(CommandError::new("invalid", "the chart image is too large or has no name".into()));
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|e| CommandError::new("invalid", format!("the chart image is not valid base64: {e}")))?;
    let dir = std::env::temp_dir().join("journeys-exports");
    let path = dir.join(format!("{safe}.png"));
    write_export(&dir, &path, &bytes)?;
    Ok(path.display().to_string())
}

/// Exports go through the one output writer (atomic, devices and links handled).
fn write_export(dir: &std::path::Path, path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| CommandError::new("io", format!("cannot create {}: {e}", dir.display())))?;
    journeys_output::write(path, bytes).map_err(|e| CommandError::new("io", e.to_string()))
}
