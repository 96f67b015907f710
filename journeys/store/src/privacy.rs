//! A customer's rights over their data: everything held about them (a subject access request)
//! and erasure. Erasure removes the profile, events, scores, suppressions and running journeys,
//! and blanks the personal fields of the logs (contact requests, message payloads, decision
//! inputs) while keeping their outcomes, so reports still add up; messages not yet delivered
//! are withdrawn. The audit log records the erasure under a hash of the id, never the id.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Column, Row};

use crate::{audit, input, Role, Store, StoreError};

/// Every table that holds rows about one customer, with the columns exported.
const HELD: &[(&str, &str)] = &[
    ("events", "id, type, time, attributes, received_at"),
    ("instances", "journey_id, version, node, status, wake_at, state"),
    ("action_log", "journey_id, version, node, channel, outcome, reason, at, request"),
    ("outbox", "journey_id, version, node, channel, payload, created_at, delivered_at"),
    ("decision_log", "journey_id, version, node, at, chosen, reason, record"),
    ("suppressions", "channel, reason, added_at"),
    ("score_cache", "kind, model_version, score"),
    ("journey_steps", "journey_id, version, at, kind, node, port, to_node"),
];

/// What a subject access export holds: the stored profile and every row about the customer.
#[derive(Debug, Serialize)]
pub struct CustomerExport {
    pub customer_id: String,
    pub profile: Option<serde_json::Value>,
    pub held: BTreeMap<&'static str, Vec<BTreeMap<String, serde_json::Value>>>,
}

/// What an erasure removed or blanked, by table.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Erasure {
    pub removed: BTreeMap<&'static str, u64>,
    pub blanked: BTreeMap<&'static str, u64>,
}

/// The audit subject for a customer: a hash, so the log holds no personal data.
pub fn pseudonym(customer_id: &str) -> String {
    let digest = Sha256::digest(customer_id.as_bytes());
    format!("customer sha256:{}", &hex::encode(digest)[..16])
}

impl Store {
    /// Everything held about `customer_id` (None when nothing is).
    pub async fn customer_export(&self, customer_id: &str) -> Result<Option<CustomerExport>, StoreError> {
        input::id("customer id", customer_id)?;
        let profile = match self.customer_profile(customer_id).await? {
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| StoreError::Corrupt { id: format!("customer '{customer_id}'"), message: e.to_string() })?),
            None => None,
        };
        let mut held = BTreeMap::new();
        for (table, columns) in HELD {
            let rows = sqlx::query(&format!("SELECT {columns} FROM {table} WHERE customer_id = $1")).bind(customer_id).fetch_all(&self.pool).await?;
            let rows: Vec<BTreeMap<String, serde_json::Value>> = rows
                .iter()
                .map(|row| {
                    (0..row.len())
                        .map(|i| {
                            let value = match row.try_get::<Option<i64>, _>(i) {
                                Ok(Some(n)) => serde_json::Value::from(n),
                                Ok(None) => serde_json::Value::Null,
                                Err(_) => match row.try_get::<Option<f64>, _>(i) {
                                    Ok(Some(f)) => serde_json::Value::from(f),
                                    _ => row.try_get::<Option<String>, _>(i).ok().flatten().map_or(serde_json::Value::Null, serde_json::Value::String),
                                },
                            };
                            (row.column(i).name().to_string(), value)
                        })
                        .collect()
                })
                .collect();
            if !rows.is_empty() {
                held.insert(*table, rows);
            }
        }
        if profile.is_none() && held.is_empty() {
            return Ok(None);
        }
        Ok(Some(CustomerExport { customer_id: customer_id.to_string(), profile, held }))
    }

    /// Erase `customer_id` (admins), in one transaction with its audit entry.
    pub async fn erase_customer(&self, customer_id: &str, actor: &str) -> Result<Erasure, StoreError> {
        input::id("customer id", customer_id)?;
        self.require(actor, &[Role::Admin], "erase a customer").await?;
        let mut erasure = Erasure::default();
        let mut tx = self.begin_write().await?;
        let removals: &[(&'static str, &str)] = &[
            ("customers", "DELETE FROM customers WHERE id = $1"),
            ("events", "DELETE FROM events WHERE customer_id = $1"),
            ("instances", "DELETE FROM instances WHERE customer_id = $1"),
            ("suppressions", "DELETE FROM suppressions WHERE customer_id = $1"),
            ("score_cache", "DELETE FROM score_cache WHERE customer_id = $1"),
            // A message not yet delivered is withdrawn, not sent blank.
            ("outbox", "DELETE FROM outbox WHERE customer_id = $1 AND delivered_at IS NULL"),
        ];
        for (table, sql) in removals {
            let done = sqlx::query(sql).bind(customer_id).execute(&mut *tx).await?.rows_affected();
            if done > 0 {
                erasure.removed.insert(*table, done);
            }
        }
        let blanks: &[(&'static str, &str)] = &[
            ("action_log", "UPDATE action_log SET request = '{}' WHERE customer_id = $1"),
            ("outbox", "UPDATE outbox SET payload = '{}' WHERE customer_id = $1"),
            ("decision_log", "UPDATE decision_log SET record = '{}' WHERE customer_id = $1"),
        ];
        for (table, sql) in blanks {
            let done = sqlx::query(sql).bind(customer_id).execute(&mut *tx).await?.rows_affected();
            if done > 0 {
                erasure.blanked.insert(*table, done);
            }
        }
        let counts = |m: &BTreeMap<&str, u64>| m.iter().map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ");
        audit::append(&mut tx, actor, "customer_erased", &pseudonym(customer_id), &format!("removed: {}; blanked: {}", counts(&erasure.removed), counts(&erasure.blanked))).await?;
        tx.commit().await?;
        Ok(erasure)
    }
}
