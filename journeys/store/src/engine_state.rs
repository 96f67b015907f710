//! The run-time engine's tables (customers, events, instances, outbox, action log). The engine
//! decides what to write; this module only knows how, so every statement stays portable SQL.
//! Writes that must commit together go through one `EngineTx`.

use sqlx::any::AnyRow;
use sqlx::Row;

pub use crate::engine_tx::{EngineTx, SentContact};
use crate::bulk::{Col::{Int, Text}, Insert};
use crate::{input, Backend, Store, StoreError};

/// An event as stored. `attributes` is a JSON object as text.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub id: String,
    pub customer_id: String,
    pub event_type: String,
    pub time: i64,
    pub attributes: String,
}

/// Everything the engine wrote, as read back (events with their `received_at`).
#[derive(Debug, Clone, Default)]
pub struct EngineRows {
    pub events: Vec<(EventRecord, i64)>,
    pub instances: Vec<InstanceRow>,
    pub actions: Vec<ActionRow>,
    pub outbox: Vec<OutboxRow>,
}

/// One customer's place in one journey version. `state` is the engine's JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRow {
    pub customer_id: String,
    pub journey_id: String,
    pub version: i64,
    pub node: String,
    pub status: String,
    pub wake_at: Option<i64>,
    pub state: String,
    pub entered_at: i64,
    pub updated_at: i64,
}

/// An instance whose wake-up is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueWakeUp {
    pub customer_id: String,
    pub journey_id: String,
    pub version: i64,
    pub wake_at: i64,
}

/// A contact and what governance made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRow {
    pub seq: i64,
    pub customer_id: String,
    pub journey_id: String,
    pub version: i64,
    pub node: String,
    pub idempotency_key: String,
    pub channel: String,
    /// `sent`, `deferred` or `suppressed`.
    pub outcome: String,
    pub reason: Option<String>,
    pub at: i64,
    /// For a deferral: when it is judged again.
    pub due_at: Option<i64>,
    /// A deferral not judged again yet.
    pub pending: bool,
    /// The contact request as JSON, so a deferral can be judged again later.
    pub request: String,
    /// The offer the contact presents, if any (contact policies count its presentations).
    pub offer: Option<String>,
}

/// An action allowed to send, waiting for (or past) delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub seq: i64,
    pub idempotency_key: String,
    pub channel: String,
    pub customer_id: String,
    pub journey_id: String,
    pub version: i64,
    pub node: String,
    pub payload: String,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    pub attempts: i64,
}

pub(crate) const INSTANCE_COLUMNS: &str = "customer_id, journey_id, version, node, status, wake_at, state, entered_at, updated_at";
pub(crate) const ACTION_COLUMNS: &str = "seq, customer_id, journey_id, version, node, idempotency_key, channel, outcome, reason, at, due_at, pending, request, offer";
pub(crate) const OUTBOX_COLUMNS: &str = "seq, idempotency_key, channel, customer_id, journey_id, version, node, payload, created_at, delivered_at, attempts";

pub(crate) const EVENT_COLUMNS: &str = "id, customer_id, type, time, attributes, received_at";

/// An event row and its `received_at`.
pub(crate) fn event_from_row(r: &AnyRow) -> Result<(EventRecord, i64), StoreError> {
    let record = EventRecord { id: r.try_get("id")?, customer_id: r.try_get("customer_id")?, event_type: r.try_get("type")?, time: r.try_get("time")?, attributes: r.try_get("attributes")? };
    Ok((record, r.try_get("received_at")?))
}

/// Which partitions' rows a query is about: all of them (one engine holds every partition),
/// or those this engine holds.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    All,
    Partitions(&'a [i64]),
}

impl Scope<'_> {
    /// The SQL condition, or None when no row can be in scope.
    fn condition(self) -> Option<String> {
        match self {
            Scope::All => Some(String::new()),
            Scope::Partitions([]) => None,
            Scope::Partitions(list) => Some(format!(" AND partition IN ({})", crate::partitions::int_list(list))),
        }
    }
}

/// An instance as a JSON list has it (`INSTANCE_COLUMNS`).
pub(crate) type InstanceTuple = (String, String, i64, String, String, Option<i64>, String, i64, i64);

impl From<InstanceTuple> for InstanceRow {
    fn from((customer_id, journey_id, version, node, status, wake_at, state, entered_at, updated_at): InstanceTuple) -> InstanceRow {
        InstanceRow { customer_id, journey_id, version, node, status, wake_at, state, entered_at, updated_at }
    }
}

