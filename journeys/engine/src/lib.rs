//! The Journeys run-time engine: customers and events come in (HTTP or a file), core's
//! interpreter moves instances durably, governance judges every contact, and a relay delivers
//! what may be sent. See ARCHITECTURE.md ("journeys/engine").

mod analytics;
mod clock;
mod contact;
mod decisions;
mod error;
pub mod http;
mod live;
mod metrics;
pub mod page;
pub mod partitions;
mod process;
mod relay;
mod sink;
pub mod smtp;
pub mod webhook;
pub mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use journeys_store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use clock::Clock;
pub use contact::{idempotency_key, PAUSED, RETIRED};
pub use error::EngineError;
pub use metrics::Metrics;
pub use process::{BatchTally, InstanceState, Outcome, Processor};
pub use sink::FileSink;

/// Events committed together (one transaction) when a request or file brings many.
pub const INGEST_BATCH: usize = 500;
/// Default request body limit (413 beyond it).
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// How many due wake-ups (and deferrals) one timer round pulls.
pub const TIMER_BATCH: i64 = 500;
/// The engine node name of an embedded engine (the app's trial, `journeys ingest`). A
/// restart under the same name takes its partitions back at once.
pub const DEFAULT_NODE: &str = "local";
/// How long a partition lease lasts without renewal (renewed every third of it).
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub listen: String,
    /// Where the file sink writes; without it nothing is delivered (the outbox keeps it).
    pub sink_dir: Option<PathBuf>,
    /// A signed webhook for some channels (they then skip the file sink).
    pub webhook: Option<webhook::WebhookConfig>,
    /// An SMTP server for email actions (unless the webhook takes email).
    pub smtp: Option<smtp::SmtpConfig>,
    pub clock: Clock,
    pub body_limit: usize,
    /// How often published, paused and retired versions are picked up.
    pub version_poll: Duration,
    /// How often due timers are looked for when there were none.
    pub timer_poll: Duration,
    /// This process's name among engines sharing a database (unique per process).
    pub node_id: String,
    /// How long its partition leases last; another engine takes them over this long after it
    /// stops renewing (a crash).
    pub lease_ttl: Duration,
    /// How often events that other engines stored for this one are looked for.
    pub pending_poll: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            listen: "127.0.0.1:8787".into(),
            sink_dir: None,
            webhook: None,
            smtp: None,
            clock: Clock::System,
            body_limit: DEFAULT_BODY_LIMIT,
            version_poll: Duration::from_millis(500),
            timer_poll: Duration::from_millis(100),
            node_id: DEFAULT_NODE.into(),
            lease_ttl: DEFAULT_LEASE_TTL,
            pending_poll: Duration::from_millis(20),
        }
    }
}

/// A running engine: the HTTP server, the version poller, the timer loop and the relay.
pub struct Engine {
    processor: Arc<Processor>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    addr: SocketAddr,
}

