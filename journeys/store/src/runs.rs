//! Saved simulation runs, so results can be reopened and compared.

use journeys_core::{RunParameters, RunSummary};
use sqlx::Row;

use crate::{now_ms, Store, StoreError};

impl Store {
    /// Save a run's report (JSON) with its parameters; returns the new run's id.
    pub async fn save_run(&self, journey_id: &str, revision: i64, parameters: &RunParameters, report_json: &str) -> Result<RunSummary, StoreError> {
        // Time plus a per-process counter: two runs saved in the same millisecond stay apart.
        static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let created_at = now_ms();
        let sequence = SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("{journey_id}-r{revision}-s{}-{created_at}-{sequence}", parameters.seed);
        let parameters_json = serde_json::to_string(parameters).map_err(|e| StoreError::Corrupt { id: id.clone(), message: e.to_string() })?;
        sqlx::query(
            "INSERT INTO simulation_runs (id, journey_id, revision, parameters, report, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(journey_id)
        .bind(revision)
        .bind(&parameters_json)
        .bind(report_json)
        .bind(created_at)
        .execute(&self.pool)
        .await?;
        Ok(RunSummary { id, journey_id: journey_id.into(), revision, parameters: parameters.clone(), created_at })
    }

    /// The journey's runs, newest first.
    pub async fn list_runs(&self, journey_id: &str) -> Result<Vec<RunSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, journey_id, revision, parameters, created_at FROM simulation_runs WHERE journey_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(journey_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let parameters: String = r.try_get("parameters")?;
                let parameters = serde_json::from_str(&parameters).map_err(|e| StoreError::Corrupt { id: id.clone(), message: e.to_string() })?;
                Ok(RunSummary { id, journey_id: r.try_get("journey_id")?, revision: r.try_get("revision")?, parameters, created_at: r.try_get("created_at")? })
            })
            .collect()
    }

    /// A saved run's report, as the JSON it was saved with.
    pub async fn load_run_report(&self, id: &str) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT report FROM simulation_runs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        Ok(row.try_get("report")?)
    }
}
