//! This process's share of the customers: the partitions it leases (see the store's
//! `partitions` module for the protocol). The local view is a snapshot that transactions take
//! at their start; the store's fencing check (`EngineTx::begin_batch`) catches a view that
//! went stale meanwhile.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use journeys_store::{partition_of, Lease, LeaseTerms, Scope, Store, PARTITIONS};

use crate::EngineError;

/// The partitions held, with the epoch each was taken at.
#[derive(Debug, Default, Clone)]
pub struct Held {
    epochs: BTreeMap<i64, i64>,
    list: Vec<i64>,
}

impl Held {
    fn of(leases: &[Lease]) -> Held {
        let epochs: BTreeMap<i64, i64> = leases.iter().map(|l| (l.partition, l.epoch)).collect();
        let list = epochs.keys().copied().collect();
        Held { epochs, list }
    }

    pub fn holds_customer(&self, customer_id: &str) -> bool {
        self.epochs.contains_key(&partition_of(customer_id))
    }

    pub fn count(&self) -> usize {
        self.epochs.len()
    }

    /// The rows a query of this engine's work should see.
    pub fn scope(&self) -> Scope<'_> {
        if self.epochs.len() == PARTITIONS as usize {
            Scope::All
        } else {
            Scope::Partitions(&self.list)
        }
    }

    /// The leases behind these customers' partitions (held ones only), for the fencing check.
    pub fn leases_for<'a>(&self, customers: impl IntoIterator<Item = &'a str>) -> Vec<Lease> {
        let mut partitions: Vec<i64> = customers.into_iter().map(partition_of).filter(|p| self.epochs.contains_key(p)).collect();
        partitions.sort_unstable();
        partitions.dedup();
        partitions.into_iter().map(|partition| Lease { partition, epoch: self.epochs[&partition] }).collect()
    }
}

pub struct Partitions {
    node: String,
    ttl: Duration,
    held: RwLock<Arc<Held>>,
}

impl Partitions {
    pub fn new(node: String, ttl: Duration) -> Partitions {
        Partitions { node, ttl, held: RwLock::default() }
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    pub fn snapshot(&self) -> Arc<Held> {
        Arc::clone(&self.held.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn set(&self, leases: &[Lease]) {
        *self.held.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(Held::of(leases));
    }

    /// A transaction found this partition taken by another engine: stop using it.
    pub fn forget(&self, partition: i64) {
        let mut leases: Vec<Lease> = self.snapshot().epochs.iter().map(|(&partition, &epoch)| Lease { partition, epoch }).collect();
        leases.retain(|l| l.partition != partition);
        self.set(&leases);
    }

    /// One round of the protocol: heartbeat, renew, then give back what exceeds the fair share
    /// or take free partitions up to it. Returns how many partitions are held afterwards.
    pub async fn rebalance(&self, store: &Store, now: i64) -> Result<usize, EngineError> {
        let terms = LeaseTerms { node: &self.node, now, ttl_ms: i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX) };
        let live = store.heartbeat(terms).await?;
        let mut leases = store.renew_leases(terms).await?;
        let nodes = i64::try_from(live.len().max(1)).unwrap_or(1);
        let share = usize::try_from((PARTITIONS + nodes - 1) / nodes).unwrap_or(0);
        if leases.len() > share {
            // Out of the local view first, so no new transaction uses them; one in flight
            // holds its rows, and the release waits for it.
            let excess = leases.split_off(share);
            self.set(&leases);
            let partitions: Vec<i64> = excess.iter().map(|l| l.partition).collect();
            store.release_leases(&self.node, &partitions).await?;
            tracing::info!(node = %self.node, released = partitions.len(), held = leases.len(), nodes, "gave partitions back for another engine");
        } else {
            let held: Vec<i64> = leases.iter().map(|l| l.partition).collect();
            let wanted = i64::try_from(share - leases.len()).unwrap_or(0);
            let taken = store.acquire_leases(terms, wanted, &held).await?;
            if !taken.is_empty() {
                // Numbers from a new block sort after the previous holder's.
                store.fresh_sequences();
                tracing::info!(node = %self.node, taken = taken.len(), held = leases.len() + taken.len(), nodes, "took partitions");
                leases.extend(taken);
                leases.sort();
            }
            self.set(&leases);
        }
        Ok(leases.len())
    }

    /// Stop cleanly: the partitions are free for another engine at once.
    pub async fn leave(&self, store: &Store) -> Result<(), EngineError> {
        self.set(&[]);
        Ok(store.leave(&self.node).await?)
    }
}