pub(crate) fn instance_from_row(r: &AnyRow) -> Result<InstanceRow, StoreError> {
    Ok(InstanceRow {
        customer_id: r.try_get("customer_id")?,
        journey_id: r.try_get("journey_id")?,
        version: r.try_get("version")?,
        node: r.try_get("node")?,
        status: r.try_get("status")?,
        wake_at: r.try_get("wake_at")?,
        state: r.try_get("state")?,
        entered_at: r.try_get("entered_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn action_from_row(r: &AnyRow) -> Result<ActionRow, StoreError> {
    Ok(ActionRow {
        seq: r.try_get("seq")?,
        customer_id: r.try_get("customer_id")?,
        journey_id: r.try_get("journey_id")?,
        version: r.try_get("version")?,
        node: r.try_get("node")?,
        idempotency_key: r.try_get("idempotency_key")?,
        channel: r.try_get("channel")?,
        outcome: r.try_get("outcome")?,
        reason: r.try_get("reason")?,
        at: r.try_get("at")?,
        due_at: r.try_get("due_at")?,
        pending: r.try_get::<i64, _>("pending")? != 0,
        request: r.try_get("request")?,
        offer: r.try_get("offer")?,
    })
}

fn outbox_from_row(r: &AnyRow) -> Result<OutboxRow, StoreError> {
    Ok(OutboxRow {
        seq: r.try_get("seq")?,
        idempotency_key: r.try_get("idempotency_key")?,
        channel: r.try_get("channel")?,
        customer_id: r.try_get("customer_id")?,
        journey_id: r.try_get("journey_id")?,
        version: r.try_get("version")?,
        node: r.try_get("node")?,
        payload: r.try_get("payload")?,
        created_at: r.try_get("created_at")?,
        delivered_at: r.try_get("delivered_at")?,
        attempts: r.try_get("attempts")?,
    })
}

pub(crate) const CUSTOMERS: Insert = Insert {
    table: "customers",
    columns: &[("id", Text), ("profile", Text), ("updated_at", Int)],
    tail: " ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at",
};

impl Store {
    pub async fn engine_tx(&self) -> Result<EngineTx, StoreError> {
        let seqs = crate::sequences::SeqSource::new(std::sync::Arc::clone(&self.seqs), self.pool.clone());
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            // Every read of an engine transaction is a lookup by key. Without statistics (a
            // table that grew since autovacuum last analyzed it, as every table does in a new
            // database's first minute) PostgreSQL's planner guesses that a list of 500 ids
            // matches most of a table and scans it whole: the batch's reads grew with the
            // tables, 3 ms at 5,000 rows, 18–50 ms at 60,000. Off for this transaction only,
            // the planner probes the indexes whatever it knows. And it plans each statement
            // once per connection: a batch's reads took 0.7-1.3 ms to plan for 6 ms to run.
            sqlx::query("SELECT set_config('enable_seqscan', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true)").execute(&mut *tx).await?;
        }
        Ok(EngineTx::new(tx, self.backend, seqs, self.checkpoints.clone()))
    }

    /// Insert or replace customer profiles (id, profile JSON), all in one transaction.
    pub async fn upsert_customers(&self, customers: &[(String, String)], now: i64) -> Result<(), StoreError> {
        for (id, profile) in customers {
            input::id("customer id", id)?;
            input::free_text("customer profile", profile)?;
        }
        // A repeated id keeps its last profile (PostgreSQL refuses to upsert one row twice in
        // a statement).
        let mut last = std::collections::HashMap::new();
        for (i, (id, _)) in customers.iter().enumerate() {
            last.insert(id.as_str(), i);
        }
        let rows = customers.iter().enumerate().filter(|(i, (id, _))| last.get(id.as_str()) == Some(i)).map(|(_, (id, profile))| (id, profile, now));
        let mut tx = self.begin_write().await?;
        CUSTOMERS.run(&mut tx, self.backend, rows).await?;
        tx.commit().await?;
        self.committed();
        Ok(())
    }

    pub async fn customer_profile(&self, id: &str) -> Result<Option<String>, StoreError> {
        input::id("customer id", id)?;
        let row = sqlx::query("SELECT profile FROM customers WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.try_get("profile")).transpose()?)
    }

    /// Of `ids`, those with a stored profile: one query per 500 ids (a query per id was a
    /// round trip per event of every HTTP request, on PostgreSQL a tenth of the server's time).
    pub async fn known_customers(&self, ids: &[&str]) -> Result<std::collections::HashSet<String>, StoreError> {
        self.customers_by_ids("id", ids).await?.iter().map(|row| Ok(row.try_get("id")?)).collect()
    }

    /// The stored profiles of `ids` (those that have one), one query per 500 ids.
    pub async fn customer_profiles_of(&self, ids: &[&str]) -> Result<std::collections::HashMap<String, String>, StoreError> {
        self.customers_by_ids("id, profile", ids).await?.iter().map(|row| Ok((row.try_get("id")?, row.try_get("profile")?))).collect()
    }

    /// `columns` of the customers among `ids`, 500 ids a query.
    async fn customers_by_ids(&self, columns: &str, ids: &[&str]) -> Result<Vec<AnyRow>, StoreError> {
        input::ids("customer id", ids.iter().copied())?;
        let mut rows = Vec::new();
        let mut conn = self.pool.acquire().await?;
        let placeholders = crate::engine_tx::Placeholders::of(self.backend);
        for chunk in crate::engine_tx::unique(ids).chunks(crate::engine_tx::IDS_PER_QUERY) {
            let sql = crate::engine_tx::in_list(placeholders, &format!("SELECT {columns} FROM customers WHERE id IN"), chunk.len(), "");
            rows.extend(crate::engine_tx::bind_ids(&sql, chunk).fetch_all(&mut *conn).await?);
        }
        Ok(rows)
    }

    pub async fn customer_instances(&self, customer_id: &str) -> Result<Vec<InstanceRow>, StoreError> {
        input::id("customer id", customer_id)?;
        let rows = sqlx::query(&format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE customer_id = $1 ORDER BY journey_id, version"))
            .bind(customer_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(instance_from_row).collect()
    }

    pub async fn customer_actions(&self, customer_id: &str) -> Result<Vec<ActionRow>, StoreError> {
        input::id("customer id", customer_id)?;
        let rows = sqlx::query(&format!("SELECT {ACTION_COLUMNS} FROM action_log WHERE customer_id = $1 ORDER BY seq"))
            .bind(customer_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(action_from_row).collect()
    }

    /// Waiting instances in scope whose wake-up is due at `now`, earliest first: which ones
    /// and when (the engine reads each instance again in the transaction that fires it).
    pub async fn due_wake_ups(&self, now: i64, limit: i64, scope: Scope<'_>) -> Result<Vec<DueWakeUp>, StoreError> {
        let Some(scope) = scope.condition() else { return Ok(Vec::new()) };
        // One row listing them all: hundreds of rows cost sqlx milliseconds (see `prefetch`).
        let columns = "customer_id, journey_id, version, wake_at";
        let list = crate::prefetch::json_list(self.backend, columns, " ORDER BY wake_at");
        let row = sqlx::query(&format!(
            "SELECT {list} AS due FROM (SELECT {columns} FROM instances \
             WHERE wake_at IS NOT NULL AND wake_at <= $1 AND status = 'waiting'{scope} ORDER BY wake_at LIMIT $2) AS due"
        ))
        .bind(now)
        .bind(limit)
        .fetch_one(&self.pool)
        .await?;
        let due = crate::prefetch::decode_list::<(String, String, i64, i64)>(&row, "due")?;
        Ok(due.into_iter().map(|(customer_id, journey_id, version, wake_at)| DueWakeUp { customer_id, journey_id, version, wake_at }).collect())
    }

    /// Deferred contacts in scope due to be judged again at `now`, earliest first.
    pub async fn due_deferrals(&self, now: i64, limit: i64, scope: Scope<'_>) -> Result<Vec<ActionRow>, StoreError> {
        let Some(scope) = scope.condition() else { return Ok(Vec::new()) };
        // One row listing them all, as `due_wake_ups` (a row each was 1.6 ms of a timer round's
        // 28 for 60 deferrals).
        let list = crate::prefetch::json_list(self.backend, ACTION_COLUMNS, " ORDER BY due_at, seq");
        let row = sqlx::query(&format!(
            "SELECT {list} AS due FROM (SELECT {ACTION_COLUMNS} FROM action_log WHERE pending = 1 AND due_at <= $1{scope} ORDER BY due_at, seq LIMIT $2) AS due"
        ))
        .bind(now)
        .bind(limit)
        .fetch_one(&self.pool)
        .await?;
        type Listed = (i64, String, String, i64, String, String, String, String, Option<String>, i64, Option<i64>, i64, String, Option<String>);
        let due = crate::prefetch::decode_list::<Listed>(&row, "due")?;
        Ok(due
            .into_iter()
            .map(|(seq, customer_id, journey_id, version, node, idempotency_key, channel, outcome, reason, at, due_at, pending, request, offer)| ActionRow {
                seq,
                customer_id,
                journey_id,
                version,
                node,
                idempotency_key,
                channel,
                outcome,
                reason,
                at,
                due_at,
                pending: pending != 0,
                request,
                offer,
            })
            .collect())
    }

    /// Events in scope waiting for their partition's holder, oldest first.
    pub async fn pending_events(&self, limit: i64, scope: Scope<'_>) -> Result<Vec<(EventRecord, i64)>, StoreError> {
        let Some(scope) = scope.condition() else { return Ok(Vec::new()) };
        let rows = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE pending = 1{scope} ORDER BY received_at, id LIMIT $1"))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Undelivered outbox rows in seq order.
    pub async fn undelivered(&self, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL ORDER BY seq LIMIT $1"))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(outbox_from_row).collect()
    }

    /// Undelivered rows in scope of these channels due for an attempt at `now`, in seq order.
    pub async fn deliverable(&self, channels: &[String], now: i64, limit: i64, scope: Scope<'_>) -> Result<Vec<OutboxRow>, StoreError> {
        let Some(scope) = scope.condition().filter(|_| !channels.is_empty()) else { return Ok(Vec::new()) };
        let list: Vec<String> = (0..channels.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL \
             AND (next_attempt_at IS NULL OR next_attempt_at <= $1) AND channel IN ({}){scope} ORDER BY seq LIMIT $2",
            list.join(", ")
        );
        let query = channels.iter().fold(sqlx::query(&sql).bind(now).bind(limit), |q, c| q.bind(c.clone()));
        query.fetch_all(&self.pool).await?.iter().map(outbox_from_row).collect()
    }

    pub async fn mark_delivered(&self, seq: i64, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1, last_error = NULL WHERE seq = $2").bind(at).bind(seq).execute(&self.pool).await?;
        Ok(())
    }

    /// A failed attempt: try again at `retry_at`, or with `None` give up (dead letter).
    pub async fn record_failed_attempt(&self, seq: i64, error: &str, now: i64, retry_at: Option<i64>) -> Result<(), StoreError> {
        let failed_at = if retry_at.is_none() { Some(now) } else { None };
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, failed_at = $3 WHERE seq = $4")
            .bind(error.chars().take(1_000).collect::<String>())
            .bind(retry_at)
            .bind(failed_at)
            .bind(seq)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Actions set aside after failed delivery: (idempotency key, channel, attempts, last error).
    pub async fn failed_deliveries(&self) -> Result<Vec<(String, String, i64, Option<String>)>, StoreError> {
        let rows = sqlx::query("SELECT idempotency_key, channel, attempts, last_error FROM outbox WHERE failed_at IS NOT NULL ORDER BY seq").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("idempotency_key")?, r.try_get("channel")?, r.try_get("attempts")?, r.try_get("last_error")?))).collect()
    }

    /// Put customers on the suppression list (or update the reason): (customer, channel or
    /// `*`, reason), all in one transaction.
    pub async fn add_suppressions(&self, rows: &[(String, String, String)], now: i64) -> Result<(), StoreError> {
        for (customer, channel, reason) in rows {
            input::id("customer id", customer)?;
            input::id("channel", channel)?;
            input::free_text("reason", reason)?;
        }
        let mut tx = self.begin_write().await?;
        for (customer, channel, reason) in rows {
            sqlx::query(
                "INSERT INTO suppressions (customer_id, channel, reason, added_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (customer_id, channel) DO UPDATE SET reason = excluded.reason, added_at = excluded.added_at",
            )
            .bind(customer)
            .bind(channel)
            .bind(reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Take a customer off the suppression list for a channel; false when they were not on it.
    pub async fn remove_suppression(&self, customer_id: &str, channel: &str) -> Result<bool, StoreError> {
        input::id("customer id", customer_id)?;
        input::id("channel", channel)?;
        let done = sqlx::query("DELETE FROM suppressions WHERE customer_id = $1 AND channel = $2").bind(customer_id).bind(channel).execute(&self.pool).await?;
        Ok(done.rows_affected() > 0)
    }

    /// The customer's suppression-list entries: (channel or `*`, reason, added at).
    pub async fn customer_suppressions(&self, customer_id: &str) -> Result<Vec<(String, String, i64)>, StoreError> {
        input::id("customer id", customer_id)?;
        let rows = sqlx::query("SELECT channel, reason, added_at FROM suppressions WHERE customer_id = $1 ORDER BY channel").bind(customer_id).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("channel")?, r.try_get("reason")?, r.try_get("added_at")?))).collect()
    }

    /// Instances per status, for metrics.
    pub async fn instance_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM instances GROUP BY status ORDER BY status").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("status")?, r.try_get("n")?))).collect()
    }

    /// Instances per version, node and status: (journey, version, node, status, count).
    pub async fn instance_counts_by_node(&self) -> Result<Vec<(String, i64, String, String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT journey_id, version, node, status, COUNT(*) AS n FROM instances GROUP BY journey_id, version, node, status ORDER BY journey_id, version, node, status")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("journey_id")?, r.try_get("version")?, r.try_get("node")?, r.try_get("status")?, r.try_get("n")?))).collect()
    }

    /// Actions per outcome and reason ("" when none), for metrics.
    pub async fn action_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT outcome, COALESCE(reason, '') AS reason, COUNT(*) AS n FROM action_log GROUP BY outcome, COALESCE(reason, '') ORDER BY outcome, reason")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("outcome")?, r.try_get("reason")?, r.try_get("n")?))).collect()
    }

    /// How many events are stored (ingest position, for tests and benchmarks).
    pub async fn event_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM events").fetch_one(&self.pool).await?.try_get("n")?)
    }

    /// Every row the engine wrote: the benchmark copies them into another database raw.
    pub async fn engine_rows(&self) -> Result<EngineRows, StoreError> {
        let events = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY received_at, id"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(event_from_row)
            .collect::<Result<_, StoreError>>()?;
        let instances = sqlx::query(&format!("SELECT {INSTANCE_COLUMNS} FROM instances"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(instance_from_row)
            .collect::<Result<_, _>>()?;
        let actions = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM action_log ORDER BY seq"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(action_from_row)
        .collect::<Result<_, _>>()?;
        let outbox = sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY seq"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(outbox_from_row)
            .collect::<Result<_, _>>()?;
        Ok(EngineRows {
            events,
            instances,
            actions,
            outbox,
        })
    }

    /// Empty the engine's event, instance, action and outbox tables (benchmarks measure a raw
    /// insert into the database they have just measured the engine on). PostgreSQL truncates:
    /// deleted rows stay in its tables and indexes until vacuumed, and every key inserted
    /// again was checked against its dead copy (150,000 events' rows went in at 2,600 events/s,
    /// a fifth of the rate into the empty tables the engines started from).
    pub async fn clear_engine_rows(&self) -> Result<(), StoreError> {
        const TABLES: [&str; 4] = ["events", "instances", "action_log", "outbox"];
        let mut tx = self.begin_write().await?;
        match self.backend {
            Backend::Sqlite => {
                for table in TABLES {
                    sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
                }
            }
            Backend::Postgres => {
                sqlx::query(&format!("TRUNCATE {}", TABLES.join(", "))).execute(&mut *tx).await?;
            }
        }
        Ok(tx.commit().await?)
    }

    /// Write rows with the engine's own statements, `batch` events' worth per transaction and
    /// no processing: the floor the durable engine is measured against.
    pub async fn insert_rows_raw(&self, rows: &EngineRows, batch: usize) -> Result<(), StoreError> {
        let transactions = rows.events.len().div_ceil(batch.max(1)).max(1);
        // The i-th of `transactions` equal slices of a table.
        fn slice<T>(all: &[T], i: usize, of: usize) -> &[T] {
            let size = all.len().div_ceil(of);
            all.get(i * size..((i + 1) * size).min(all.len()))
                .unwrap_or_default()
        }
        for i in 0..transactions {
            let mut tx = self.engine_tx().await?;
            // Read in bulk first, as the engine does, so the writes are all that is measured:
            // every customer the slices name (the tables' slices do not hold the same
            // customers; one not read before cost a query per action, a round trip the engine
            // never makes, and the raw figure came out below the engine's).
            let (events, instances) = (slice(&rows.events, i, transactions), slice(&rows.instances, i, transactions));
            let (actions, outbox) = (slice(&rows.actions, i, transactions), slice(&rows.outbox, i, transactions));
            let ids: Vec<&str> = events.iter().map(|(e, _)| e.id.as_str()).collect();
            let customers: Vec<&str> = events
                .iter()
                .map(|(e, _)| e.customer_id.as_str())
                .chain(instances.iter().map(|r| r.customer_id.as_str()))
                .chain(actions.iter().map(|r| r.customer_id.as_str()))
                .chain(outbox.iter().map(|r| r.customer_id.as_str()))
                .collect();
            tx.prefetch(&ids, &customers).await?;
            for (event, received_at) in events {
                tx.insert_event(event, *received_at).await?;
            }
            for row in instances {
                tx.put_instance(row).await?;
            }
            for row in actions {
                tx.log_action(row).await?;
            }
            for row in outbox {
                tx.enqueue(row).await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }
}
