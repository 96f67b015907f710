//! The engine's unit of work. Reads go to the database once and are kept; writes are kept in
//! memory and go out at `commit` as multi-row statements, in the same transaction. One writer
//! owns the engine's tables while an `EngineTx` is open (the engine's writer lock), so what
//! this transaction has read and written is the truth until it commits.
//!
//! Why buffer: a batch of events touches each table a few hundred times; a round trip per
//! row made the database driver, not the engine, the bottleneck. `prefetch` loads what a batch
//! will read in a handful of `IN (…)` queries.

use std::collections::{BTreeMap, HashMap, HashSet};

use journeys_core::offers::{Response, OFFER_ACCEPTED, OFFER_DECLINED};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Row, Transaction};

use crate::engine_state::{event_from_row, instance_from_row, InstanceTuple, ActionRow, EventRecord, InstanceRow, OutboxRow, EVENT_COLUMNS, INSTANCE_COLUMNS};
use crate::prefetch::{self, Part};
use crate::bulk::{BulkWrite, Col::{Int, Text}, Insert};
use crate::partitions::{partition_of, Lease};
use crate::{Backend, StoreError};

pub(crate) type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;
type InstanceKey = (String, String, i64);

/// Ids per `IN (…)` list.
pub(crate) const IDS_PER_QUERY: usize = 500;

/// Writes that commit together: events with every state change, action and outbox row they
/// cause. Dropped without `commit`, nothing of it is kept.
pub struct EngineTx {
    tx: Transaction<'static, Any>,
    pub(crate) placeholders: Placeholders,
    pub(crate) backend: Backend,
    /// Event id → stored (before or in this transaction).
    events_seen: HashMap<String, bool>,
    /// Events to store: (event, received at, pending for another partition holder).
    new_events: Vec<(EventRecord, i64, bool)>,
    /// Pending events this transaction processes (`pending` cleared at commit).
    claimed_events: Vec<String>,
    /// Stored deferrals judged again (`pending` cleared at commit).
    resolved_deferrals: Vec<i64>,
    profiles: HashMap<String, Option<String>>,
    /// Profiles changed in this transaction (id → when), written at commit in one statement.
    changed_profiles: BTreeMap<String, i64>,
    instances: HashMap<InstanceKey, Option<InstanceRow>>,
    /// Customers all of whose instances are in `instances`.
    instances_loaded: HashSet<String>,
    /// Changed instances, written at commit (ordered so writes are deterministic).
    dirty: BTreeMap<InstanceKey, ()>,
    /// Of those, the ones known not to be stored: written with a plain insert (an upsert
    /// costs PostgreSQL a conflict check and a speculative insertion, 1.7 times the insert).
    fresh: HashSet<InstanceKey>,
    /// Customer → contacts sent (time, channel, journey), including this transaction's.
    history: HashMap<String, Vec<SentContact>>,
    /// Customer → channels (or `*`) on the suppression list.
    suppressed: HashMap<String, Vec<String>>,
    actions: Vec<ActionRow>,
    outbox: Vec<OutboxRow>,
    outbox_keys: HashSet<String>,
    /// Where sequence numbers come from (see `next_seq`).
    seqs: crate::sequences::SeqSource,
    /// Analytics counters and steps, written at commit (`crate::analytics`).
    pub(crate) analytics: crate::analytics::Pending,
    /// The approved models: handed over by the engine (`use_live_models`), else read once per
    /// transaction.
    pub(crate) live_models: Option<std::sync::Arc<Vec<crate::models::ModelVersion>>>,
    /// Whether events wait for their partition's holder, when `begin_batch` has asked.
    any_pending: Option<bool>,
    /// Told of the commit (SQLite's background checkpoint).
    checkpoints: Option<std::sync::Arc<crate::checkpoint::Checkpointer>>,
}

