//! SQLite's WAL checkpoints, off the writer's path and little at a time.
//!
//! By default the connection that commits past 1,000 WAL pages copies the WAL into the
//! database file (and syncs it) before its commit returns: every few batches one took 25–35 ms
//! instead of 1–2 (`journeys bench engine`, JOURNEYS_LOG=journeys_engine=debug). Here a task on
//! a second connection (another thread) checkpoints PASSIVE-ly — never waiting for the writer —
//! soon after each commit, at most every `MIN_GAP`, and every `IDLE_TICK` in any case. Small and
//! often matters: the writer's tail latency grew with the size of each checkpoint (p99 of
//! `journeys bench engine --events 20000`: 310 ms checkpointing every second, 85–120 ms every
//! 200 ms, 19–22 ms every 5–10 ms). The writer's own checkpoints only start far later.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{AnyConnection, Connection};
use tokio::sync::{oneshot, Notify};

/// Least time between two background checkpoints while commits keep coming.
const MIN_GAP: Duration = Duration::from_millis(5);
/// A checkpoint at least this often, for writes that do not say they committed.
const IDLE_TICK: Duration = Duration::from_secs(1);
/// WAL pages (4 kB) after which the writer checkpoints itself: a safety net for when the
/// background connection cannot keep up.
pub(crate) const WRITER_AUTOCHECKPOINT: u32 = 16_000;

/// Stops the background checkpoints when dropped (the last clone of the store is gone) or
/// when the store is closed.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    stop: std::sync::Mutex<Option<oneshot::Sender<()>>>,
    committed: Arc<Notify>,
}

impl Checkpointer {
    /// Open a second connection to `url` and checkpoint on it until stopped.
    pub(crate) async fn start(url: &str) -> Result<Checkpointer, sqlx::Error> {
        let mut conn = AnyConnection::connect(url).await?;
        let (stop, mut stopped) = oneshot::channel();
        let committed = Arc::new(Notify::new());
        let wake = Arc::clone(&committed);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(IDLE_TICK) => {}
                }
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut conn).await {
                    tracing::warn!(error = %e, "WAL checkpoint failed; the writer checkpoints itself later");
                }
                // Commits during the gap leave one wake-up behind: they share the next round.
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tokio::time::sleep(MIN_GAP) => {}
                }
            }
            let _ = conn.close().await;
        });
        Ok(Checkpointer { stop: std::sync::Mutex::new(Some(stop)), committed })
    }

    /// A transaction committed: checkpoint soon.
    pub(crate) fn committed(&self) {
        self.committed.notify_one();
    }

    pub(crate) fn stop(&self) {
        if let Some(stop) = self.stop.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{sqlite_url_for, Store};

    /// Without checkpoints beside the writer the WAL would only be copied back at
    /// `WRITER_AUTOCHECKPOINT` pages, and would grow with every round of writes until then.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_is_copied_back_beside_the_writer_and_reused() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("journeys.db");
        let store = Store::open(&sqlite_url_for(&path)).await?;
        let wal = dir.path().join("journeys.db-wal");
        let padding = "x".repeat(2_000);
        let round = |r: usize| -> Vec<(String, String)> { (0..3_000).map(|i| (format!("C{r}-{i}"), format!("{{\"pad\":\"{padding}\"}}"))).collect() };
        store.upsert_customers(&round(0), 0).await?;
        let first = std::fs::metadata(&wal)?.len();
        assert!(first > 5_000_000, "the first round fills the WAL ({first} bytes)");
        tokio::time::sleep(MIN_GAP * 20).await;
        store.upsert_customers(&round(1), 0).await?;
        let second = std::fs::metadata(&wal)?.len();
        assert!(second < first + first / 4, "the second round reuses the checkpointed WAL: {first} then {second} bytes");
        store.close().await;
        Ok(())
    }
}
