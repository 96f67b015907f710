//! The heart: every accepted event, due timer and due deferral is handled in one database
//! transaction that moves instances through core's `interpret::enter`/`step` (never a second
//! implementation of node semantics) and records every contact with its verdict.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use journeys_core::customer_schema::CustomerSchema;
use journeys_core::interpret::{self, Effect, Input, Instance, Status, Step};
use journeys_core::population::Customer;
use journeys_store::{DueWakeUp, EngineTx, InstanceRow, Store, StoreError, VersionStatus};
use serde::{Deserialize, Serialize};

use crate::contact::{govern, idempotency_key, ContactRequest, Origin, Recipient};
use crate::error::corrupt;
use crate::live::{LiveSet, LiveVersion};
use crate::metrics::Metrics;
use crate::partitions::Partitions;
use crate::wire::Event;
use crate::{Clock, EngineError};

/// Most timer firings one event catches up on before it applies (a wait cannot loop faster).
const MAX_CATCH_UP: usize = 100;
/// Longest path kept per instance (the nodes since its latest entry).
const MAX_PATH: usize = 1_000;

/// What the engine keeps per instance, as the `state` JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    pub instance: Instance,
    /// Contacts made per action node, over all entries: the `visit` of the idempotency key.
    #[serde(default)]
    pub visits: BTreeMap<String, u32>,
    /// The nodes passed since the latest entry, starting with the trigger.
    #[serde(default)]
    pub path: Vec<String>,
}

/// What became of a batch of events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BatchTally {
    /// New events, stored; processed at once unless queued.
    pub accepted: usize,
    pub duplicates: usize,
    /// Of the accepted, those whose customers another engine process holds: stored for it
    /// to process.
    pub queued: usize,
}