impl EngineTx {
    pub(crate) fn new(
        tx: Transaction<'static, Any>,
        backend: Backend,
        seqs: crate::sequences::SeqSource,
        checkpoints: Option<std::sync::Arc<crate::checkpoint::Checkpointer>>,
    ) -> EngineTx {
        EngineTx {
            tx,
            backend,
            placeholders: Placeholders::of(backend),
            events_seen: HashMap::new(),
            new_events: Vec::new(),
            claimed_events: Vec::new(),
            resolved_deferrals: Vec::new(),
            profiles: HashMap::new(),
            changed_profiles: BTreeMap::new(),
            instances: HashMap::new(),
            instances_loaded: HashSet::new(),
            dirty: BTreeMap::new(),
            fresh: HashSet::new(),
            history: HashMap::new(),
            suppressed: HashMap::new(),
            actions: Vec::new(),
            outbox: Vec::new(),
            outbox_keys: HashSet::new(),
            seqs,
            analytics: Default::default(),
            live_models: None,
            any_pending: None,
            checkpoints,
        }
    }

    /// Load in bulk what processing these events for these customers will read: one statement
    /// per 500 events and customers (`prefetch`).
    pub async fn prefetch(&mut self, event_ids: &[&str], customer_ids: &[&str]) -> Result<(), StoreError> {
        self.load(None, event_ids, customer_ids).await
    }

    /// A batch's first read, in one statement with its `prefetch`: the fencing check (fails
    /// with `LeaseLost` unless `node` still holds each of `leases` at its epoch; on
    /// PostgreSQL the leases stay share-locked until commit), whether any events wait for
    /// their holder (`pending_events_of`), and on SQLite where the logs' numbers go on from.
    pub async fn begin_batch(&mut self, node: &str, leases: &[Lease], event_ids: &[&str], customer_ids: &[&str]) -> Result<(), StoreError> {
        self.load(Some((node, leases)), event_ids, customer_ids).await
    }

    async fn load(&mut self, mut fence: Option<(&str, &[Lease])>, event_ids: &[&str], customer_ids: &[&str]) -> Result<(), StoreError> {
        let events: Vec<&str> = unique(event_ids).into_iter().filter(|id| !self.events_seen.contains_key(*id)).collect();
        let customers: Vec<&str> = unique(customer_ids).into_iter().filter(|id| !self.instances_loaded.contains(*id)).collect();
        let rounds = events.len().div_ceil(IDS_PER_QUERY).max(customers.len().div_ceil(IDS_PER_QUERY)).max(usize::from(fence.is_some()));
        for round in 0..rounds {
            let (events, customers) = (window(&events, round), window(&customers, round));
            let mut parts = vec![Part::SeenEvents, Part::Profiles, Part::Instances, Part::History, Part::Suppressions, Part::Standings, Part::Branches];
            let starting = fence.take();
            if starting.is_some() {
                parts.extend([Part::Leases, Part::AnyPending]);
                if self.backend == Backend::Sqlite {
                    parts.push(Part::LastSeqs);
                }
            }
            let owner = starting.map_or("", |(node, _)| node);
            let found = prefetch::read(&mut self.tx, self.backend, &parts, events, customers, owner).await?;
            if let Some((node, leases)) = starting {
                let held = found.rows::<(i64, i64)>(Part::Leases)?.into_iter().collect();
                crate::partitions::verify_leases(node, leases, &held)?;
                self.any_pending = Some(!found.rows::<(i64,)>(Part::AnyPending)?.is_empty());
                let last_seqs = if parts.contains(&Part::LastSeqs) { found.rows::<(String, i64)>(Part::LastSeqs)? } else { Vec::new() };
                for (table, last) in last_seqs {
                    if let Some(table) = prefetch::SEQ_TABLES.iter().find(|t| **t == table) {
                        self.seqs.continue_after(table, last);
                    }
                }
            }
            for id in events {
                self.events_seen.insert(id.to_string(), false);
            }
            for (id,) in found.rows::<(String,)>(Part::SeenEvents)? {
                self.events_seen.insert(id, true);
            }
            // What this transaction read or wrote before stays as it is.
            let fresh_history: HashSet<&str> = customers.iter().copied().filter(|id| !self.history.contains_key(*id)).collect();
            for id in customers {
                self.profiles.entry(id.to_string()).or_insert(None);
                self.history.entry(id.to_string()).or_default();
                self.suppressed.entry(id.to_string()).or_default();
                self.instances_loaded.insert(id.to_string());
            }
            for (id, profile) in found.rows::<(String, String)>(Part::Profiles)? {
                self.profiles.insert(id, Some(profile));
            }
            for row in found.rows::<InstanceTuple>(Part::Instances)? {
                let row = InstanceRow::from(row);
                self.instances.entry(key_of(&row)).or_insert(Some(row));
            }
            for (customer, at, channel, journey_id, offer) in found.rows::<(String, i64, String, String, Option<String>)>(Part::History)? {
                if fresh_history.contains(customer.as_str()) {
                    self.history.entry(customer).or_default().push(SentContact { at, channel, journey_id, offer });
                }
            }
            for (customer, channel) in found.rows::<(String, String)>(Part::Suppressions)? {
                self.suppressed.entry(customer).or_default().push(channel);
            }
            self.absorb_analytics(&found, customers)?;
        }
        Ok(())
    }

