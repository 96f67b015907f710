//! `journeys serve` (the run-time engine over HTTP) and `journeys ingest` (a file of events
//! through the same processing, no HTTP).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use journeys_engine::wire::{self, BodyFormat};
use journeys_engine::{Clock, Engine, EngineConfig, Processor};
use journeys_store::{default_database_url, Store};

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address for the HTTP API.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: String,
    /// Deliver actions as NDJSON lines to DIR/<channel>.ndjson (without it they stay in the outbox).
    #[arg(long, value_name = "DIR")]
    sink_dir: Option<PathBuf>,
}

fn url(database_url: Option<String>) -> anyhow::Result<String> {
    Ok(match database_url {
        Some(url) => url,
        None => default_database_url()?,
    })
}

/// Run until Ctrl-C (or SIGTERM), then stop taking requests and finish the step in hand.
pub fn serve(database_url: Option<String>, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let url = url(database_url)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let store = Store::open(&url).await?;
        let config = EngineConfig { listen: args.listen, sink_dir: args.sink_dir, ..EngineConfig::default() };
        let engine = Engine::start(store.clone(), config).await?;
        eprintln!("journeys engine listening on http://{} (database {})", engine.local_addr(), store.location());
        shutdown_signal().await;
        eprintln!("shutting down");
        engine.shutdown().await;
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Ingest an NDJSON file of events: all lines are checked first (exit 1 and nothing written
/// on any bad line or unknown customer), then each event is processed as the API would.
pub fn ingest(database_url: Option<String>, file: PathBuf) -> anyhow::Result<ExitCode> {
    let body = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let events = match wire::parse_events(&body, BodyFormat::Ndjson) {
        Ok(events) => events,
        Err(errors) => {
            for e in errors {
                eprintln!("{}:{}: {}", file.display(), e.line.unwrap_or(0), e.error);
            }
            return Ok(ExitCode::from(1));
        }
    };
    crate::db::with_store(database_url, |store| async move {
        let ids: Vec<&str> = events.iter().map(|e| e.customer_id.as_str()).collect();
        let known = store.known_customers(&ids).await?;
        let unknown: Vec<_> = events.iter().filter(|e| !known.contains(&e.customer_id)).collect();
        if !unknown.is_empty() {
            for e in unknown {
                let line = match e.position {
                    wire::Position::Line(n) | wire::Position::Item(n) => n,
                };
                eprintln!("{}:{line}: event '{}' names unknown customer '{}'", file.display(), e.id, e.customer_id);
            }
            return Ok(ExitCode::from(1));
        }
        let processor = Processor::new(store, Clock::System);
        processor.refresh_versions().await?;
        let (mut accepted, mut duplicates) = (0, 0);
        for batch in events.chunks(journeys_engine::INGEST_BATCH) {
            let tally = processor.ingest_batch(batch).await.with_context(|| format!("events from '{}'", batch[0].id))?;
            accepted += tally.accepted;
            duplicates += tally.duplicates;
        }
        println!("{accepted} accepted, {duplicates} duplicates");
        Ok(ExitCode::SUCCESS)
    })
}
