//! The append-only audit log. Each row holds the hash of the previous row, so changing,
//! removing or reordering any row breaks the chain, and `verify_audit` names the first bad row.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use crate::{now_ms, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of the chain's start, before any row.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn row_hash(prev_hash: &str, seq: i64, at: i64, actor: &str, action: &str, subject: &str, detail: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [prev_hash, &seq.to_string(), &at.to_string(), actor, action, subject, detail] {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    hex::encode(hasher.finalize())
}

/// Append a row in the caller's transaction, so the entry commits with the change it records.
pub(crate) async fn append(tx: &mut Transaction<'_, Any>, actor: &str, action: &str, subject: &str, detail: &str) -> Result<(), StoreError> {
    // Wait for any other appender to commit; the chain's last row is read after that.
    sqlx::query("UPDATE audit_lock SET id = id WHERE id = 1").execute(&mut **tx).await?;
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_optional(&mut **tx).await?;
    let (seq, prev_hash) = match last {
        Some(row) => (row.try_get::<i64, _>("seq")? + 1, row.try_get::<String, _>("hash")?),
        None => (1, GENESIS.to_string()),
    };
    let at = now_ms();
    let hash = row_hash(&prev_hash, seq, at, actor, action, subject, detail);
    sqlx::query("INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(seq)
        .bind(at)
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(detail)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    pub async fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query("SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY seq")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    subject: r.try_get("subject")?,
                    detail: r.try_get("detail")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect()
    }

    /// Run raw SQL against the store: for tests that play an attacker editing the database.
    #[doc(hidden)]
    pub async fn tamper_for_tests(&self, sql: &str) {
        let _ = sqlx::query(sql).execute(&self.pool).await;
    }

    /// Recompute the chain; returns the number of rows, or the first row that does not match.
    pub async fn verify_audit(&self) -> Result<usize, StoreError> {
        let entries = self.audit_log().await?;
        let mut prev = GENESIS.to_string();
        for (i, e) in entries.iter().enumerate() {
            let expected = row_hash(&prev, e.seq, e.at, &e.actor, &e.action, &e.subject, &e.detail);
            if e.seq != i as i64 + 1 || e.prev_hash != prev || e.hash != expected {
                return Err(StoreError::AuditBroken { seq: e.seq });
            }
            prev = e.hash.clone();
        }
        Ok(entries.len())
    }
}
