//! The heart: every accepted event, due timer and due deferral is handled in one database
//! transaction that moves instances through core's `interpret::enter`/`step` (never a second
//! implementation of node semantics) and records every contact with its verdict.

use std::collections::BTreeMap;
use std::sync::Arc;

use journeys_core::interpret::{self, Effect, Input, Instance, Status, Step};
use journeys_core::population::Customer;
use journeys_store::{EngineTx, InstanceRow, Store, VersionStatus};
use serde::{Deserialize, Serialize};

use crate::contact::{govern, idempotency_key, ContactRequest, Origin, Recipient};
use crate::error::corrupt;
use crate::live::{LiveSet, LiveVersion};
use crate::metrics::Metrics;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Duplicate,
}

pub struct Processor {
    store: Store,
    live: LiveSet,
    clock: Clock,
    pub(crate) metrics: Arc<Metrics>,
    /// One writer at a time: the engine owns all customers in this slice (no partitions yet).
    lock: tokio::sync::Mutex<()>,
}

impl Processor {
    pub fn new(store: Store, clock: Clock) -> Processor {
        Processor { store, live: LiveSet::default(), clock, metrics: Arc::default(), lock: tokio::sync::Mutex::new(()) }
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
        let _one_writer = self.lock.lock().await;
        let received = self.clock.now();
        let mut tx = self.store.engine_tx().await?;
        if !tx.insert_event(&event.record(), received).await? {
            self.metrics.duplicate();
            return Ok(Outcome::Duplicate);
        }
        let unknown = || EngineError::UnknownCustomer { event: event.id.clone(), customer: event.customer_id.clone() };
        let customer = load_customer(&mut tx, &event.customer_id).await?.ok_or_else(unknown)?;
        let mut recipient = Recipient::load(&mut tx, customer).await?;
        for live in self.live.snapshot().iter() {
            on_event(&mut tx, &mut recipient, live, event, received).await?;
        }
        tx.commit().await?;
        self.metrics.accepted();
        Ok(Outcome::Accepted)
    }

    /// Fire wake-ups and judge deferrals due at the clock's now, at most `limit` of each.
    /// Returns how many were handled.
    pub async fn fire_due(&self, limit: i64) -> Result<usize, EngineError> {
        let now = self.clock.now();
        let mut handled = 0;
        for row in self.store.due_instances(now, limit).await? {
            handled += usize::from(self.fire_timer(&row, now).await?);
        }
        for deferral in self.store.due_deferrals(now, limit).await? {
            let _one_writer = self.lock.lock().await;
            let mut tx = self.store.engine_tx().await?;
            let Some(customer) = load_customer(&mut tx, &deferral.customer_id).await? else { continue };
            let mut recipient = Recipient::load(&mut tx, customer).await?;
            let request: ContactRequest = serde_json::from_str(&deferral.request).map_err(|e| corrupt(format!("action {}", deferral.seq), e))?;
            let snapshot = self.live.snapshot();
            let live = snapshot.iter().find(|l| l.journey_id == deferral.journey_id && l.version == deferral.version);
            if live.is_none() && !self.is_retired(&deferral.journey_id, deferral.version).await? {
                continue; // published but not loaded yet: next round
            }
            tx.resolve_deferral(deferral.seq).await?;
            let at = deferral.due_at.unwrap_or(now);
            let origin = Origin { journey_id: &deferral.journey_id, version: deferral.version, live, node: &deferral.node, key: &deferral.idempotency_key };
            govern(&mut tx, &mut recipient, &origin, &request, at).await?;
            tx.commit().await?;
            handled += 1;
        }
        Ok(handled)
    }

    async fn fire_timer(&self, due: &InstanceRow, now: i64) -> Result<bool, EngineError> {
        let _one_writer = self.lock.lock().await;
        let snapshot = self.live.snapshot();
        let live = snapshot.iter().find(|l| l.journey_id == due.journey_id && l.version == due.version);
        let mut tx = self.store.engine_tx().await?;
        // Read again under the lock: an event may have moved the instance since the query.
        let Some(row) = tx.instance(&due.customer_id, &due.journey_id, due.version).await? else { return Ok(false) };
        let Some(live) = live else {
            if self.is_retired(&row.journey_id, row.version).await? {
                // A retired version's customers leave it where they are.
                let mut retired = row.clone();
                retired.status = "retired".into();
                retired.wake_at = None;
                retired.updated_at = now;
                tx.put_instance(&retired).await?;
                tx.commit().await?;
                return Ok(true);
            }
            return Ok(false);
        };
        let mut state = parse_state(&row)?;
        let Some(at) = state.instance.wake_at.filter(|at| *at <= now && state.instance.status == Status::Waiting) else { return Ok(false) };
        let Some(customer) = load_customer(&mut tx, &row.customer_id).await? else { return Ok(false) };
        let mut recipient = Recipient::load(&mut tx, customer).await?;
        let mut ctx = recipient.customer.context(at);
        let step = interpret::step(&live.compiled, &state.instance, &Input::Timer, &mut ctx, at).map_err(|e| corrupt("instance", e))?;
        apply(&mut tx, &mut recipient, live, &mut state, step, at).await?;
        put(&mut tx, live, &state, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn is_retired(&self, journey_id: &str, version: i64) -> Result<bool, EngineError> {
        Ok(matches!(self.store.version(journey_id, version).await, Ok(v) if v.status == VersionStatus::Retired))
    }
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
            let mut ctx = recipient.customer.context(at);
            let step = interpret::step(&live.compiled, &state.instance, &Input::Timer, &mut ctx, at).map_err(|e| corrupt("instance", e))?;
            apply(tx, recipient, live, state, step, at).await?;
            changed = true;
        }
    }
    let at = event.time;
    let mut ctx = recipient.customer.context(at);
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
            // Holdouts, decisions, goals and schedules are visible in the path and the
            // instance; profile updates apply within the step (core's context) only.
            Effect::HeldOut { .. } | Effect::Decided { .. } | Effect::Update { .. } | Effect::Goal { .. } | Effect::Schedule { .. } => {}
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
