//! Engine scale-out: customers hash into `PARTITIONS` partitions, and engine processes
//! (nodes) lease them. A node heartbeats, renews what it holds, gives back what exceeds its
//! fair share (partitions / live nodes, rounded up) and takes free or expired partitions up to
//! it. Taking a partition bumps its epoch, the fencing token that `EngineTx::begin_batch`
//! compares before a transaction commits (on PostgreSQL under `FOR SHARE`, so a takeover
//! waits for a transaction in flight, and a transaction started after it sees it).

use sqlx::Row;

use crate::{Store, StoreError};

pub const PARTITIONS: i64 = 256;

/// The partition of a customer: stable across processes, releases and platforms (CRC-32).
pub fn partition_of(customer_id: &str) -> i64 {
    i64::from(crc32fast::hash(customer_id.as_bytes())) % PARTITIONS
}

/// A partition this node holds, and the epoch it took it at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lease {
    pub partition: i64,
    pub epoch: i64,
}

/// One row of the lease table, for status pages and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    pub partition: i64,
    pub owner: Option<String>,
    pub epoch: i64,
    pub expires_at: i64,
}

/// What a node wants of the lease table: who it is, when, and for how long a lease lasts.
#[derive(Debug, Clone, Copy)]
pub struct LeaseTerms<'a> {
    pub node: &'a str,
    pub now: i64,
    pub ttl_ms: i64,
}

impl Store {
    /// Say this node is alive, then return the nodes alive at `now` (heartbeat within the TTL).
    pub async fn heartbeat(&self, terms: LeaseTerms<'_>) -> Result<Vec<String>, StoreError> {
        sqlx::query(
            "INSERT INTO engine_nodes (id, started_at, heartbeat_at) VALUES ($1, $2, $2) \
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
        )
        .bind(terms.node)
        .bind(terms.now)
        .execute(&self.pool)
        .await?;
        let rows = sqlx::query("SELECT id FROM engine_nodes WHERE heartbeat_at > $1 ORDER BY id")
            .bind(terms.now - terms.ttl_ms)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// Extend every lease this node holds; returns them (what it still holds).
    pub async fn renew_leases(&self, terms: LeaseTerms<'_>) -> Result<Vec<Lease>, StoreError> {
        let rows = sqlx::query("UPDATE partition_leases SET expires_at = $1 WHERE owner = $2 RETURNING partition, epoch")
            .bind(terms.now + terms.ttl_ms)
            .bind(terms.node)
            .fetch_all(&self.pool)
            .await?;
        leases(&rows)
    }

    /// Take up to `wanted` partitions that are free, expired or (after a restart under the
    /// same name) already this node's, lowest first; each taken one gets a new epoch.
    pub async fn acquire_leases(&self, terms: LeaseTerms<'_>, wanted: i64, held: &[i64]) -> Result<Vec<Lease>, StoreError> {
        if wanted <= 0 {
            return Ok(Vec::new());
        }
        let not_held = if held.is_empty() { String::new() } else { format!(" AND partition NOT IN ({})", int_list(held)) };
        let free = "(owner IS NULL OR expires_at < $2 OR owner = $3)";
        // The condition is repeated outside the subquery: on PostgreSQL, a row another node
        // took meanwhile is re-checked against it after the wait, and skipped.
        let sql = format!(
            "UPDATE partition_leases SET owner = $3, epoch = epoch + 1, expires_at = $1 \
             WHERE partition IN (SELECT partition FROM partition_leases WHERE {free}{not_held} ORDER BY partition LIMIT $4) \
             AND {free} RETURNING partition, epoch"
        );
        let rows = sqlx::query(&sql).bind(terms.now + terms.ttl_ms).bind(terms.now).bind(terms.node).bind(wanted).fetch_all(&self.pool).await?;
        leases(&rows)
    }

    /// Give partitions back (free at once for another node).
    pub async fn release_leases(&self, node: &str, partitions: &[i64]) -> Result<(), StoreError> {
        if partitions.is_empty() {
            return Ok(());
        }
        let sql = format!("UPDATE partition_leases SET owner = NULL, expires_at = 0 WHERE owner = $1 AND partition IN ({})", int_list(partitions));
        sqlx::query(&sql).bind(node).execute(&self.pool).await?;
        Ok(())
    }

    /// A node stopping cleanly: its partitions are free at once and it no longer counts.
    pub async fn leave(&self, node: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE partition_leases SET owner = NULL, expires_at = 0 WHERE owner = $1").bind(node).execute(&self.pool).await?;
        sqlx::query("DELETE FROM engine_nodes WHERE id = $1").bind(node).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn lease_table(&self) -> Result<Vec<LeaseRow>, StoreError> {
        let rows = sqlx::query("SELECT partition, owner, epoch, expires_at FROM partition_leases ORDER BY partition").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(LeaseRow { partition: r.try_get("partition")?, owner: r.try_get("owner")?, epoch: r.try_get("epoch")?, expires_at: r.try_get("expires_at")? }))
            .collect()
    }

    /// Give rows written before partitions existed their partition (at open; a no-op after).
    pub(crate) async fn backfill_partitions(&self) -> Result<(), StoreError> {
        for table in ["instances", "action_log", "outbox", "events"] {
            let rows = sqlx::query(&format!("SELECT DISTINCT customer_id FROM {table} WHERE partition IS NULL")).fetch_all(&self.pool).await?;
            if rows.is_empty() {
                continue;
            }
            let mut tx = self.begin_write().await?;
            for row in &rows {
                let customer: String = row.try_get("customer_id")?;
                sqlx::query(&format!("UPDATE {table} SET partition = $1 WHERE customer_id = $2 AND partition IS NULL"))
                    .bind(partition_of(&customer))
                    .bind(&customer)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            tracing::info!(table, customers = rows.len(), "assigned partitions to rows written before partitions existed");
        }
        Ok(())
    }
}

/// `LeaseLost` unless `held` (partition → epoch, as the database has it for `node`) has each
/// of `leases` at its epoch.
pub(crate) fn verify_leases(node: &str, leases: &[Lease], held: &std::collections::HashMap<i64, i64>) -> Result<(), StoreError> {
    match leases.iter().find(|lease| held.get(&lease.partition) != Some(&lease.epoch)) {
        Some(lost) => Err(StoreError::LeaseLost { node: node.to_string(), partition: lost.partition, epoch: lost.epoch }),
        None => Ok(()),
    }
}

fn leases(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Lease>, StoreError> {
    let mut leases = rows.iter().map(|r| Ok(Lease { partition: r.try_get("partition")?, epoch: r.try_get("epoch")? })).collect::<Result<Vec<_>, StoreError>>()?;
    leases.sort();
    Ok(leases)
}

/// Partition numbers inline in SQL: they are our own integers, never user text.
pub(crate) fn int_list(values: &[i64]) -> String {
    values.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_stable_and_spread() {
        // CRC-32's check value for "123456789" is 0xCBF43926: a change of hash would move
        // every customer to another partition.
        assert_eq!(partition_of("123456789"), 0x26);
        let mut counts = vec![0usize; PARTITIONS as usize];
        for i in 0..25_600 {
            counts[partition_of(&format!("C{i:05}")) as usize] += 1;
        }
        let (min, max) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
        assert!(min > 50 && max < 160, "100 per partition expected, got {min}..{max}");
    }
}