    pub async fn commit(mut self) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        self.flush().await?;
        let flush_us = started.elapsed().as_micros() as u64;
        self.tx.commit().await?;
        tracing::debug!(flush_us, commit_us = started.elapsed().as_micros() as u64 - flush_us, "flushed and committed");
        if let Some(checkpoints) = &self.checkpoints {
            checkpoints.committed();
        }
        Ok(())
    }

    /// Record an event; false (and nothing written) when its id was seen before.
    pub async fn insert_event(&mut self, event: &EventRecord, received_at: i64) -> Result<bool, StoreError> {
        self.store_event(event, received_at, false).await
    }

    /// Record an event for the holder of its partition to process (another engine process);
    /// false (and nothing written) when its id was seen before.
    pub async fn queue_event(&mut self, event: &EventRecord, received_at: i64) -> Result<bool, StoreError> {
        self.store_event(event, received_at, true).await
    }

    /// A pending event is being processed by this transaction.
    pub fn claim_event(&mut self, id: &str) {
        self.claimed_events.push(id.to_string());
    }

    /// Pending events of these customers, oldest first: they go before anything newer. The
    /// partitions steer the query to the small pending index, not to the customers' events.
    pub async fn pending_events_of(&mut self, customer_ids: &[&str]) -> Result<Vec<(EventRecord, i64)>, StoreError> {
        let mut found = Vec::new();
        // Usually there are none at all: `begin_batch` or one fixed, indexed statement says so.
        let any_pending = match self.any_pending {
            Some(known) => known,
            None => sqlx::query("SELECT 1 AS one FROM events WHERE pending = 1 LIMIT 1").fetch_optional(&mut *self.tx).await?.is_some(),
        };
        if customer_ids.is_empty() || !any_pending {
            return Ok(found);
        }
        for chunk in unique(customer_ids).chunks(IDS_PER_QUERY) {
            let mut partitions: Vec<i64> = chunk.iter().map(|c| partition_of(c)).collect();
            partitions.sort_unstable();
            partitions.dedup();
            let head = format!("SELECT {EVENT_COLUMNS} FROM events WHERE pending = 1 AND partition IN ({}) AND customer_id IN", crate::partitions::int_list(&partitions));
            let sql = in_list(self.placeholders, &head, chunk.len(), "");
            for row in bind_ids(&sql, chunk).fetch_all(&mut *self.tx).await? {
                found.push(event_from_row(&row)?);
            }
        }
        found.sort_by(|(a, at), (b, bt)| at.cmp(bt).then_with(|| a.id.cmp(&b.id)));
        Ok(found)
    }

    async fn store_event(&mut self, event: &EventRecord, received_at: i64, pending: bool) -> Result<bool, StoreError> {
        crate::input::id("event id", &event.id)?;
        crate::input::id("customer id", &event.customer_id)?;
        crate::input::id("event type", &event.event_type)?;
        crate::input::free_text("event attributes", &event.attributes)?;
        let stored = match self.events_seen.get(&event.id) {
            Some(stored) => *stored,
            None => sqlx::query("SELECT 1 AS one FROM events WHERE id = $1")
                .bind(&event.id)
                .fetch_optional(&mut *self.tx)
                .await?
                .is_some(),
        };
        self.events_seen.insert(event.id.clone(), true);
        if stored {
            return Ok(false);
        }
        self.new_events.push((event.clone(), received_at, pending));
        Ok(true)
    }

    pub async fn customer_profile(&mut self, id: &str) -> Result<Option<String>, StoreError> {
        if let Some(profile) = self.profiles.get(id) {
            return Ok(profile.clone());
        }
        let row = sqlx::query("SELECT profile FROM customers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        let profile: Option<String> = row.map(|r| r.try_get("profile")).transpose()?;
        self.profiles.insert(id.to_string(), profile.clone());
        Ok(profile)
    }

    /// Set one attribute of the customer's stored profile (an update step), written at once in
    /// this transaction. False, and nothing written, when there is no such customer or the
    /// value does not fit the attribute (the profile must still read as a customer).
    /// Apply an update step to the stored profile (core's `Customer::update`; `known` says
    /// whether the journey knows the attribute). False, and nothing written, when it does not fit.
    pub async fn update_profile(&mut self, id: &str, attribute: &str, value: &serde_json::Value, known: bool, at: i64) -> Result<bool, StoreError> {
        self.modify_profile(id, at, |customer| customer.update(attribute, value, known).is_ok()).await
    }

    /// Record a change of consent on the stored profile (core's `consent`), in this transaction.
    pub async fn record_consent(&mut self, id: &str, change: &journeys_core::consent::ConsentChange) -> Result<bool, StoreError> {
        self.modify_profile(id, change.at, |customer| {
            customer.consent_log.push(change.clone());
            true
        })
        .await
    }

    /// Read the stored profile, let `change` modify it (false: leave it as it was), write it.
    pub async fn modify_profile(&mut self, id: &str, at: i64, change: impl FnOnce(&mut journeys_core::population::Customer) -> bool) -> Result<bool, StoreError> {
        let Some(profile) = self.customer_profile(id).await? else { return Ok(false) };
        let corrupt = |e: serde_json::Error| StoreError::Corrupt { id: format!("customer '{id}'"), message: e.to_string() };
        let mut customer: journeys_core::population::Customer = serde_json::from_str(&profile).map_err(corrupt)?;
        if !change(&mut customer) {
            return Ok(false);
        }
        let text = serde_json::to_string(&customer).map_err(corrupt)?;
        // Later reads in this transaction see it; the row is written once, at commit.
        self.profiles.insert(id.to_string(), Some(text));
        self.changed_profiles.insert(id.to_string(), at);
        Ok(true)
    }

    pub async fn instance(
        &mut self,
        customer_id: &str,
        journey_id: &str,
        version: i64,
    ) -> Result<Option<InstanceRow>, StoreError> {
        let key = (customer_id.to_string(), journey_id.to_string(), version);
        if let Some(row) = self.instances.get(&key) {
            return Ok(row.clone());
        }
        if self.instances_loaded.contains(customer_id) {
            return Ok(None);
        }
        let row = sqlx::query(&format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE customer_id = $1 AND journey_id = $2 AND version = $3"))
            .bind(customer_id)
            .bind(journey_id)
            .bind(version)
            .fetch_optional(&mut *self.tx)
            .await?;
        let row = row.as_ref().map(instance_from_row).transpose()?;
        self.instances.insert(key, row.clone());
        Ok(row)
    }

    pub async fn put_instance(&mut self, row: &InstanceRow) -> Result<(), StoreError> {
        let key = key_of(row);
        let stored = match self.instances.get(&key) {
            Some(known) => known.is_some() && !self.fresh.contains(&key),
            None => !self.instances_loaded.contains(&row.customer_id),
        };
        if !stored {
            self.fresh.insert(key.clone());
        }
        self.dirty.insert(key.clone(), ());
        self.instances.insert(key, Some(row.clone()));
        Ok(())
    }

    /// Contacts sent to the customer by any journey, for frequency caps and arbitration.
    pub async fn sent_history(&mut self, customer_id: &str) -> Result<Vec<SentContact>, StoreError> {
        if let Some(history) = self.history.get(customer_id) {
            return Ok(history.clone());
        }
        let rows = sqlx::query("SELECT at, channel, journey_id, offer FROM action_log WHERE customer_id = $1 AND outcome = 'sent' ORDER BY seq")
            .bind(customer_id)
            .fetch_all(&mut *self.tx)
            .await?;
        let mut history = rows.iter().map(sent_contact).collect::<Result<Vec<SentContact>, StoreError>>()?;
        history.extend(self.actions.iter().filter(|a| a.customer_id == customer_id && a.outcome == "sent").map(SentContact::of));
        self.history.insert(customer_id.to_string(), history.clone());
        Ok(history)
    }

    /// The channels (or `*`) the customer must not be contacted on.
    pub async fn suppressed_channels(&mut self, customer_id: &str) -> Result<Vec<String>, StoreError> {
        if let Some(channels) = self.suppressed.get(customer_id) {
            return Ok(channels.clone());
        }
        let rows = sqlx::query("SELECT channel FROM suppressions WHERE customer_id = $1").bind(customer_id).fetch_all(&mut *self.tx).await?;
        let channels = rows.iter().map(|r| r.try_get("channel")).collect::<Result<Vec<String>, _>>()?;
        self.suppressed.insert(customer_id.to_string(), channels.clone());
        Ok(channels)
    }

    /// The customer's answers to offers (`offer_accepted` / `offer_declined` events naming an
    /// `offer`), stored or accepted in this transaction, as (time, offer, response).
    pub async fn offer_answers(&mut self, customer_id: &str) -> Result<Vec<(i64, String, Response)>, StoreError> {
        let rows = sqlx::query("SELECT type, time, attributes FROM events WHERE customer_id = $1 AND type IN ($2, $3)")
            .bind(customer_id)
            .bind(OFFER_ACCEPTED)
            .bind(OFFER_DECLINED)
            .fetch_all(&mut *self.tx)
            .await?;
        let mut answers = Vec::new();
        for row in &rows {
            let (kind, time, attributes): (String, i64, String) = (row.try_get("type")?, row.try_get("time")?, row.try_get("attributes")?);
            answers.extend(answer(&kind, time, &attributes));
        }
        let buffered = self.new_events.iter().filter(|(e, ..)| e.customer_id == customer_id);
        answers.extend(buffered.filter_map(|(e, ..)| answer(&e.event_type, e.time, &e.attributes)));
        Ok(answers)
    }

    /// Append to the action log; `seq` is assigned here and returned.
    pub async fn log_action(&mut self, action: &ActionRow) -> Result<i64, StoreError> {
        let seq = self.next_seq("action_log").await?;
        if action.outcome == "sent" {
            if let Some(history) = self.history.get_mut(&action.customer_id) {
                history.push(SentContact::of(action));
            }
        }
        self.count_action(action).await?;
        self.actions.push(ActionRow {
            seq,
            ..action.clone()
        });
        Ok(seq)
    }

    /// A deferral has been judged again (its outcome is a newer row). A stored one is
    /// cleared at commit, with the others in one statement: a round of due deferrals made a
    /// round trip each, a third of the time between two timer rounds.
    pub fn resolve_deferral(&mut self, seq: i64) {
        match self.actions.iter_mut().find(|a| a.seq == seq) {
            Some(buffered) => buffered.pending = false,
            None => self.resolved_deferrals.push(seq),
        }
    }

    /// Queue an action for delivery; false when this transaction queued its idempotency key
    /// already. (A key stored by an earlier transaction is kept, not doubled: the insert is
    /// `ON CONFLICT DO NOTHING`.)
    pub async fn enqueue(&mut self, row: &OutboxRow) -> Result<bool, StoreError> {
        if !self.outbox_keys.insert(row.idempotency_key.clone()) {
            return Ok(false);
        }
        let seq = self.next_seq("outbox").await?;
        self.outbox.push(OutboxRow {
            seq,
            delivered_at: None,
            attempts: 0,
            ..row.clone()
        });
        Ok(true)
    }

    /// The open transaction, for the store modules that write beside the buffered tables
    /// (analytics, decisions, the score cache): their statements commit with this transaction.
    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// The next sequence number of a table. SQLite has one writer at a time, so it is the
    /// highest so far plus one; on PostgreSQL, engines write side by side and take numbers from
    /// blocks reserved outside this transaction (`sequences`).
    pub(crate) async fn next_seq(&mut self, table: &'static str) -> Result<i64, StoreError> {
        if let Some(seq) = self.seqs.take(table) {
            return Ok(seq);
        }
        match self.backend {
            Backend::Postgres => self.seqs.refill(table).await,
            Backend::Sqlite => {
                let last: i64 = sqlx::query(&format!("SELECT COALESCE(MAX(seq), 0) AS last FROM {table}")).fetch_one(&mut *self.tx).await?.try_get("last")?;
                Ok(self.seqs.start_local(table, last + 1))
            }
        }
    }

    async fn flush(&mut self) -> Result<(), StoreError> {
        let backend = self.backend;
        let events = std::mem::take(&mut self.new_events);
        let mut write = BulkWrite::default();
        write.add(&EVENTS, events.iter().map(|(e, received_at, pending)| {
            (&e.id, &e.customer_id, &e.event_type, e.time, &e.attributes, received_at, partition_of(&e.customer_id), i64::from(*pending))
        }))?;
        for chunk in std::mem::take(&mut self.claimed_events).chunks(IDS_PER_QUERY) {
            let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let sql = in_list(self.placeholders, "UPDATE events SET pending = 0 WHERE id IN", ids.len(), "");
            bind_ids(&sql, &ids).execute(&mut *self.tx).await?;
        }
        for chunk in std::mem::take(&mut self.resolved_deferrals).chunks(IDS_PER_QUERY) {
            let sql = in_list(self.placeholders, "UPDATE action_log SET pending = 0 WHERE seq IN", chunk.len(), "");
            let query = chunk.iter().fold(sqlx::query(&sql), |q, seq| q.bind(*seq));
            let padded = (chunk.len()..rounded_up_ids(chunk.len())).fold(query, |q, _| q.bind(Option::<i64>::None));
            padded.execute(&mut *self.tx).await?;
        }
        let fresh = std::mem::take(&mut self.fresh);
        let (mut new, mut changed) = (Vec::new(), Vec::new());
        for key in std::mem::take(&mut self.dirty).into_keys() {
            if let Some(Some(row)) = self.instances.get(&key) {
                if fresh.contains(&key) { new.push(row.clone()) } else { changed.push(row.clone()) }
            }
        }
        let changed_profiles = std::mem::take(&mut self.changed_profiles);
        let profiles: Vec<(&String, &String, i64)> = changed_profiles.iter().filter_map(|(id, at)| Some((id, self.profiles.get(id)?.as_ref()?, *at))).collect();
        write.add(&crate::engine_state::CUSTOMERS, profiles.iter().copied())?;
        write.add(&NEW_INSTANCES, new.iter().map(instance_columns))?;
        write.add(&INSTANCES, changed.iter().map(instance_columns))?;
        let actions = std::mem::take(&mut self.actions);
        write.add(&ACTIONS, actions.iter().map(|a| {
            (
                a.seq,
                &a.customer_id,
                &a.journey_id,
                a.version,
                &a.node,
                &a.idempotency_key,
                &a.channel,
                &a.outcome,
                &a.reason,
                a.at,
                a.due_at,
                i64::from(a.pending),
                &a.request,
                &a.offer,
                partition_of(&a.customer_id),
            )
        }))?;
        let outbox = std::mem::take(&mut self.outbox);
        write.add(&OUTBOX, outbox.iter().map(|o| {
            (o.seq, &o.idempotency_key, &o.channel, &o.customer_id, &o.journey_id, o.version, &o.node, &o.payload, o.created_at, partition_of(&o.customer_id))
        }))?;
        let analytics = std::mem::take(&mut self.analytics);
        crate::analytics::add_to(&mut write, &analytics)?;
        write.execute(&mut self.tx, backend).await
    }
}

const EVENTS: Insert = Insert {
    table: "events",
    columns: &[("id", Text), ("customer_id", Text), ("type", Text), ("time", Int), ("attributes", Text), ("received_at", Int), ("partition", Int), ("pending", Int)],
    tail: " ON CONFLICT (id) DO NOTHING",
};
/// An instance's values in `INSTANCES` column order.
fn instance_columns(r: &InstanceRow) -> (&String, &String, i64, &String, &String, Option<i64>, &String, i64, i64, i64) {
    (&r.customer_id, &r.journey_id, r.version, &r.node, &r.status, r.wake_at, &r.state, r.entered_at, r.updated_at, partition_of(&r.customer_id))
}

/// Instances this transaction knows are not stored yet.
const NEW_INSTANCES: Insert = Insert { tail: "", ..INSTANCES };
const INSTANCES: Insert = Insert {
    table: "instances",
    columns: &[
        ("customer_id", Text),
        ("journey_id", Text),
        ("version", Int),
        ("node", Text),
        ("status", Text),
        ("wake_at", Int),
        ("state", Text),
        ("entered_at", Int),
        ("updated_at", Int),
        ("partition", Int),
    ],
    tail: " ON CONFLICT (customer_id, journey_id, version) DO UPDATE SET node = excluded.node, status = excluded.status, \
           wake_at = excluded.wake_at, state = excluded.state, entered_at = excluded.entered_at, updated_at = excluded.updated_at",
};
const ACTIONS: Insert = Insert {
    table: "action_log",
    columns: &[
        ("seq", Int),
        ("customer_id", Text),
        ("journey_id", Text),
        ("version", Int),
        ("node", Text),
        ("idempotency_key", Text),
        ("channel", Text),
        ("outcome", Text),
        ("reason", Text),
        ("at", Int),
        ("due_at", Int),
        ("pending", Int),
        ("request", Text),
        ("offer", Text),
        ("partition", Int),
    ],
    tail: "",
};
const OUTBOX: Insert = Insert {
    table: "outbox",
    columns: &[
        ("seq", Int),
        ("idempotency_key", Text),
        ("channel", Text),
        ("customer_id", Text),
        ("journey_id", Text),
        ("version", Int),
        ("node", Text),
        ("payload", Text),
        ("created_at", Int),
        ("partition", Int),
    ],
    tail: " ON CONFLICT (idempotency_key) DO NOTHING",
};

/// A contact that was sent: when, on which channel, by which journey, presenting which offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentContact {
    pub at: i64,
    pub channel: String,
    pub journey_id: String,
    pub offer: Option<String>,
}

