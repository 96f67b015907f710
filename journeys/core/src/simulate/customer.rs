//! One customer's simulated life: a queue of wake-ups and generated events, earliest first,
//! each handed to the interpreter; effects are governed, counted and answered.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::report::{Trace, TraceStep};
use super::tally::{is_branching, Tally};
use super::{Options, Scenario, START_MS};
use crate::expr::Context;
use crate::governance::{judge, Request, Verdict};
use crate::interpret::{self, find_offer, sticky_bucket, CompiledJourney, Effect, ExitReason, Input, Instance, Status};
use crate::kinds::{Channel, Trigger};
use crate::offers::{OfferContact, Response};
use crate::model::NodeKind;
use crate::population::Customer;

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Pending {
    /// The instance's wake-up at this time.
    Timer(i64),
    /// An event of type `events[i]`.
    Event(usize),
    /// Entry by date rule of trigger `triggers[i]`.
    DateEntry(usize),
    /// A contact deferred by quiet hours, `contacts[i]`.
    Deliver(usize),
    /// A historical event of type `events[i]` (not followed by a generated next occurrence).
    Replayed(usize),
    /// The customer leaves the bank.
    Churn,
    /// A replayed `unsubscribed` event: marketing consent withdrawn on every channel (history
    /// lines carry no attributes).
    Unsubscribed,
}

struct Contact {
    node: String,
    channel: Channel,
    request: Request,
    cost: f64,
    /// The offer presented, with its value (ΔCLV).
    offer: Option<(String, f64)>,
}

/// What every customer's simulation needs to know about the journey, worked out once.
pub struct Plan {
    /// Event types that matter to this journey; `Pending::Event` indexes it.
    events: Vec<String>,
    goal_event: Option<String>,
    /// Trigger node ids with their entry rules, in file order.
    triggers: Vec<(String, Trigger)>,
}

impl Plan {
    pub fn new(journey: &CompiledJourney) -> Plan {
        let j = journey.journey();
        let mut events: Vec<String> = Vec::new();
        let mut add = |e: &str| {
            if !events.iter().any(|x| x == e) {
                events.push(e.to_string());
            }
        };
        for node in &j.nodes {
            match &node.kind {
                NodeKind::Trigger(Trigger { event: Some(e), .. }) => add(e),
                NodeKind::Wait(w) => w.until_event.iter().for_each(|e| add(e)),
                _ => {}
            }
        }
        j.settings.exit_on_events.iter().for_each(|e| add(e));
        // Events that keep the profile current (the schema's rules and rolling aggregates).
        let schema = journey.schema();
        schema.events.iter().map(|r| r.event.as_str()).chain(schema.aggregates.iter().map(|a| a.event.as_str())).for_each(&mut add);
        let goal_event = j.settings.goal.as_ref().map(|g| g.event.clone()).or_else(|| {
            j.nodes.iter().find_map(|n| match &n.kind {
                NodeKind::Goal { event } => Some(event.clone()),
                _ => None,
            })
        });
        if let Some(goal) = &goal_event {
            add(goal);
        }
        let triggers = journey
            .triggers()
            .filter_map(|n| match &n.kind {
                NodeKind::Trigger(t) => Some((n.id.clone(), t.clone())),
                _ => None,
            })
            .collect();
        Plan { events, goal_event, triggers }
    }
}

struct Life<'a> {
    journey: &'a CompiledJourney,
    plan: &'a Plan,
    scenario: &'a Scenario,
    customer: &'a Customer,
    ctx: Context,
    zone: chrono_tz::Tz,
    rng: ChaCha8Rng,
    queue: BinaryHeap<Reverse<(i64, u64, Pending)>>,
    seq: u64,
    horizon: i64,
    instance: Option<Instance>,
    entered_at: Option<i64>,
    converted: bool,
    last_offer_value: Option<f64>,
    history: Vec<(i64, Channel)>,
    /// Offers presented, for contact policies; the latest is accepted when the customer converts.
    offers: Vec<OfferContact>,
    /// Every contact the journey asked for, by index (deferred ones are delivered later).
    contacts: Vec<Contact>,
    branches: Vec<(usize, String)>,
    trace: Option<Vec<TraceStep>>,
    /// The profile's consent changes and those replayed since (the engine stores them).
    consent_log: Vec<crate::consent::ConsentChange>,
    /// The profile as events change it (attributes set by event rules, rolling aggregates),
    /// when the schema has such rules: the engine stores the same changes.
    own: Option<Customer>,
}

