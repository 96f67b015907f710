//! The decision log: every automated decision with what it saw and why it chose.

use journeys_core::explain::DecisionRecord;
use sqlx::Row;

use crate::engine_state::EngineTx;
use crate::{Store, StoreError};

impl EngineTx {
    /// Log a decision with the state change that caused it; returns its `seq`.
    pub async fn log_decision(&mut self, record: &DecisionRecord) -> Result<i64, StoreError> {
        let document = serde_json::to_string(record).map_err(|e| StoreError::Corrupt { id: format!("decision for '{}'", record.customer_id), message: e.to_string() })?;
        let seq = self.next_seq("decision_log").await?;
        sqlx::query("INSERT INTO decision_log (seq, customer_id, journey_id, version, node, at, chosen, reason, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(seq)
            .bind(&record.customer_id)
            .bind(&record.journey_id)
            .bind(record.version)
            .bind(&record.node)
            .bind(record.at)
            .bind(&record.chosen)
            .bind(&record.reason)
            .bind(&document)
            .execute(self.conn())
            .await?;
        Ok(seq)
    }
}

impl Store {
    /// The customer's logged decisions, oldest first.
    pub async fn customer_decisions(&self, customer_id: &str) -> Result<Vec<DecisionRecord>, StoreError> {
        let rows = sqlx::query("SELECT seq, record FROM decision_log WHERE customer_id = $1 ORDER BY at, seq").bind(customer_id).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let seq: i64 = r.try_get("seq")?;
                let record: String = r.try_get("record")?;
                serde_json::from_str(&record).map_err(|e| StoreError::Corrupt { id: format!("decision {seq}"), message: e.to_string() })
            })
            .collect()
    }
}
