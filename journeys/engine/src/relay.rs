//! The relay: one loop per route (a connector and the channels it carries) takes undelivered
//! outbox rows of its channels in seq order and marks each delivered only after the connector
//! has it (the file sink: line on disk; the webhook: a 2xx answer; SMTP: the server's 2xx). A failed attempt is retried
//! on the row's own schedule (exponential backoff) so one bad action or a receiver that is down
//! never holds up the other routes; after `MAX_ATTEMPTS`, or a refusal retrying cannot fix, the
//! row is set aside (`failed_at`, with the receiver's answer).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use journeys_core::kinds::Channel;
use journeys_store::OutboxRow;
use tokio::sync::watch;

use crate::sink::FileSink;
use crate::smtp::Smtp;
use crate::webhook::{Failure, Webhook};
use crate::Processor;

const BATCH: i64 = 200;
const IDLE: Duration = Duration::from_millis(100);
/// Attempts before an action is set aside: with backoff from 1 s doubling to at most an hour,
/// about 4½ hours of trying.
pub const MAX_ATTEMPTS: i64 = 12;
const FIRST_RETRY_MS: i64 = 1_000;
const LONGEST_RETRY_MS: i64 = 3_600_000;

pub enum Connector {
    File(Arc<Mutex<FileSink>>),
    Webhook(Webhook),
    Smtp(Smtp),
}

/// A connector and the channel keys it delivers.
pub struct Route {
    pub channels: Vec<String>,
    pub connector: Connector,
}

/// Webhook first for its channels, then SMTP for email (unless the webhook takes it); the file
/// sink takes every other channel.
pub fn routes(sink: Option<FileSink>, webhook: Option<Webhook>, smtp: Option<Smtp>) -> Vec<Route> {
    let mut routes = Vec::new();
    let mut taken: Vec<String> = webhook.as_ref().map(|w| w.channels().to_vec()).unwrap_or_default();
    if let Some(webhook) = webhook {
        routes.push(Route { channels: taken.clone(), connector: Connector::Webhook(webhook) });
    }
    let email = Channel::Email.key().to_string();
    if let Some(smtp) = smtp.filter(|_| !taken.contains(&email)) {
        routes.push(Route { channels: vec![email.clone()], connector: Connector::Smtp(smtp) });
        taken.push(email);
    }
    if let Some(sink) = sink {
        let rest = Channel::ALL.iter().map(|c| c.key().to_string()).filter(|c| !taken.contains(c)).collect();
        routes.push(Route { channels: rest, connector: Connector::File(Arc::new(Mutex::new(sink))) });
    }
    routes
}

pub async fn run(processor: Arc<Processor>, route: Route, mut shutdown: watch::Receiver<bool>) {
    loop {
        let pause = match deliver_batch(&processor, &route).await {
            Ok(0) => IDLE,
            Ok(_) => Duration::ZERO,
            Err(message) => {
                tracing::warn!(error = %message, "relay cannot read the outbox; retrying");
                Duration::from_secs(1)
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

/// Attempt the route's due rows; how many were attempted.
async fn deliver_batch(processor: &Processor, route: &Route) -> Result<usize, String> {
    let store = processor.store();
    let now = processor.clock().now();
    // Only this engine's partitions: two engines never deliver the same row side by side.
    let held = processor.partitions().snapshot();
    let rows = store.deliverable(&route.channels, now, BATCH, held.scope()).await.map_err(|e| e.to_string())?;
    for row in &rows {
        match attempt(store, &route.connector, row, now).await {
            Ok(fresh) => {
                store.mark_delivered(row.seq, processor.clock().now()).await.map_err(|e| e.to_string())?;
                if fresh {
                    processor.metrics().delivered();
                } else {
                    tracing::info!(key = %row.idempotency_key, "already in the sink; marked delivered without writing again");
                }
            }
            Err(failure) => {
                processor.metrics().delivery_failed();
                let attempts = row.attempts + 1;
                let (message, retry_at) = match failure {
                    Failure::Retry(m) if attempts < MAX_ATTEMPTS => (m, Some(now + backoff_ms(attempts))),
                    Failure::Retry(m) => (format!("gave up after {attempts} attempts: {m}"), None),
                    Failure::Refused(m) => (m, None),
                };
                match retry_at {
                    Some(at) => tracing::warn!(key = %row.idempotency_key, error = %message, retry_in_ms = at - now, "delivery failed; will retry"),
                    None => tracing::error!(key = %row.idempotency_key, error = %message, "delivery failed; set aside"),
                }
                store.record_failed_attempt(row.seq, &message, now, retry_at).await.map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(rows.len())
}

/// Wait before attempt `attempts + 1`: 1 s, 2 s, 4 s, … at most an hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    FIRST_RETRY_MS.saturating_mul(1_i64 << doublings).min(LONGEST_RETRY_MS)
}

/// One delivery attempt; `Ok(false)` when the file sink had the key already.
async fn attempt(store: &journeys_store::Store, connector: &Connector, row: &OutboxRow, now: i64) -> Result<bool, Failure> {
    match connector {
        Connector::File(sink) => {
            let sink = Arc::clone(sink);
            let owned = row.clone();
            let written = tokio::task::spawn_blocking(move || sink.lock().map_err(|_| "sink lock poisoned".to_string())?.deliver(&owned).map_err(|e| e.to_string()))
                .await
                .map_err(|e| Failure::Retry(e.to_string()))?;
            written.map_err(Failure::Retry)
        }
        Connector::Webhook(webhook) => webhook.deliver(row, now.div_euclid(1_000)).await.map(|()| true),
        Connector::Smtp(smtp) => smtp.deliver(store, row).await.map(|()| true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_second_to_at_most_an_hour() {
        let waits: Vec<i64> = (1..=14).map(backoff_ms).collect();
        assert_eq!(&waits[..5], &[1_000, 2_000, 4_000, 8_000, 16_000]);
        assert!(waits.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(waits[13], LONGEST_RETRY_MS);
    }
}