pub fn run(journey: &CompiledJourney, plan: &Plan, customer: &Customer, scenario: &Scenario, options: &Options, tally: &mut Tally, trace: bool) {
    let mut life = Life::new(journey, plan, customer, scenario, options, trace);
    life.schedule_entries(options);
    while let Some(Reverse((at, _, pending))) = life.queue.pop() {
        if at > life.horizon {
            break;
        }
        life.ctx.set_now(at);
        life.refresh_rolling(at);
        match pending {
            Pending::Timer(wake) => {
                if life.instance.as_ref().is_some_and(|i| i.status == Status::Waiting && i.wake_at == Some(wake)) {
                    life.step(&Input::Timer, at, tally);
                }
            }
            Pending::Event(e) => life.event(e, at, true, tally),
            Pending::Replayed(e) => life.event(e, at, false, tally),
            Pending::DateEntry(t) => {
                let trigger = &plan.triggers[t].0;
                life.try_enter(trigger, at, tally);
            }
            Pending::Deliver(c) => life.deliver(c, at, tally),
            Pending::Unsubscribed => {
                // The same change the engine records for an `unsubscribed` event without attributes.
                if let Some(Ok(change)) = crate::consent::change_of(crate::consent::UNSUBSCRIBED, &serde_json::Value::Null, at) {
                    life.consent_log.push(change);
                }
                life.note(at, || "unsubscribed".to_string());
            }
            Pending::Churn => {
                life.churn(at, tally);
                break;
            }
        }
    }
    life.finish(tally);
}

impl<'a> Life<'a> {
    fn new(journey: &'a CompiledJourney, plan: &'a Plan, customer: &'a Customer, scenario: &'a Scenario, options: &Options, trace: bool) -> Self {
        let j = journey.journey();
        let seed = sticky_bucket(&j.id, &customer.id, &options.seed.to_string());
        Life {
            journey,
            plan,
            scenario,
            consent_log: customer.consent_log.clone(),
            customer,
            ctx: {
                let mut ctx = customer.context(START_MS);
                journey.fill_aggregate_defaults(&mut ctx);
                ctx.set_catalogue(options.catalogue.clone());
                ctx
            },
            // Only a schema that changes profiles on events needs a profile of our own.
            own: (!journey.schema().events.is_empty() || !journey.schema().aggregates.is_empty()).then(|| customer.clone()),
            zone: customer.time_zone.parse().unwrap_or(chrono_tz::UTC),
            rng: ChaCha8Rng::seed_from_u64(seed),
            queue: BinaryHeap::new(),
            seq: 0,
            horizon: START_MS + i64::from(options.days) * DAY_MS,
            instance: None,
            entered_at: None,
            converted: false,
            last_offer_value: None,
            history: Vec::new(),
            offers: Vec::new(),
            contacts: Vec::new(),
            branches: Vec::new(),
            trace: trace.then(Vec::new),
        }
    }

    fn push(&mut self, at: i64, pending: Pending) {
        if at <= self.horizon {
            self.seq += 1;
            self.queue.push(Reverse((at, self.seq, pending)));
        }
    }

    fn note(&mut self, at: i64, what: impl FnOnce() -> String) {
        if let Some(trace) = &mut self.trace {
            trace.push(TraceStep { minute: (at - START_MS) / 60_000, what: what() });
        }
    }

    /// Days until the next occurrence of a Poisson process with `rate` per day, in ms.
    fn after(&mut self, rate_per_day: f64) -> Option<i64> {
        if rate_per_day <= 0.0 {
            return None;
        }
        let u: f64 = self.rng.random::<f64>().max(f64::MIN_POSITIVE);
        Some((-u.ln() / rate_per_day * DAY_MS as f64) as i64 + 1)
    }

