//! Counters for a chunk of customers, merged into the report.

use std::collections::BTreeMap;

use super::report::*;
use super::Options;
use crate::interpret::CompiledJourney;
use crate::model::NodeKind;

#[derive(Debug, Default)]
pub struct Tally {
    pub entered: Vec<u64>,
    pub exited: Vec<u64>,
    pub waiting: Vec<u64>,
    pub goals: Vec<u64>,
    pub edges: Vec<u64>,
    /// (node position, port) → (customers, converted)
    pub branches: BTreeMap<(usize, String), (u64, u64)>,
    pub customers_entered: u64,
    pub converted: u64,
    pub contacts: u64,
    pub cost: f64,
    pub value: f64,
    pub contacts_by_channel: BTreeMap<String, u64>,
    pub suppressions: BTreeMap<String, u64>,
    pub deferred: u64,
    pub contacts_per_customer: BTreeMap<u32, u64>,
    pub exits_by_reason: BTreeMap<String, u64>,
    pub daily: Vec<Day>,
    pub trace: Option<Trace>,
}

/// Kinds whose ports are worth comparing by conversion.
pub fn is_branching(kind: &NodeKind) -> bool {
    matches!(kind, NodeKind::Split { .. } | NodeKind::Holdout { .. } | NodeKind::Switch { .. } | NodeKind::Condition { .. } | NodeKind::Decision(_))
}

impl Tally {
    pub fn new(journey: &CompiledJourney, days: u32) -> Tally {
        let (nodes, edges) = (journey.journey().nodes.len(), journey.journey().edges.len());
        Tally {
            entered: vec![0; nodes],
            exited: vec![0; nodes],
            waiting: vec![0; nodes],
            goals: vec![0; nodes],
            edges: vec![0; edges],
            daily: (0..days).map(|day| Day { day, ..Day::default() }).collect(),
            ..Tally::default()
        }
    }

    /// The daily counters of the simulated day holding instant `at` (none past the horizon).
    pub fn day_of(&mut self, at: i64) -> Option<&mut Day> {
        let day = (at - super::START_MS).div_euclid(86_400_000);
        usize::try_from(day).ok().and_then(|d| self.daily.get_mut(d))
    }

    pub fn merge(&mut self, other: Tally) {
        let add = |a: &mut Vec<u64>, b: Vec<u64>| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.entered, other.entered);
        add(&mut self.exited, other.exited);
        add(&mut self.waiting, other.waiting);
        add(&mut self.goals, other.goals);
        add(&mut self.edges, other.edges);
        for (key, (n, c)) in other.branches {
            let entry = self.branches.entry(key).or_default();
            entry.0 += n;
            entry.1 += c;
        }
        self.customers_entered += other.customers_entered;
        self.converted += other.converted;
        self.contacts += other.contacts;
        self.cost += other.cost;
        self.value += other.value;
        for (maps, from) in [
            (&mut self.contacts_by_channel, other.contacts_by_channel),
            (&mut self.suppressions, other.suppressions),
            (&mut self.exits_by_reason, other.exits_by_reason),
        ] {
            for (k, v) in from {
                *maps.entry(k).or_default() += v;
            }
        }
        for (k, v) in other.contacts_per_customer {
            *self.contacts_per_customer.entry(k).or_default() += v;
        }
        self.deferred += other.deferred;
        for (day, theirs) in self.daily.iter_mut().zip(other.daily) {
            day.entered += theirs.entered;
            day.contacts += theirs.contacts;
            day.conversions += theirs.conversions;
            day.exits += theirs.exits;
        }
        if other.trace.is_some() {
            self.trace = other.trace;
        }
    }

    pub fn report(self, journey: &CompiledJourney, options: &Options, customers: u64) -> Report {
        let header = Header { journey: journey.journey().id.clone(), seed: options.seed, customers, days: options.days };
        let counts = Counts {
            entered: self.entered,
            exited: self.exited,
            waiting: self.waiting,
            goals: self.goals,
            edges: self.edges,
            branches: self.branches,
            customers_entered: self.customers_entered,
            converted: self.converted,
            contacts: self.contacts,
            cost: self.cost,
            value: self.value,
            contacts_by_channel: self.contacts_by_channel,
            suppressions: self.suppressions,
            deferred: self.deferred,
            contacts_per_customer: self.contacts_per_customer,
            exits_by_reason: self.exits_by_reason,
            daily: self.daily,
        };
        let mut report = assemble(journey.journey(), header, counts);
        report.trace = self.trace;
        report
    }
}
