//! Models and offers in the registry: list their versions, check a live model's drift on the
//! stored customers, and let reviewers approve or reject (the store enforces roles and four eyes).

use journeys_core::scoring::{customer_rows, drift, DriftReport};
use journeys_store::{ModelVersion, OfferVersion, Store};
use serde::Serialize;
use tauri::State;

use crate::commands::{CommandError, Result};
use crate::session::Session;

/// Most stored customers a drift check reads.
const DRIFT_ROWS: i64 = 20_000;

#[derive(Debug, Serialize)]
pub struct Catalogue {
    pub models: Vec<ModelVersion>,
    pub offers: Vec<OfferVersion>,
}

#[tauri::command]
pub async fn catalogue(store: State<'_, Store>) -> Result<Catalogue> {
    Ok(Catalogue { models: store.model_versions(None).await?, offers: store.offer_versions(None).await? })
}

/// PSI of the stored customers against the live `kind` model's training population.
#[tauri::command]
pub async fn model_drift(store: State<'_, Store>, kind: String) -> Result<DriftReport> {
    let live = store.live_model(&kind).await?.ok_or_else(|| CommandError::new("not_found", format!("no live {kind} model")))?;
    let customers = store.customer_profiles(DRIFT_ROWS).await?;
    if customers.is_empty() {
        return Err(CommandError::new("invalid", "no stored customers to compare with the training population yet".into()));
    }
    let rows = customer_rows(&customers, &live.model.model.features);
    drift(&live.model, &rows).map_err(|e| CommandError::new("invalid", e.to_string()))
}

/// Approve or reject `SUBJECT@N` of a model (`what` = "model") or an offer ("offer").
#[tauri::command]
pub async fn decide_catalogue(store: State<'_, Store>, session: State<'_, Session>, what: String, reference: String, approve: bool, comment: String) -> Result<()> {
    let actor = session.actor()?;
    match (what.as_str(), approve) {
        ("model", true) => store.approve_model(&reference, &actor, &comment).await?,
        ("model", false) => store.reject_model(&reference, &actor, &comment).await?,
        ("offer", true) => store.approve_offer(&reference, &actor, &comment).await?,
        ("offer", false) => store.reject_offer(&reference, &actor, &comment).await?,
        (other, _) => return Err(CommandError::new("invalid", format!("'{other}' is neither a model nor an offer"))),
    };
    Ok(())
}