impl SentContact {
    fn of(action: &ActionRow) -> SentContact {
        SentContact { at: action.at, channel: action.channel.clone(), journey_id: action.journey_id.clone(), offer: action.offer.clone() }
    }
}

fn sent_contact(row: &sqlx::any::AnyRow) -> Result<SentContact, StoreError> {
    Ok(SentContact { at: row.try_get("at")?, channel: row.try_get("channel")?, journey_id: row.try_get("journey_id")?, offer: row.try_get("offer")? })
}

/// An answer to an offer, if the event is one and names the offer.
fn answer(event_type: &str, time: i64, attributes: &str) -> Option<(i64, String, Response)> {
    let response = match event_type {
        OFFER_ACCEPTED => Response::Accepted,
        OFFER_DECLINED => Response::Declined,
        _ => return None,
    };
    let attributes: serde_json::Value = serde_json::from_str(attributes).ok()?;
    Some((time, attributes.get("offer")?.as_str()?.to_string(), response))
}

fn key_of(row: &InstanceRow) -> InstanceKey {
    (row.customer_id.clone(), row.journey_id.clone(), row.version)
}

/// The `round`th run of `IDS_PER_QUERY` ids (empty past the end).
fn window<'a, 'b>(ids: &'b [&'a str], round: usize) -> &'b [&'a str] {
    let start = (round * IDS_PER_QUERY).min(ids.len());
    &ids[start..(start + IDS_PER_QUERY).min(ids.len())]
}

