//! The relay: undelivered outbox rows, in seq order, through the sink; marked delivered only
//! after the sink has the line on disk. Errors are retried with exponential backoff.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::sink::FileSink;
use crate::Processor;

const BATCH: i64 = 200;
const IDLE: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub async fn run(processor: Arc<Processor>, sink: FileSink, mut shutdown: watch::Receiver<bool>) {
    let sink = Arc::new(Mutex::new(sink));
    let mut backoff = IDLE;
    loop {
        let pause = match deliver_batch(&processor, &sink).await {
            Ok(0) => IDLE,
            Ok(_) => {
                backoff = IDLE;
                Duration::ZERO
            }
            Err(message) => {
                processor.metrics().delivery_failed();
                backoff = (backoff * 2).min(MAX_BACKOFF);
                tracing::warn!(error = %message, retry_in = ?backoff, "delivery failed");
                backoff
            }
        };
        if *shutdown.borrow() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Deliver up to one batch; how many rows were handled.
async fn deliver_batch(processor: &Processor, sink: &Arc<Mutex<FileSink>>) -> Result<usize, String> {
    let store = processor.store();
    let rows = store.undelivered(BATCH).await.map_err(|e| e.to_string())?;
    for row in &rows {
        let sink = Arc::clone(sink);
        let owned = row.clone();
        let written = tokio::task::spawn_blocking(move || sink.lock().map_err(|_| "sink lock poisoned".to_string())?.deliver(&owned).map_err(|e| e.to_string()))
            .await
            .map_err(|e| e.to_string())?;
        match written {
            Ok(fresh) => {
                store.mark_delivered(row.seq, processor.clock().now()).await.map_err(|e| e.to_string())?;
                if fresh {
                    processor.metrics().delivered();
                } else {
                    tracing::info!(key = %row.idempotency_key, "already in the sink; marked delivered without writing again");
                }
            }
            Err(e) => {
                let _ = store.record_failed_attempt(row.seq).await;
                return Err(format!("{}: {e}", row.idempotency_key));
            }
        }
    }
    Ok(rows.len())
}