impl Engine {
    pub async fn start(store: Store, config: EngineConfig) -> Result<Engine, EngineError> {
        let processor = Arc::new(Processor::named(store, config.clock.clone(), config.node_id.clone(), config.lease_ttl));
        processor.refresh_versions().await?;
        let held = processor.rebalance().await?;
        tracing::info!(node = %config.node_id, partitions = held, "engine node joined");
        let sink = match &config.sink_dir {
            Some(dir) => Some(FileSink::open(dir).map_err(|source| EngineError::Sink { path: dir.display().to_string(), source })?),
            None => None,
        };
        let listener =
            tokio::net::TcpListener::bind(&config.listen).await.map_err(|source| EngineError::Listen { address: config.listen.clone(), source })?;
        let addr = listener.local_addr().map_err(|source| EngineError::Listen { address: config.listen.clone(), source })?;
        let (shutdown, watcher) = watch::channel(false);
        let mut tasks = vec![
            tokio::spawn(poll_versions(Arc::clone(&processor), config.version_poll, watcher.clone())),
            tokio::spawn(fire_timers(Arc::clone(&processor), config.timer_poll, watcher.clone())),
            tokio::spawn(keep_leases(Arc::clone(&processor), config.lease_ttl / 3, watcher.clone())),
            tokio::spawn(drain_pending(Arc::clone(&processor), config.pending_poll, watcher.clone())),
        ];
        let webhook = match config.webhook.clone() {
            Some(c) => Some(webhook::Webhook::new(c).map_err(EngineError::Connector)?),
            None => None,
        };
        let smtp = match &config.smtp {
            Some(c) => Some(smtp::Smtp::new(c).map_err(EngineError::Connector)?),
            None => None,
        };
        let routes = relay::routes(sink, webhook, smtp);
        if routes.is_empty() {
            tracing::warn!("no connector (sink directory, webhook or SMTP): actions stay in the outbox undelivered");
        }
        for route in routes {
            tasks.push(tokio::spawn(relay::run(Arc::clone(&processor), route, watcher.clone())));
        }
        let app = http::router(Arc::clone(&processor), config.body_limit);
        let mut stop = watcher;
        tasks.push(tokio::spawn(async move {
            let graceful = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(graceful).await {
                tracing::error!(error = %e, "HTTP server stopped");
            }
        }));
        tracing::info!(%addr, "engine listening");
        Ok(Engine { processor, shutdown, tasks, addr })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn processor(&self) -> &Arc<Processor> {
        &self.processor
    }

    /// Stop taking requests, let the loops finish their current step, wait for them, and give
    /// the partitions back for other engines.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        if let Err(e) = self.processor.partitions().leave(self.processor.store()).await {
            tracing::warn!(error = %e, "cannot give the partitions back; they free up when the leases expire");
        }
    }

    /// Stop dead, as a crash would (tests): tasks end at their next await, open transactions
    /// roll back, nothing is flushed.
    pub async fn kill(self) {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn sleep_or_stop(pause: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(pause) => false,
        _ = stop.changed() => true,
    }
}

async fn poll_versions(processor: Arc<Processor>, every: Duration, stop: watch::Receiver<bool>) {
    at_intervals(every, stop, "cannot reload versions", || processor.refresh_versions()).await
}

async fn keep_leases(processor: Arc<Processor>, every: Duration, stop: watch::Receiver<bool>) {
    at_intervals(every, stop, "cannot renew partition leases", || async { processor.rebalance().await.map(drop) }).await
}

/// Run `round` every `every` (a failure is logged and the next round tried), until stopped.
async fn at_intervals<F, Fut>(every: Duration, mut stop: watch::Receiver<bool>, failure: &str, mut round: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), EngineError>>,
{
    while !sleep_or_stop(every, &mut stop).await {
        if let Err(e) = round().await {
            tracing::warn!(error = %e, "{failure}");
        }
    }
}

async fn drain_pending(processor: Arc<Processor>, every: Duration, stop: watch::Receiver<bool>) {
    while_busy(every, stop, "cannot process events stored by other engines", || processor.process_pending(crate::INGEST_BATCH as i64)).await
}

async fn fire_timers(processor: Arc<Processor>, every: Duration, stop: watch::Receiver<bool>) {
    while_busy(every, stop, "timer round failed", || processor.fire_due(TIMER_BATCH)).await
}

/// Run `round` again at once while it finds work, `every` after an idle round, a second after
/// a failure, until stopped.
async fn while_busy<F, Fut>(every: Duration, mut stop: watch::Receiver<bool>, failure: &str, mut round: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<usize, EngineError>>,
{
    loop {
        let pause = match round().await {
            Ok(0) => every,
            Ok(_) => Duration::ZERO,
            Err(e) => {
                tracing::warn!(error = %e, "{failure}");
                Duration::from_secs(1)
            }
        };
        if sleep_or_stop(pause, &mut stop).await {
            return;
        }
    }
}
