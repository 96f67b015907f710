//! Sequence numbers for the engine's logs (`seq` of action_log, outbox, decision_log,
//! journey_steps). On PostgreSQL several engine processes write at once, so a process reserves
//! a block of numbers in a short transaction of its own (`seq_blocks`), never holding a lock
//! that another writer waits for. Numbers stay increasing per customer across a partition
//! takeover: the new holder drops its blocks (`Store::fresh_sequences`) when it takes
//! partitions, so its next block starts above anything the previous holder used.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::{AnyPool, Row};

use crate::StoreError;

/// Numbers per reservation: one round trip per thousand rows.
const BLOCK: i64 = 1_000;

/// The process's reserved blocks, shared by its transactions.
#[derive(Debug, Default)]
pub(crate) struct SeqBlocks {
    blocks: Mutex<HashMap<&'static str, Range<i64>>>,
}

impl SeqBlocks {
    pub(crate) fn clear(&self) {
        self.blocks.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// One transaction's view: the shared blocks (PostgreSQL) or its own counters (SQLite, one
/// writer, numbers counted on from `MAX(seq)`).
pub(crate) struct SeqSource {
    shared: Arc<SeqBlocks>,
    pool: AnyPool,
    local: HashMap<&'static str, i64>,
}

impl SeqSource {
    pub(crate) fn new(shared: Arc<SeqBlocks>, pool: AnyPool) -> SeqSource {
        SeqSource { shared, pool, local: HashMap::new() }
    }

    /// The next number, if one is at hand without a query.
    pub(crate) fn take(&mut self, table: &'static str) -> Option<i64> {
        if let Some(next) = self.local.get_mut(table) {
            *next += 1;
            return Some(*next - 1);
        }
        let mut blocks = self.shared.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        blocks.get_mut(table).and_then(Iterator::next)
    }

    /// Count on locally from `first` (SQLite); returns `first`.
    pub(crate) fn start_local(&mut self, table: &'static str, first: i64) -> i64 {
        self.local.insert(table, first + 1);
        first
    }

    /// Count on locally after `last` (SQLite), unless this transaction counts already.
    pub(crate) fn continue_after(&mut self, table: &'static str, last: i64) {
        self.local.entry(table).or_insert(last + 1);
    }

    /// Reserve a new block in its own short transaction and return its first number.
    pub(crate) async fn refill(&mut self, table: &'static str) -> Result<i64, StoreError> {
        let end: i64 = sqlx::query("UPDATE seq_blocks SET next = next + $1 WHERE name = $2 RETURNING next")
            .bind(BLOCK)
            .bind(table)
            .fetch_one(&self.pool)
            .await?
            .try_get("next")?;
        let first = end - BLOCK;
        self.shared.blocks.lock().unwrap_or_else(PoisonError::into_inner).insert(table, first + 1..end);
        Ok(first)
    }
}
