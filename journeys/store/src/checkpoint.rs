//! SQLite's WAL checkpoints, off the writer's path.
//!
//! By default the connection that commits past 1,000 WAL pages copies the WAL into the
//! database file (and syncs it) before its commit returns: every few batches one took 25–35 ms
//! instead of 1–2 (`journeys bench engine`, JOURNEYS_LOG=journeys_engine=debug), which set the
//! engine's latency. Here the writer's own checkpoints only start when the WAL is far larger,
//! and a task on a second connection (another thread) checkpoints PASSIVE-ly — never waiting
//! for, nor blocking, the writer — every `EVERY`.

use std::time::Duration;

use sqlx::{AnyConnection, Connection};
use tokio::sync::oneshot;

/// How often the background connection checkpoints.
const EVERY: Duration = Duration::from_millis(200);
/// WAL pages (4 kB) after which the writer checkpoints itself: a safety net for when the
/// background connection cannot keep up.
pub(crate) const WRITER_AUTOCHECKPOINT: u32 = 16_000;

/// Stops the background checkpoints when dropped (the last clone of the store is gone) or
/// when the store is closed.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    stop: std::sync::Mutex<Option<oneshot::Sender<()>>>,
}

impl Checkpointer {
    /// Open a second connection to `url` and checkpoint on it until stopped.
    pub(crate) async fn start(url: &str) -> Result<Checkpointer, sqlx::Error> {
        let mut conn = AnyConnection::connect(url).await?;
        let (stop, mut stopped) = oneshot::channel();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = ticks.tick() => {
                        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut conn).await {
                            tracing::warn!(error = %e, "WAL checkpoint failed; the writer checkpoints itself later");
                        }
                    }
                }
            }
            let _ = conn.close().await;
        });
        Ok(Checkpointer { stop: std::sync::Mutex::new(Some(stop)) })
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
        tokio::time::sleep(EVERY * 4).await;
        store.upsert_customers(&round(1), 0).await?;
        let second = std::fs::metadata(&wal)?.len();
        assert!(second < first + first / 4, "the second round reuses the checkpointed WAL: {first} then {second} bytes");
        store.close().await;
        Ok(())
    }
}
