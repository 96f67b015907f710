//! The run-time engine's tables (customers, events, instances, outbox, action log). The engine
//! decides what to write; this module only knows how, so every statement stays portable SQL.
//! Writes that must commit together go through one `EngineTx`.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::{Store, StoreError};

/// An event as stored. `attributes` is a JSON object as text.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub id: String,
    pub customer_id: String,
    pub event_type: String,
    pub time: i64,
    pub attributes: String,
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

const INSTANCE_COLUMNS: &str = "customer_id, journey_id, version, node, status, wake_at, state, entered_at, updated_at";
const ACTION_COLUMNS: &str = "seq, customer_id, journey_id, version, node, idempotency_key, channel, outcome, reason, at, due_at, pending, request";
const OUTBOX_COLUMNS: &str = "seq, idempotency_key, channel, customer_id, journey_id, version, node, payload, created_at, delivered_at, attempts";

fn instance_from_row(r: &AnyRow) -> Result<InstanceRow, StoreError> {
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

/// Writes that commit together: an event with every state change, action and outbox row it
/// causes. Dropped without `commit`, nothing of it is kept.
pub struct EngineTx {
    tx: Transaction<'static, Any>,
}

impl EngineTx {
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }

    /// Record an event; false (and nothing written) when its id was seen before.
    pub async fn insert_event(&mut self, event: &EventRecord, received_at: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO events (id, customer_id, type, time, attributes, received_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&event.id)
        .bind(&event.customer_id)
        .bind(&event.event_type)
        .bind(event.time)
        .bind(&event.attributes)
        .bind(received_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn customer_profile(&mut self, id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT profile FROM customers WHERE id = $1").bind(id).fetch_optional(&mut *self.tx).await?;
        Ok(row.map(|r| r.try_get("profile")).transpose()?)
    }

    pub async fn instance(&mut self, customer_id: &str, journey_id: &str, version: i64) -> Result<Option<InstanceRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE customer_id = $1 AND journey_id = $2 AND version = $3"))
            .bind(customer_id)
            .bind(journey_id)
            .bind(version)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(instance_from_row).transpose()
    }

    pub async fn put_instance(&mut self, row: &InstanceRow) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO instances ({INSTANCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (customer_id, journey_id, version) DO UPDATE SET node = excluded.node, status = excluded.status, \
             wake_at = excluded.wake_at, state = excluded.state, entered_at = excluded.entered_at, updated_at = excluded.updated_at"
        ))
        .bind(&row.customer_id)
        .bind(&row.journey_id)
        .bind(row.version)
        .bind(&row.node)
        .bind(&row.status)
        .bind(row.wake_at)
        .bind(&row.state)
        .bind(row.entered_at)
        .bind(row.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Contacts sent to the customer by any journey: (time, channel), for frequency caps.
    pub async fn sent_history(&mut self, customer_id: &str) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query("SELECT at, channel FROM action_log WHERE customer_id = $1 AND outcome = 'sent'")
            .bind(customer_id)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("at")?, r.try_get("channel")?))).collect()
    }

    /// Append to the action log; `seq` is assigned here and returned.
    pub async fn log_action(&mut self, action: &ActionRow) -> Result<i64, StoreError> {
        let seq = self.next_seq("action_log").await?;
        sqlx::query(&format!("INSERT INTO action_log ({ACTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"))
            .bind(seq)
            .bind(&action.customer_id)
            .bind(&action.journey_id)
            .bind(action.version)
            .bind(&action.node)
            .bind(&action.idempotency_key)
            .bind(&action.channel)
            .bind(&action.outcome)
            .bind(&action.reason)
            .bind(action.at)
            .bind(action.due_at)
            .bind(i64::from(action.pending))
            .bind(&action.request)
            .execute(&mut *self.tx)
            .await?;
        self.count_action(action).await?;
        Ok(seq)
    }

    /// A deferral has been judged again (its outcome is a newer row).
    pub async fn resolve_deferral(&mut self, seq: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE action_log SET pending = 0 WHERE seq = $1").bind(seq).execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Queue an action for delivery; false when its idempotency key is queued already.
    pub async fn enqueue(&mut self, row: &OutboxRow) -> Result<bool, StoreError> {
        let seq = self.next_seq("outbox").await?;
        let done = sqlx::query(&format!(
            "INSERT INTO outbox ({OUTBOX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, 0) ON CONFLICT (idempotency_key) DO NOTHING"
        ))
        .bind(seq)
        .bind(&row.idempotency_key)
        .bind(&row.channel)
        .bind(&row.customer_id)
        .bind(&row.journey_id)
        .bind(row.version)
        .bind(&row.node)
        .bind(&row.payload)
        .bind(row.created_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    pub(crate) async fn next_seq(&mut self, table: &'static str) -> Result<i64, StoreError> {
        let last: i64 = sqlx::query(&format!("SELECT COALESCE(MAX(seq), 0) AS last FROM {table}")).fetch_one(&mut *self.tx).await?.try_get("last")?;
        Ok(last + 1)
    }
}

impl Store {
    pub async fn engine_tx(&self) -> Result<EngineTx, StoreError> {
        Ok(EngineTx { tx: self.pool.begin().await? })
    }

    /// Insert or replace customer profiles (id, profile JSON), all in one transaction.
    pub async fn upsert_customers(&self, customers: &[(String, String)], now: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for (id, profile) in customers {
            sqlx::query(
                "INSERT INTO customers (id, profile, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(profile)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn customer_profile(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT profile FROM customers WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.try_get("profile")).transpose()?)
    }

    /// Of `ids`, those with a stored profile.
    pub async fn known_customers(&self, ids: &[&str]) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut known = std::collections::HashSet::new();
        let mut conn = self.pool.acquire().await?;
        for id in ids {
            if !known.contains(*id) && sqlx::query("SELECT 1 AS one FROM customers WHERE id = $1").bind(*id).fetch_optional(&mut *conn).await?.is_some() {
                known.insert((*id).to_string());
            }
        }
        Ok(known)
    }

    pub async fn customer_instances(&self, customer_id: &str) -> Result<Vec<InstanceRow>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE customer_id = $1 ORDER BY journey_id, version"))
            .bind(customer_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(instance_from_row).collect()
    }

    pub async fn customer_actions(&self, customer_id: &str) -> Result<Vec<ActionRow>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {ACTION_COLUMNS} FROM action_log WHERE customer_id = $1 ORDER BY seq"))
            .bind(customer_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(action_from_row).collect()
    }

    /// Waiting instances whose wake-up is due at `now`, earliest first.
    pub async fn due_instances(&self, now: i64, limit: i64) -> Result<Vec<InstanceRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {INSTANCE_COLUMNS} FROM instances WHERE wake_at IS NOT NULL AND wake_at <= $1 AND status = 'waiting' ORDER BY wake_at, customer_id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(instance_from_row).collect()
    }

    /// Deferred contacts due to be judged again at `now`, earliest first.
    pub async fn due_deferrals(&self, now: i64, limit: i64) -> Result<Vec<ActionRow>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {ACTION_COLUMNS} FROM action_log WHERE pending = 1 AND due_at <= $1 ORDER BY due_at, seq LIMIT $2"))
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(action_from_row).collect()
    }

    /// Undelivered outbox rows in seq order.
    pub async fn undelivered(&self, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT $1"))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(outbox_from_row).collect()
    }

    pub async fn mark_delivered(&self, seq: i64, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1 WHERE seq = $2").bind(at).bind(seq).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn record_failed_attempt(&self, seq: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1 WHERE seq = $1").bind(seq).execute(&self.pool).await?;
        Ok(())
    }

    /// Instances per status, for metrics.
    pub async fn instance_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM instances GROUP BY status ORDER BY status").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("status")?, r.try_get("n")?))).collect()
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

    /// Write event rows in batches without processing them: the benchmark's baseline.
    pub async fn insert_events_raw(&self, events: &[EventRecord], received_at: i64, batch: usize) -> Result<(), StoreError> {
        for chunk in events.chunks(batch.max(1)) {
            let mut tx = self.pool.begin().await?;
            for event in chunk {
                sqlx::query("INSERT INTO events (id, customer_id, type, time, attributes, received_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&event.id)
                    .bind(&event.customer_id)
                    .bind(&event.event_type)
                    .bind(event.time)
                    .bind(&event.attributes)
                    .bind(received_at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }
}
