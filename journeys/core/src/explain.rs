//! The decision log's record of one automated decision, and the answer to "why did this
//! customer get this offer, or not". Pure: the store keeps the records, the CLI and the app
//! show these explanations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::interpret::{Excluded, RankedOffer};

/// One automated decision as logged: where and when, what it saw, what it chose and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub customer_id: String,
    pub journey_id: String,
    pub version: i64,
    pub node: String,
    /// Epoch ms.
    pub at: i64,
    pub chosen: Option<String>,
    pub reason: String,
    /// The eligible set, best first, with the figures each was ranked by.
    pub ranking: Vec<RankedOffer>,
    pub excluded: Vec<Excluded>,
    /// The scores the decision read (`scores.NAME`).
    pub scores: BTreeMap<String, f64>,
    /// The model version that produced each score; a score without one came with the profile.
    pub model_versions: BTreeMap<String, i64>,
    /// The approved catalogue version of each catalogue offer the decision considered.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub offer_versions: BTreeMap<String, i64>,
}

/// Why `offer` was or was not chosen in `record`, in one sentence.
pub fn explain_offer(record: &DecisionRecord, offer: &str) -> String {
    if record.chosen.as_deref() == Some(offer) {
        return format!("chosen: {}", record.reason);
    }
    if let Some(position) = record.ranking.iter().position(|r| r.offer == offer) {
        let mine = &record.ranking[position];
        let winner = &record.ranking[0];
        let why = if winner.mandatory && !mine.mandatory {
            format!("{} is mandatory and goes first", winner.offer)
        } else {
            format!("priority {:.2} against {:.2} for {}", mine.priority, winner.priority, winner.offer)
        };
        return format!("eligible but ranked {} of {}: {why}", position + 1, record.ranking.len());
    }
    match record.excluded.iter().find(|e| e.offer == offer) {
        Some(excluded) => excluded.why.describe(),
        None => "not offered at this decision".to_string(),
    }
}
