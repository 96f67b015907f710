//! The Journeys store: one set of migrations and queries over sqlx's `Any` driver, so the
//! embedded SQLite default and a shared PostgreSQL behave the same.

mod analytics;
mod audit;
mod bulk;
mod checkpoint;
mod customer_schema;
mod decisions;
mod drafts;
mod engine_state;
mod engine_tx;
mod error;
mod input;
mod location;
mod models;
mod offers;
mod partitions;
mod prefetch;
mod privacy;
mod registry;
mod customer_migration;
mod runs;
mod sequences;
mod sql_texts;
mod users;
mod versions;

pub use journeys_core::{DraftSummary, StoredDraft};
pub use error::StoreError;
pub use location::{default_database_url, sqlite_url_for};
pub use analytics::{JourneyCustomer, StepRecord};
pub use audit::AuditEntry;
pub use journeys_core::customer_schema::AppliedSchema;
pub use engine_state::{ActionRow, DueWakeUp, EngineRows, EngineTx, EventRecord, InstanceRow, OutboxRow, Scope, SentContact};
pub use journeys_core::{RunParameters, RunSummary};
pub use users::{Role, User};
pub use versions::{parse_reference, VersionStatus, VersionSummary};
pub use models::{ModelVersion, Score};
pub use offers::OfferVersion;
pub use privacy::{pseudonym, CustomerExport, Erasure};
pub use partitions::{partition_of, Lease, LeaseRow, LeaseTerms, PARTITIONS};
pub use registry::RegistryEntry;

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle on the database. Cheap to clone (a connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Sequence-number blocks this process reserved (PostgreSQL).
    seqs: std::sync::Arc<sequences::SeqBlocks>,
    /// The URL with any password redacted, for display.
    location: String,
    /// SQLite: WAL checkpoints on a second connection (see `checkpoint`).
    checkpoints: Option<std::sync::Arc<checkpoint::Checkpointer>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Store {
    /// Connect to `url` (`sqlite://…` or `postgres://…`), creating the SQLite file if needed,
    /// and bring the schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let sqlite_url;
        let (url, backend) = if url.starts_with("sqlite:") {
            location::ensure_sqlite_parent(url)?;
            sqlite_url = location::creating(url);
            (sqlite_url.as_str(), Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (url, Backend::Postgres)
        } else {
            return Err(StoreError::UnsupportedUrl(location::redact(url)));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 1 } else { 8 })
            // A database that is down should say so promptly, not after sqlx's 30 s default.
            .acquire_timeout(std::time::Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // In WAL mode NORMAL syncs at checkpoints, not at every commit: a
                        // killed process loses nothing committed; only a power cut may lose
                        // the latest commits.
                        sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                        let pages = checkpoint::WRITER_AUTOCHECKPOINT;
                        sqlx::query(&format!("PRAGMA wal_autocheckpoint = {pages}")).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(|source| StoreError::Connect { url: location::redact(url), source })?;
        let mut checkpoints = None;
        if backend == Backend::Sqlite {
            // WAL lets the CLI read while the app writes; it is a property of the file.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
            let checkpointer = checkpoint::Checkpointer::start(url).await.map_err(|source| StoreError::Connect { url: location::redact(url), source })?;
            checkpoints = Some(std::sync::Arc::new(checkpointer));
        }
        MIGRATOR.run(&pool).await?;
        let store = Store { pool, backend, seqs: Default::default(), location: location::redact(url), checkpoints };
        store.backfill_partitions().await?;
        Ok(store)
    }

    /// Drop reserved sequence numbers: the next ones come from a new block, above every number
    /// any engine has used so far (call after taking partitions over).
    pub fn fresh_sequences(&self) {
        self.seqs.clear();
    }

    /// A transaction that writes. On SQLite it takes the write lock at its start (`BEGIN
    /// IMMEDIATE`), waiting its turn under the busy timeout: a transaction that has read and
    /// then writes while another connection (another process: an import, a second tool) holds
    /// the lock, or has committed since the read, fails at once with SQLITE_BUSY — SQLite
    /// cannot let it wait, its snapshot is stale. With another writer busy, most engine
    /// batches failed so (`journeys-engine` test `other_writer`).
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// A write committed: on SQLite the background checkpoint follows soon.
    pub(crate) fn committed(&self) {
        if let Some(checkpoints) = &self.checkpoints {
            checkpoints.committed();
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    pub async fn close(&self) {
        if let Some(checkpoints) = &self.checkpoints {
            checkpoints.stop();
        }
        self.pool.close().await;
    }

    /// Load the sample journeys into an empty database (first start), with the demo users when
    /// there are no users yet. Returns how many journeys.
    pub async fn seed_samples_if_empty(&self) -> Result<usize, StoreError> {
        if !self.list_drafts().await?.is_empty() {
            return Ok(0);
        }
        let samples = journeys_core::catalog::sample_journeys();
        for journey in &samples {
            self.insert_draft(journey, None).await?;
        }
        tracing::info!(count = samples.len(), "loaded sample journeys");
        self.seed_sample_schema().await?;
        if self.users().await?.is_empty() {
            for (name, role) in DEMO_USERS {
                self.add_user(name, *role, Some(DEMO_PASSWORD)).await?;
            }
            tracing::info!("added the demo users (password \"{DEMO_PASSWORD}\")");
        }
        Ok(samples.len())
    }
}

/// One user per role in a new sample database, so every screen can be tried at once.
pub const DEMO_USERS: &[(&str, users::Role)] =
    &[("dana", users::Role::Designer), ("rey", users::Role::Reviewer), ("ana", users::Role::Analyst), ("admin", users::Role::Admin)];
pub const DEMO_PASSWORD: &str = "demo";

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
