//! `journeys serve` (the run-time engine over HTTP) and `journeys ingest` (a file of events
//! through the same processing, no HTTP).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use journeys_engine::wire::{self, BodyFormat};
use journeys_engine::{BatchTally, Clock, Engine, EngineConfig, Processor};
use journeys_store::{default_database_url, Store};

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address for the HTTP API.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: String,
    /// Deliver actions as NDJSON lines to DIR/<channel>.ndjson (without it they stay in the outbox).
    #[arg(long, value_name = "DIR")]
    sink_dir: Option<PathBuf>,
    /// POST actions of the --webhook-channels to URL, signed with HMAC-SHA256 (headers
    /// X-Journeys-Timestamp, X-Journeys-Signature: v1=HEX over "TIMESTAMP.BODY", Idempotency-Key).
    #[arg(long, value_name = "URL")]
    webhook_url: Option<String>,
    /// The environment variable holding the webhook's shared secret (kept out of the command line).
    #[arg(long, value_name = "VAR", default_value = "JOURNEYS_WEBHOOK_SECRET")]
    webhook_secret_env: String,
    /// Channels delivered through the webhook; the file sink takes the others.
    #[arg(long, value_name = "CHANNEL,…", value_delimiter = ',', default_value = "webhook")]
    webhook_channels: Vec<String>,
    /// How long a webhook call may take before it counts as failed (and is retried).
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    webhook_timeout_ms: u64,
    /// Send email actions through this SMTP server: smtp://HOST:PORT (add ?tls=required for
    /// STARTTLS) or smtps://HOST:PORT, optionally with USER:PASSWORD@. The address is the
    /// customer profile's `email`.
    #[arg(long, value_name = "URL")]
    smtp_url: Option<String>,
    /// The sender of those emails.
    #[arg(long, value_name = "MAILBOX", default_value = "Journeys <journeys@localhost>")]
    smtp_from: String,
    /// How long one SMTP conversation may take before it counts as failed (and is retried).
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    smtp_timeout_ms: u64,
    /// This engine's name among engines sharing one PostgreSQL database; each must have its
    /// own. Default: HOST:PORT of --listen (a restart on the same port takes its customers
    /// back at once), or HOST:PID when the port is 0.
    #[arg(long, value_name = "NAME")]
    node_id: Option<String>,
    /// How long this engine's hold on its customers' partitions lasts without renewal: after a
    /// crash, other engines take them over this long after the last renewal.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    lease_ttl_ms: u64,
}

impl ServeArgs {
    fn node_id(&self) -> String {
        if let Some(id) = &self.node_id {
            return id.clone();
        }
        let host = hostname::get().map(|h| h.to_string_lossy().into_owned()).unwrap_or_else(|_| "localhost".into());
        match self.listen.rsplit_once(':').map(|(_, port)| port) {
            Some(port) if port != "0" => format!("{host}:{port}"),
            _ => format!("{host}:pid{}", std::process::id()),
        }
    }

    fn smtp(&self) -> Option<journeys_engine::smtp::SmtpConfig> {
        let url = self.smtp_url.clone()?;
        Some(journeys_engine::smtp::SmtpConfig { url, from: self.smtp_from.clone(), timeout: std::time::Duration::from_millis(self.smtp_timeout_ms) })
    }

    fn webhook(&self) -> anyhow::Result<Option<journeys_engine::webhook::WebhookConfig>> {
        let Some(url) = self.webhook_url.clone() else { return Ok(None) };
        let secret = std::env::var(&self.webhook_secret_env)
            .with_context(|| format!("--webhook-url needs the shared secret in the environment variable {}", self.webhook_secret_env))?;
        anyhow::ensure!(secret.len() >= 16, "the webhook secret in {} is shorter than 16 characters", self.webhook_secret_env);
        let known: Vec<&str> = journeys_core::kinds::Channel::ALL.iter().map(|c| c.key()).collect();
        if let Some(bad) = self.webhook_channels.iter().find(|c| !known.contains(&c.as_str())) {
            anyhow::bail!("--webhook-channels: unknown channel '{bad}' (known: {})", known.join(", "));
        }
        Ok(Some(journeys_engine::webhook::WebhookConfig {
            url,
            secret,
            channels: self.webhook_channels.clone(),
            timeout: std::time::Duration::from_millis(self.webhook_timeout_ms),
        }))
    }
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
        let webhook = args.webhook()?;
        let smtp = args.smtp();
        anyhow::ensure!(args.lease_ttl_ms >= 300, "--lease-ttl-ms must be at least 300 (it is renewed every third of it)");
        let config = EngineConfig {
            node_id: args.node_id(),
            lease_ttl: std::time::Duration::from_millis(args.lease_ttl_ms),
            listen: args.listen,
            sink_dir: args.sink_dir,
            webhook,
            smtp,
            ..EngineConfig::default()
        };
        let engine = Engine::start(store.clone(), config).await?;
        eprintln!(
            "journeys engine {} listening on http://{} (database {}; {} of {} partitions)",
            engine.processor().partitions().node(),
            engine.local_addr(),
            store.location(),
            engine.processor().partitions().snapshot().count(),
            journeys_store::PARTITIONS
        );
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
        // Beside a running engine, take no partitions (it would give half of them back for
        // this short-lived process): every event is queued for the engines that hold them.
        processor.join_unless_engines_run().await?;
        let mut total = BatchTally::default();
        let result: anyhow::Result<()> = async {
            for batch in events.chunks(journeys_engine::INGEST_BATCH) {
                total += processor.ingest_batch(batch).await.with_context(|| format!("events from '{}'", batch[0].id))?;
            }
            Ok(())
        }
        .await;
        processor.partitions().leave(processor.store()).await?;
        result?;
        let BatchTally { accepted, duplicates, queued } = total;
        if queued > 0 {
            println!("{accepted} accepted ({queued} queued for the running engine that holds their customers), {duplicates} duplicates");
        } else {
            println!("{accepted} accepted, {duplicates} duplicates");
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `journeys import-customers FILE`: CSV (by the `.csv` extension) or NDJSON, checked whole
/// first (exit 1 with every bad line, nothing written), then stored in one transaction.
pub fn import_customers(database_url: Option<String>, file: PathBuf) -> anyhow::Result<ExitCode> {
    let body = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let format = if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) { BodyFormat::Csv } else { BodyFormat::Ndjson };
    crate::db::with_store(database_url, |store| async move {
        let schema = store.customer_schema().await?.schema;
        let customers = match wire::parse_customers(&body, format, &schema) {
            Ok(customers) => customers,
            Err(errors) => {
                for e in errors {
                    eprintln!("{}:{}: {}", file.display(), e.line.unwrap_or(0), e.error);
                }
                return Ok(ExitCode::from(1));
            }
        };
        let rows: Vec<(String, String)> = customers.iter().map(|c| Ok((c.id.clone(), serde_json::to_string(c)?))).collect::<anyhow::Result<_>>()?;
        store.upsert_customers(&rows, Clock::System.now()).await?;
        println!("{} customers imported", rows.len());
        Ok(ExitCode::SUCCESS)
    })
}