    fn event_rate(&self, e: usize) -> f64 {
        let name = &self.plan.events[e];
        if self.plan.goal_event.as_deref() == Some(name.as_str()) && !self.scenario.event_rates.contains_key(name) {
            self.scenario.goal_base_rate
        } else {
            self.scenario.rate(name)
        }
    }

    /// The customer is lost: they leave the journey where they are, and nothing more happens.
    fn churn(&mut self, at: i64, tally: &mut Tally) {
        self.note(at, || "churned".into());
        if let Some(instance) = self.instance.as_mut().filter(|i| i.status == Status::Waiting) {
            instance.status = Status::Exited;
            instance.wake_at = None;
            if let Some(n) = self.journey.node_position(&instance.node) {
                tally.exited[n] += 1;
            }
            *tally.exits_by_reason.entry("churned".into()).or_default() += 1;
            if let Some(day) = tally.day_of(at) {
                day.exits += 1;
            }
        }
    }

    fn schedule_entries(&mut self, options: &Options) {
        let hazard = self.scenario.daily_churn(self.customer.churn);
        if let Some(dt) = self.after(hazard) {
            self.push(START_MS + dt, Pending::Churn);
        }
        if let Some(history) = &options.history {
            for (at, event_type) in history.events_of(&self.customer.id) {
                if event_type == crate::consent::UNSUBSCRIBED && *at >= START_MS {
                    self.push(*at, Pending::Unsubscribed);
                }
                if let Some(e) = self.plan.events.iter().position(|x| x == event_type).filter(|_| *at >= START_MS) {
                    self.push(*at, Pending::Replayed(e));
                }
            }
        }
        for e in 0..self.plan.events.len() {
            if let Some(dt) = self.after(self.event_rate(e)) {
                self.push(START_MS + dt, Pending::Event(e));
            }
        }
        for (i, (id, trigger)) in self.plan.triggers.iter().enumerate() {
            let at_start = trigger.audience.is_some() || (trigger.segment.is_some() && self.journey.eval_bool(id, 0, &mut self.ctx).unwrap_or(false));
            if at_start {
                self.push(START_MS, Pending::DateEntry(i));
            } else if let Some(rule) = &trigger.date_rule {
                let date = self.ctx.customer(&rule.attribute).and_then(|d| d.as_int().ok());
                if let Some(at) = date.map(|d| d + i64::from(rule.offset_days) * DAY_MS).filter(|at| *at >= START_MS) {
                    self.push(at, Pending::DateEntry(i));
                }
            }
        }
    }

    /// Rolling aggregates read at `at`, as the engine's context reads them at each step.
    fn refresh_rolling(&mut self, at: i64) {
        if let Some(own) = &self.own {
            for (name, rolling) in &own.rolling {
                self.ctx.set_customer(name, rolling.value_at(at));
            }
        }
    }

    fn event(&mut self, e: usize, at: i64, generated: bool, tally: &mut Tally) {
        let name = self.plan.events[e].clone();
        // The same profile changes the engine makes for this event (simulated events carry no
        // attributes: only `event.time` rules and counts apply).
        if let Some(own) = &mut self.own {
            if own.observe_event(self.journey.schema(), &name, &serde_json::Value::Null, at) {
                for (attribute, value) in &own.attributes {
                    self.ctx.set_customer(attribute, crate::population::dynamic_of(value));
                }
                self.refresh_rolling(at);
            }
        }
        if generated {
            if let Some(dt) = self.after(self.event_rate(e)) {
                self.push(at + dt, Pending::Event(e));
            }
        }
        self.note(at, || format!("event {name}"));
        if self.plan.goal_event.as_deref() == Some(name.as_str()) {
            self.goal_reached(at, tally);
        }
        // Trigger filters and waits alike read the event that just arrived.
        self.ctx.set_event_type(&name);
        let active = self.instance.as_ref().is_some_and(|i| i.status == Status::Waiting);
        if active {
            self.step(&Input::Event { event_type: name }, at, tally);
            return;
        }
        if let Some(trigger) = interpret::entry_trigger(self.journey, &name, &mut self.ctx) {
            self.try_enter(trigger, at, tally);
        }
    }