pub(crate) fn unique<'a>(ids: &[&'a str]) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

/// How a long statement numbers its parameters. SQLite looks numbered or named parameters
/// up in a list, once per parameter (quadratic in a statement with thousands of them), so
/// long statements use plain positional `?` there; PostgreSQL needs `$n`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Placeholders {
    Positional,
    Numbered,
}

impl Placeholders {
    pub(crate) fn of(backend: Backend) -> Placeholders {
        match backend {
            Backend::Sqlite => Placeholders::Positional,
            Backend::Postgres => Placeholders::Numbered,
        }
    }

    /// `(p, p, …)` for parameters `first..first + n` (1-based).
    pub(crate) fn tuple(self, first: usize, n: usize) -> String {
        use std::fmt::Write as _;
        let mut tuple = String::with_capacity(2 + n * 6);
        tuple.push('(');
        for i in first..first + n {
            if i > first {
                tuple.push_str(", ");
            }
            match self {
                Placeholders::Positional => tuple.push('?'),
                Placeholders::Numbered => {
                    let _ = write!(tuple, "${i}");
                }
            }
        }
        tuple.push(')');
        tuple
    }
}

/// How many ids an `IN (…)` list has room for: the count is rounded up (the rest bound as
/// NULL, which matches nothing) so that each query has a few texts, each prepared once per
/// connection and kept, rather than one per batch size, prepared anew and crowding the others
/// out of the connection's statement cache.
const IN_LIST_SIZES: [usize; 6] = [1, 4, 16, 64, 256, IDS_PER_QUERY];

/// Room for `n` ids (at most `IDS_PER_QUERY`) in a list: `n` rounded up to one of
/// `IN_LIST_SIZES`.
pub(crate) fn rounded_up_ids(n: usize) -> usize {
    IN_LIST_SIZES.iter().copied().find(|size| *size >= n).unwrap_or(n)
}

/// `{head} (p1, …){tail}` for `n` ids (at most `IDS_PER_QUERY`), bound by `bind_ids`.
pub(crate) fn in_list(placeholders: Placeholders, head: &str, n: usize, tail: &str) -> String {
    format!("{head} {}{tail}", placeholders.tuple(1, rounded_up_ids(n)))
}

pub(crate) fn bind_ids<'q>(sql: &'q str, ids: &[&str]) -> AnyQuery<'q> {
    bind_padded(sqlx::query(sql), ids, rounded_up_ids(ids.len()))
}

/// Bind `ids`, then NULLs (which match nothing) up to `room`.
pub(crate) fn bind_padded<'q>(query: AnyQuery<'q>, ids: &[&str], room: usize) -> AnyQuery<'q> {
    let query = ids.iter().fold(query, |q, id| q.bind(id.to_string()));
    (ids.len()..room).fold(query, |q, _| q.bind(Option::<String>::None))
}
