//! Records as the store keeps them and the UI receives them: drafts (the journey plus its
//! revision) and saved simulation runs. Shared here so the store, the desktop shell and the
//! wasm UI use one definition.

use serde::{Deserialize, Serialize};

use crate::model::Journey;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftSummary {
    pub id: String,
    pub name: String,
    pub revision: i64,
    /// Epoch milliseconds.
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDraft {
    pub journey: Journey,
    /// Saving must quote this revision; a save against an older one is a conflict.
    pub revision: i64,
    pub updated_at: i64,
}

/// How a simulation run was made: enough to repeat it exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunParameters {
    pub customers: u64,
    pub seed: u64,
    pub days: u32,
    /// A CSV population file used instead of generated customers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
    /// The scenario (JSON text) when not the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
}

/// A saved simulation run (its report is loaded separately).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: String,
    pub journey_id: String,
    /// The draft revision that was simulated.
    pub revision: i64,
    pub parameters: RunParameters,
    pub created_at: i64,
}