    fn goal_reached(&mut self, at: i64, tally: &mut Tally) {
        let Some(entered) = self.entered_at else { return };
        let window = self.journey.journey().settings.goal.as_ref().and_then(|g| crate::validate::parse_duration_minutes(&g.window));
        let in_window = window.is_none_or(|m| at - entered <= m as i64 * 60_000);
        if in_window && !self.converted {
            self.converted = true;
            if let Some(day) = tally.day_of(at) {
                day.conversions += 1;
            }
            self.note(at, || "converted".into());
            if let Some(latest) = self.offers.last_mut() {
                latest.response = Response::Accepted;
                self.ctx.set_offer_history(self.offers.clone());
            }
        }
    }

    fn try_enter(&mut self, trigger: &str, at: i64, tally: &mut Tally) {
        if !interpret::may_enter(&self.journey.journey().settings.entry, self.instance.as_ref(), at) {
            return;
        }
        self.ctx.set_now(at);
        let Ok(step) = interpret::enter(self.journey, &self.customer.id, trigger, &mut self.ctx, at) else { return };
        if self.entered_at.is_none() {
            tally.customers_entered += 1;
        }
        self.entered_at = Some(at);
        if let Some(position) = self.journey.node_position(trigger) {
            tally.entered[position] += 1;
        }
        if let Some(day) = tally.day_of(at) {
            day.entered += 1;
        }
        self.note(at, || format!("entered by {trigger}"));
        self.apply(step.instance, step.effects, at, tally);
    }

    fn step(&mut self, input: &Input, at: i64, tally: &mut Tally) {
        let Some(instance) = self.instance.clone() else { return };
        if let Ok(step) = interpret::step(self.journey, &instance, input, &mut self.ctx, at) {
            self.apply(step.instance, step.effects, at, tally);
        }
    }

    fn apply(&mut self, instance: Instance, effects: Vec<Effect>, at: i64, tally: &mut Tally) {
        self.instance = Some(instance);
        for effect in effects {
            match effect {
                Effect::Moved { from, port, to } => {
                    if let Some(e) = self.journey.edge_position(&from, &port) {
                        tally.edges[e] += 1;
                    }
                    if let Some(n) = self.journey.node_position(&to) {
                        tally.entered[n] += 1;
                    }
                    if let Some(n) = self.journey.node_position(&from).filter(|_| self.journey.kind(&from).is_some_and(is_branching)) {
                        if !self.branches.iter().any(|(b, p)| *b == n && *p == port) {
                            self.branches.push((n, port.clone()));
                        }
                    }
                    self.note(at, || format!("{from} --{port}--> {to}"));
                }
                Effect::Contact { node, channel, purpose, offer, cost, mandatory, .. } => {
                    let catalogue = self.ctx.catalogue().cloned();
                    let offer = offer.and_then(|o| find_offer(self.journey, catalogue.as_deref(), &o).ok().map(|(x, _)| (o, x.value)));
                    let request = Request { channel, purpose, mandatory };
                    self.contacts.push(Contact { node, channel, request, cost, offer });
                    self.deliver(self.contacts.len() - 1, at, tally);
                }
                Effect::HeldOut { node } => self.note(at, || format!("held out at {node}")),
                Effect::Decided { node, chosen, .. } => self.note(at, || format!("{node} chose {}", chosen.as_deref().unwrap_or("no offer"))),
                Effect::Update { .. } | Effect::Schedule { .. } => {}
                // A goal node is a milestone on the path; conversion is the goal event itself
                // (within the window), so a path that reaches the node without it converts nothing.
                Effect::Goal { node, .. } => {
                    if let Some(n) = self.journey.node_position(&node) {
                        tally.goals[n] += 1;
                    }
                }
                Effect::Exited { node, reason } => {
                    if let Some(n) = self.journey.node_position(&node) {
                        tally.exited[n] += 1;
                    }
                    let reason = match reason {
                        ExitReason::Completed => "completed",
                        ExitReason::ExitEvent { .. } => "exit_event",
                        ExitReason::ExpressionFailed { .. } => "expression_failed",
                        ExitReason::Stuck { .. } => "stuck",
                    };
                    *tally.exits_by_reason.entry(reason.into()).or_default() += 1;
                    if let Some(day) = tally.day_of(at) {
                        day.exits += 1;
                    }
                    self.note(at, || format!("exited at {node} ({reason})"));
                }
            }
        }
        if let Some(wake) = self.instance.as_ref().and_then(|i| i.wake_at) {
            self.push(wake, Pending::Timer(wake));
        }
    }

