//! A draft as the store keeps it and the UI receives it: the journey plus its revision.
//! Shared here so the desktop shell and the wasm UI use one definition.

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