impl std::ops::AddAssign for BatchTally {
    fn add_assign(&mut self, other: BatchTally) {
        self.accepted += other.accepted;
        self.duplicates += other.duplicates;
        self.queued += other.queued;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Duplicate,
    /// Stored for the engine that holds the customer's partition.
    Queued,
}

/// Events processed together: new ones (from a request or a file) or ones stored earlier
/// by another engine for this one (pending).
#[derive(Clone, Copy)]
enum Batch<'a> {
    New(&'a [Event]),
    Pending(&'a [Event]),
}

pub struct Processor {
    store: Store,
    live: LiveSet,
    clock: Clock,
    pub(crate) metrics: Arc<Metrics>,
    /// The customers this process may move: its leased partitions.
    partitions: Partitions,
    /// Whether it has taken its partitions yet (it does before its first batch).
    joined: std::sync::atomic::AtomicBool,
    /// One writer at a time within this process.
    lock: tokio::sync::Mutex<()>,
    /// Events offered through `submit`, waiting for the next writer to commit them together.
    pending: std::sync::Mutex<Vec<Job>>,
}

/// Events one caller submitted, and where their tally goes.
struct Job {
    events: Vec<Event>,
    reply: tokio::sync::oneshot::Sender<Result<BatchTally, EngineError>>,
}

impl Processor {
    /// A processor named `local` that must take its partitions (`rebalance`) before it moves
    /// anyone.
    pub fn new(store: Store, clock: Clock) -> Processor {
        Processor::named(store, clock, crate::DEFAULT_NODE.into(), crate::DEFAULT_LEASE_TTL)
    }

    /// A processor for engine node `node` whose leases last `ttl`.
    pub fn named(store: Store, clock: Clock, node: String, ttl: std::time::Duration) -> Processor {
        Processor {
            store,
            live: LiveSet::default(),
            clock,
            metrics: Arc::default(),
            partitions: Partitions::new(node, ttl),
            joined: Default::default(),
            lock: tokio::sync::Mutex::new(()),
            pending: Default::default(),
        }
    }

    pub fn partitions(&self) -> &Partitions {
        &self.partitions
    }

    /// Heartbeat and take (or give back) partitions; returns how many are held. Leases run on
    /// wall-clock time whatever the engine's clock says.
    pub async fn rebalance(&self) -> Result<usize, EngineError> {
        let held = self.partitions.rebalance(&self.store, Clock::System.now()).await?;
        self.joined.store(true, std::sync::atomic::Ordering::Release);
        Ok(held)
    }

    /// Join as a guest when running engines hold partitions: take none (so no engine counts
    /// this process and gives partitions back for it), and queue every event for the
    /// holders. With no engine running, take partitions as an engine does. Returns whether
    /// this process holds partitions. For short-lived writers such as `journeys ingest`.
    pub async fn join_unless_engines_run(&self) -> Result<bool, EngineError> {
        let now = Clock::System.now();
        let node = self.partitions.node();
        let held_elsewhere = self.store.lease_table().await?.iter().any(|l| l.expires_at > now && l.owner.as_deref().is_some_and(|o| o != node));
        if held_elsewhere {
            self.joined.store(true, std::sync::atomic::Ordering::Release);
            return Ok(false);
        }
        Ok(self.rebalance().await? > 0)
    }

    /// Take partitions before the first batch (an engine does at start; a bare processor,
    /// as `journeys ingest` and the tests use, on first use).
    async fn join_once(&self) -> Result<(), EngineError> {
        if !self.joined.load(std::sync::atomic::Ordering::Acquire) {
            self.rebalance().await?;
        }
        Ok(())
    }

    /// Process, oldest first, events that other engines stored for this one's partitions.
    pub async fn process_pending(&self, limit: i64) -> Result<usize, EngineError> {
        self.join_once().await?;
        let _one_writer = self.lock.lock().await;
        let held = self.partitions.snapshot();
        let rows = self.store.pending_events(limit, held.scope()).await?;
        let events: Vec<Event> = rows.iter().map(|(record, _)| Event::from_record(record)).collect();
        self.process(Batch::Pending(&events)).await?;
        Ok(events.len())
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub async fn refresh_versions(&self) -> Result<(), EngineError> {
        self.live.refresh(&self.store).await
    }

    /// Process one event: stored once (a repeated id changes nothing), then every live version
    /// sees it, all in one transaction.
    pub async fn ingest(&self, event: &Event) -> Result<Outcome, EngineError> {
        let tally = self.ingest_batch(std::slice::from_ref(event)).await?;
        Ok(match tally {
            BatchTally { queued: 1, .. } => Outcome::Queued,
            BatchTally { accepted: 1, .. } => Outcome::Accepted,
            _ => Outcome::Duplicate,
        })
    }

    /// Process events in order in ONE transaction (one durable write for the lot). Any
    /// failure — an unknown customer, a database error — keeps none of them.
    pub async fn ingest_batch(&self, events: &[Event]) -> Result<BatchTally, EngineError> {
        let _one_writer = self.lock.lock().await;
        let outcomes = self.process(Batch::New(events)).await?;
        Ok(tally(&outcomes))
    }

    /// Group commit for concurrent callers (the HTTP API): the caller's events join a queue;
    /// whoever holds the writer lock next commits everything queued in one transaction and
    /// hands each caller its tally. Under load many requests share one durable write; alone, a
    /// request is committed at once. If a shared transaction fails, each caller's events are
    /// retried in a transaction of their own, so one caller's bad event fails only that caller.
    pub async fn submit(&self, events: Vec<Event>) -> Result<BatchTally, EngineError> {
        let (reply, mut answer) = tokio::sync::oneshot::channel();
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(Job { events, reply });
        tokio::select! {
            biased;
            // Committed by another caller's transaction: no need to queue for the lock.
            result = &mut answer => return result.unwrap_or(Err(EngineError::Interrupted)),
            _one_writer = self.lock.lock() => {
                let jobs = std::mem::take(&mut *self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
                if !jobs.is_empty() {
                    self.commit_together(jobs).await;
                }
            }
        }
        // Whoever took our job answered before releasing the lock we have just held.
        answer.await.unwrap_or(Err(EngineError::Interrupted))
    }

    async fn commit_together(&self, jobs: Vec<Job>) {
        let all: Vec<Event> = jobs.iter().flat_map(|j| j.events.iter().cloned()).collect();
        match self.process(Batch::New(&all)).await {
            Ok(outcomes) => {
                let mut rest = outcomes.as_slice();
                for job in jobs {
                    let (mine, others) = rest.split_at(job.events.len().min(rest.len()));
                    rest = others;
                    let _ = job.reply.send(Ok(tally(mine)));
                }
            }
            Err(e) if jobs.len() == 1 => {
                if let Some(job) = jobs.into_iter().next() {
                    let _ = job.reply.send(Err(e));
                }
            }
            Err(_) => {
                for job in jobs {
                    let result = self.process(Batch::New(&job.events)).await.map(|outcomes| tally(&outcomes));
                    let _ = job.reply.send(result);
                }
            }
        }
    }

    /// The work of a batch; the caller holds the writer lock. A partition found taken by
    /// another engine is dropped from the view and the batch tried once more (its events
    /// for that partition are then queued for the new holder).
    async fn process(&self, batch: Batch<'_>) -> Result<Vec<Outcome>, EngineError> {
        self.join_once().await?;
        match self.process_once(batch).await {
            Err(EngineError::Store(StoreError::LeaseLost { partition, .. })) => {
                tracing::warn!(node = %self.partitions.node(), partition, "partition taken by another engine; trying the batch again without it");
                self.partitions.forget(partition);
                self.process_once(batch).await
            }
            other => other,
        }
    }

    async fn process_once(&self, batch: Batch<'_>) -> Result<Vec<Outcome>, EngineError> {
        let started = std::time::Instant::now();
        let received = self.clock.now();
        let snapshot = self.live.snapshot();
        let schema = self.live.schema();
        let held = self.partitions.snapshot();
        let (Batch::New(events) | Batch::Pending(events)) = batch;
        let mut tx = self.engine_tx().await?;
        // Microseconds since the start at the end of each phase, for the debug log.
        let begun_us = started.elapsed().as_micros() as u64;
        let mine: Vec<&str> = events.iter().map(|e| e.customer_id.as_str()).filter(|c| held.holds_customer(c)).collect();
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        let customers: Vec<&str> = events.iter().map(|e| e.customer_id.as_str()).collect();
        tx.begin_batch(self.partitions.node(), &held.leases_for(mine.iter().copied()), &ids, &customers).await?;
        let prefetched_us = started.elapsed().as_micros() as u64;
        // Stored earlier, so first: a pending batch, or what another engine stored for these
        // customers before a new batch.
        let stored: Vec<Event> = match batch {
            Batch::New(_) => tx.pending_events_of(&mine).await?.iter().map(|(record, _)| Event::from_record(record)).collect(),
            Batch::Pending(events) => events.to_vec(),
        };
        let pending_us = started.elapsed().as_micros() as u64;
        for event in &stored {
            tx.claim_event(&event.id);
            self.handle(&mut tx, &snapshot, &schema, event, received).await?;
        }
        let mut outcomes = Vec::with_capacity(events.len());
        if let Batch::New(events) = batch {
            for event in events {
                let unknown = || EngineError::UnknownCustomer { event: event.id.clone(), customer: event.customer_id.clone() };
                if !held.holds_customer(&event.customer_id) {
                    tx.customer_profile(&event.customer_id).await?.ok_or_else(unknown)?;
                    outcomes.push(if tx.queue_event(&event.record(), received).await? { Outcome::Queued } else { Outcome::Duplicate });
                    continue;
                }
                if !tx.insert_event(&event.record(), received).await? {
                    outcomes.push(Outcome::Duplicate);
                    continue;
                }
                self.handle(&mut tx, &snapshot, &schema, event, received).await?;
                outcomes.push(Outcome::Accepted);
            }
        }
        let flushed = std::time::Instant::now();
        tx.commit().await?;
        tracing::debug!(begun_us, prefetched_us, pending_us, handled_us = (flushed - started).as_micros() as u64, events = events.len(), took_us = started.elapsed().as_micros() as u64, commit_us = flushed.elapsed().as_micros() as u64, "batch committed");
        let tally = tally(&outcomes);
        self.metrics.accepted_many(tally.accepted - tally.queued + stored.len());
        self.metrics.duplicates(tally.duplicates);
        Ok(outcomes)
    }

    /// One event through every live version.
    async fn handle(&self, tx: &mut EngineTx, snapshot: &[LiveVersion], schema: &CustomerSchema, event: &Event, received: i64) -> Result<(), EngineError> {
        let unknown = || EngineError::UnknownCustomer { event: event.id.clone(), customer: event.customer_id.clone() };
        let customer = load_customer(tx, &event.customer_id).await?.ok_or_else(unknown)?;
        let mut recipient = Recipient::load(tx, customer).await?;
        // A consent event changes consent, and the schema's event rules and rolling aggregates
        // change the profile, before any journey sees the event, in this transaction.
        if let Some(Ok(change)) = journeys_core::consent::change_of(&event.event_type, &event.attributes, event.time) {
            tx.record_consent(&event.customer_id, &change).await?;
            recipient.customer.consent_log.push(change);
        }
        if schema.reacts_to(&event.event_type) {
            let observe = |c: &mut Customer| c.observe_event(schema, &event.event_type, &event.attributes, event.time);
            if tx.modify_profile(&event.customer_id, event.time, observe).await? {
                observe(&mut recipient.customer);
            }
        }
        for live in snapshot {
            on_event(tx, &mut recipient, live, event, received).await?;
        }
        Ok(())
    }

    /// Put customers on the suppression list (customer, channel or `*`, reason). Taken under
    /// the writer lock, so no batch is half-way between reading and using the list.
    pub async fn suppress(&self, rows: &[(String, String, String)]) -> Result<(), EngineError> {
        let _one_writer = self.lock.lock().await;
        Ok(self.store.add_suppressions(rows, self.clock.now()).await?)
    }

    /// Fire wake-ups and judge deferrals due at the clock's now, at most `limit` of each, each
    /// kind in one transaction. Returns how many were handled.
    pub async fn fire_due(&self, limit: i64) -> Result<usize, EngineError> {
        self.join_once().await?;
        let now = self.clock.now();
        let mut handled = 0;
        let held = self.partitions.snapshot();
        // Microseconds since `t0` at the end of each phase, for the debug log.
        let t0 = std::time::Instant::now();
        let mut due = self.store.due_wake_ups(now, limit, held.scope()).await?;
        let due_us = t0.elapsed().as_micros() as u64;
        if !due.is_empty() {
            let snapshot = self.live.snapshot();
            // Wake-ups of one customer at one moment fire in the journeys' priority order (the
            // snapshot's), so arbitration lets the higher-priority journey through.
            let rank = |row: &DueWakeUp| snapshot.iter().position(|l| l.journey_id == row.journey_id && l.version == row.version).unwrap_or(usize::MAX);
            due.sort_by(|a, b| a.wake_at.cmp(&b.wake_at).then_with(|| a.customer_id.cmp(&b.customer_id)).then_with(|| rank(a).cmp(&rank(b))));
            // Asked before the transaction: the store's pool may have a single connection.
            let retired = self
                .retired_among(due.iter().map(|r| (&r.journey_id, r.version)), &snapshot)
                .await?;
            let _one_writer = self.lock.lock().await;
            let mut tx = self.engine_tx().await?;
            let customers: Vec<&str> = due.iter().map(|r| r.customer_id.as_str()).collect();
            let begun_us = t0.elapsed().as_micros() as u64;
            tx.begin_batch(self.partitions.node(), &held.leases_for(customers.iter().copied()), &[], &customers).await?;
            let prefetched_us = t0.elapsed().as_micros() as u64;
            for row in &due {
                handled += usize::from(fire_timer(&mut tx, &snapshot, &retired, row, now).await?);
            }
            let fired_us = t0.elapsed().as_micros() as u64;
            tx.commit().await?;
            tracing::debug!(due_us, begun_us, prefetched_us, fired_us, took_us = t0.elapsed().as_micros() as u64, "timers fired");
        }
        let deferrals = self.store.due_deferrals(now, limit, held.scope()).await?;
        if !deferrals.is_empty() {
            let snapshot = self.live.snapshot();
            let retired = self
                .retired_among(
                    deferrals.iter().map(|d| (&d.journey_id, d.version)),
                    &snapshot,
                )
                .await?;
            let _one_writer = self.lock.lock().await;
            let mut tx = self.engine_tx().await?;
            let customers: Vec<&str> = deferrals.iter().map(|d| d.customer_id.as_str()).collect();
            tx.begin_batch(self.partitions.node(), &held.leases_for(customers.iter().copied()), &[], &customers).await?;
            for deferral in &deferrals {
                let live = snapshot
                    .iter()
                    .find(|l| l.journey_id == deferral.journey_id && l.version == deferral.version);
                if live.is_none()
                    && !retired.contains(&(deferral.journey_id.clone(), deferral.version))
                {
                    continue; // published but not loaded yet: next round
                }
                let Some(customer) = load_customer(&mut tx, &deferral.customer_id).await? else {
                    continue;
                };
                let mut recipient = Recipient::load(&mut tx, customer).await?;
                let request: ContactRequest = serde_json::from_str(&deferral.request)
                    .map_err(|e| corrupt(format!("action {}", deferral.seq), e))?;
                tx.resolve_deferral(deferral.seq);
                let at = deferral.due_at.unwrap_or(now);
                let origin = Origin {
                    journey_id: &deferral.journey_id,
                    version: deferral.version,
                    live,
                    node: &deferral.node,
                    key: &deferral.idempotency_key,
                };
                govern(&mut tx, &mut recipient, &origin, &request, at).await?;
                handled += 1;
            }
            tx.commit().await?;
        }
        Ok(handled)
    }

    /// A transaction that scores with the live set's models.
    async fn engine_tx(&self) -> Result<EngineTx, EngineError> {
        let mut tx = self.store.engine_tx().await?;
        tx.use_live_models(self.live.models());
        Ok(tx)
    }

    /// Of these versions, the retired ones that are not live.
    async fn retired_among<'a>(
        &self,
        versions: impl Iterator<Item = (&'a String, i64)>,
        live: &[LiveVersion],
    ) -> Result<HashSet<(String, i64)>, EngineError> {
        let mut retired = HashSet::new();
        let not_live: HashSet<(&String, i64)> = versions
            .filter(|(j, v)| !live.iter().any(|l| &l.journey_id == *j && l.version == *v))
            .collect();
        for (journey_id, version) in not_live {
            if self.is_retired(journey_id, version).await? {
                retired.insert((journey_id.clone(), version));
            }
        }
        Ok(retired)
    }

    async fn is_retired(&self, journey_id: &str, version: i64) -> Result<bool, EngineError> {
        Ok(matches!(self.store.version(journey_id, version).await, Ok(v) if v.status == VersionStatus::Retired))
    }
}

/// One due wake-up, read again inside the transaction: an event may have moved the instance
/// since the due query. A retired version's customers are left where they are.
async fn fire_timer(
    tx: &mut EngineTx,
    live: &[LiveVersion],
    retired: &HashSet<(String, i64)>,
    due: &DueWakeUp,
    now: i64,
) -> Result<bool, EngineError> {
    let Some(row) = tx
        .instance(&due.customer_id, &due.journey_id, due.version)
        .await?
    else {
        return Ok(false);
    };
    let Some(live) = live
        .iter()
        .find(|l| l.journey_id == row.journey_id && l.version == row.version)
    else {
        if retired.contains(&(row.journey_id.clone(), row.version)) {
            let retired = InstanceRow {
                status: "retired".into(),
                wake_at: None,
                updated_at: now,
                ..row
            };
            tx.put_instance(&retired).await?;
            return Ok(true);
        }
        return Ok(false);
    };
    let mut state = parse_state(&row)?;
    let Some(at) = state
        .instance
        .wake_at
        .filter(|at| *at <= now && state.instance.status == Status::Waiting)
    else {
        return Ok(false);
    };
    let Some(customer) = load_customer(tx, &row.customer_id).await? else {
        return Ok(false);
    };
    let mut recipient = Recipient::load(tx, customer).await?;
    let mut ctx = live.context(&recipient, at);
    let step = interpret::step(&live.compiled, &state.instance, &Input::Timer, &mut ctx, at)
        .map_err(|e| corrupt("instance", e))?;
    apply(tx, &mut recipient, live, &mut state, step, at).await?;
    put(tx, live, &state, now).await?;
    Ok(true)
}

fn tally(outcomes: &[Outcome]) -> BatchTally {
    let duplicates = outcomes.iter().filter(|o| **o == Outcome::Duplicate).count();
    let queued = outcomes.iter().filter(|o| **o == Outcome::Queued).count();
    BatchTally { accepted: outcomes.len() - duplicates, duplicates, queued }
}

async fn load_customer(tx: &mut EngineTx, id: &str) -> Result<Option<Customer>, EngineError> {
    match tx.customer_profile(id).await? {
        None => Ok(None),
        Some(profile) => serde_json::from_str(&profile).map(Some).map_err(|e| corrupt(format!("customer '{id}'"), e)),
    }
}

fn parse_state(row: &InstanceRow) -> Result<InstanceState, EngineError> {
    serde_json::from_str(&row.state).map_err(|e| corrupt(format!("instance {}/{}@{}", row.customer_id, row.journey_id, row.version), e))
}

/// One live version sees one event: catch up on due wake-ups, then advance a waiting instance
/// or enter a new one by the matching trigger (never into a paused version).
async fn on_event(tx: &mut EngineTx, recipient: &mut Recipient, live: &LiveVersion, event: &Event, now: i64) -> Result<(), EngineError> {
    let customer_id = recipient.customer.id.clone();
    let row = tx.instance(&customer_id, &live.journey_id, live.version).await?;
    let mut state = row.as_ref().map(parse_state).transpose()?;
    crate::analytics::on_event(tx, live, state.as_ref().map(|s| &s.instance), event).await?;
    let mut changed = false;
    if let Some(state) = state.as_mut() {
        for _ in 0..MAX_CATCH_UP {
            let Some(at) = state.instance.wake_at.filter(|at| *at <= event.time && state.instance.status == Status::Waiting) else { break };
            let mut ctx = live.context(recipient, at);
            let step = interpret::step(&live.compiled, &state.instance, &Input::Timer, &mut ctx, at).map_err(|e| corrupt("instance", e))?;
            apply(tx, recipient, live, state, step, at).await?;
            changed = true;
        }
    }
    let at = event.time;
    let mut ctx = live.context(recipient, at);
    ctx.set_event_type(&event.event_type);
    match state.as_mut() {
        Some(state) if state.instance.status == Status::Waiting => {
            let input = Input::Event { event_type: event.event_type.clone() };
            let step = interpret::step(&live.compiled, &state.instance, &input, &mut ctx, at).map_err(|e| corrupt("instance", e))?;
            changed |= !step.effects.is_empty();
            apply(tx, recipient, live, state, step, at).await?;
        }
        previous => {
            let policy = &live.compiled.journey().settings.entry;
            let trigger = interpret::entry_trigger(&live.compiled, &event.event_type, &mut ctx);
            if let Some(trigger) = trigger.filter(|_| !live.paused && interpret::may_enter(policy, previous.as_ref().map(|s| &s.instance), at)) {
                let step = interpret::enter(&live.compiled, &customer_id, trigger, &mut ctx, at).map_err(|e| corrupt("journey", e))?;
                let mut entered = match previous {
                    Some(old) => InstanceState { instance: step.instance.clone(), visits: std::mem::take(&mut old.visits), path: Vec::new() },
                    None => InstanceState { instance: step.instance.clone(), visits: BTreeMap::new(), path: Vec::new() },
                };
                entered.path.push(trigger.to_string());
                apply(tx, recipient, live, &mut entered, step, at).await?;
                state = Some(entered);
                changed = true;
            }
        }
    }
    match state {
        Some(state) if changed => put(tx, live, &state, now).await,
        _ => Ok(()),
    }
}

/// Carry out a step's effects: contacts are governed and recorded; the rest is kept in the path.
async fn apply(tx: &mut EngineTx, recipient: &mut Recipient, live: &LiveVersion, state: &mut InstanceState, step: Step, at: i64) -> Result<(), EngineError> {
    state.instance = step.instance;
    for effect in step.effects {
        crate::analytics::record(tx, live, &recipient.customer.id, &effect, at).await?;
        match effect {
            Effect::Moved { to, .. } => {
                if state.path.len() < MAX_PATH {
                    state.path.push(to);
                }
            }
            Effect::Contact { node, channel, purpose, offer, content, cost, mandatory } => {
                let visit = state.visits.entry(node.clone()).or_default();
                *visit += 1;
                let key = idempotency_key(&live.journey_id, live.version, &recipient.customer.id, &node, *visit);
                let request = ContactRequest { channel, purpose, mandatory, offer, content, cost };
                let origin = Origin { journey_id: &live.journey_id, version: live.version, live: Some(live), node: &node, key: &key };
                govern(tx, recipient, &origin, &request, at).await?;
            }
            Effect::Exited { node, reason } => tracing::debug!(customer = %recipient.customer.id, journey = %live.journey_id, %node, ?reason, "exited"),
            decided @ Effect::Decided { .. } => crate::decisions::log(tx, recipient, live, decided, at).await?,
            // The step's own context saw the new value at once; the stored profile keeps it for
            // later events and other journeys.
            Effect::Update { node, attribute, value } => {
                // The compiled journey declares the customer schema's attributes too.
                let known = journeys_core::vocabulary::attribute_type(live.compiled.journey(), &attribute).is_some();
                if tx.update_profile(&recipient.customer.id, &attribute, &value, known, at).await? {
                    recipient.set_attribute(&attribute, &value, known);
                } else {
                    tracing::warn!(customer = %recipient.customer.id, journey = %live.journey_id, %node, %attribute, "update not kept: the value does not fit the profile attribute");
                }
            }
            // Holdouts, goals and schedules are visible in the path and the instance.
            Effect::HeldOut { .. } | Effect::Goal { .. } | Effect::Schedule { .. } => {}
        }
    }
    Ok(())
}

async fn put(tx: &mut EngineTx, live: &LiveVersion, state: &InstanceState, now: i64) -> Result<(), EngineError> {
    let i = &state.instance;
    let row = InstanceRow {
        customer_id: i.customer_id.clone(),
        journey_id: live.journey_id.clone(),
        version: live.version,
        node: i.node.clone(),
        status: match i.status {
            Status::Waiting => "waiting".into(),
            Status::Exited => "exited".into(),
        },
        wake_at: i.wake_at,
        state: serde_json::to_string(state).map_err(|e| corrupt("instance state", e))?,
        entered_at: i.entered_at,
        updated_at: now,
    };
    tx.put_instance(&row).await?;
    Ok(())
}