    /// Send contact `c` now if governance allows; answer it with sampled responses.
    fn deliver(&mut self, c: usize, at: i64, tally: &mut Tally) {
        let (channel, request, cost, offer) = {
            let contact = &self.contacts[c];
            (contact.channel, contact.request, contact.cost, contact.offer.clone())
        };
        let node = self.contacts[c].node.clone();
        let consents = self.customer.consents_with(&self.consent_log, channel, request.purpose);
        match judge(request, consents, &self.journey.journey().settings, self.zone, &self.history, at) {
            Verdict::Suppress(reason) => {
                let key = serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                self.note(at, || format!("{node} suppressed: {key}"));
                *tally.suppressions.entry(key).or_default() += 1;
            }
            Verdict::Defer(until) => {
                tally.deferred += 1;
                self.note(at, || format!("{node} deferred for quiet hours"));
                self.push(until, Pending::Deliver(c));
            }
            Verdict::Send => {
                self.history.push((at, channel));
                tally.contacts += 1;
                tally.cost += cost;
                *tally.contacts_by_channel.entry(channel.key().into()).or_default() += 1;
                if let Some(day) = tally.day_of(at) {
                    day.contacts += 1;
                }
                if let Some((offer, value)) = offer {
                    self.last_offer_value = Some(value);
                    self.offers.push(OfferContact { offer, at, response: Response::Ignored });
                    self.ctx.set_offer_history(self.offers.clone());
                }
                self.note(at, || format!("{node} sent by {}", channel.key()));
                let response = self.scenario.channels.get(&channel).copied();
                let score = self.scenario.response_score.as_deref().and_then(|s| self.ctx.score(s));
                let factor = self.scenario.response_factor(&self.customer.segment, score);
                if let Some(r) = response {
                    if self.rng.random_bool(r.open.clamp(0.0, 1.0)) {
                        if let Some(e) = self.plan.events.iter().position(|x| x == "message_opened") {
                            let dt = self.after(4.0).unwrap_or(DAY_MS);
                            self.push(at + dt, Pending::Event(e));
                        }
                    }
                    let goal = self.plan.goal_event.as_ref().and_then(|g| self.plan.events.iter().position(|x| x == g));
                    if let Some(e) = goal.filter(|_| self.rng.random_bool((r.convert * factor).clamp(0.0, 1.0))) {
                        let dt = self.after(0.5).unwrap_or(DAY_MS);
                        self.push(at + dt, Pending::Event(e));
                    }
                }
            }
        }
    }

    fn finish(mut self, tally: &mut Tally) {
        if let Some(instance) = self.instance.as_ref().filter(|i| i.status == Status::Waiting) {
            if let Some(n) = self.journey.node_position(&instance.node) {
                tally.waiting[n] += 1;
            }
        }
        if self.entered_at.is_some() {
            let sent = self.history.len() as u32;
            *tally.contacts_per_customer.entry(sent).or_default() += 1;
            if self.converted {
                tally.converted += 1;
                tally.value += self.last_offer_value.unwrap_or(self.scenario.value_per_conversion);
            }
            for (node, port) in self.branches.drain(..) {
                let entry = tally.branches.entry((node, port)).or_default();
                entry.0 += 1;
                entry.1 += u64::from(self.converted);
            }
        }
        if let Some(steps) = self.trace.take() {
            tally.trace = Some(Trace { customer: self.customer.id.clone(), steps });
        }
    }
}
