//! Counters for a chunk of customers, merged into the report.


use super::report::*;
use super::Options;
use crate::interpret::CompiledJourney;
use crate::model::NodeKind;

/// A chunk's (or the merged) counts, and the trace of the traced customer if it was in it.
#[derive(Debug, Default)]
pub struct Tally {
    pub counts: Counts,
    pub trace: Option<Trace>,
}

/// The simulator counts straight into the report's `Counts`.
impl std::ops::Deref for Tally {
    type Target = Counts;
    fn deref(&self) -> &Counts {
        &self.counts
    }
}

impl std::ops::DerefMut for Tally {
    fn deref_mut(&mut self) -> &mut Counts {
        &mut self.counts
    }
}

/// Kinds whose ports are worth comparing by conversion.
pub fn is_branching(kind: &NodeKind) -> bool {
    matches!(kind, NodeKind::Split { .. } | NodeKind::Holdout { .. } | NodeKind::Switch { .. } | NodeKind::Condition { .. } | NodeKind::Decision(_))
}

impl Tally {
    pub fn new(journey: &CompiledJourney, days: u32) -> Tally {
        let daily = (0..days).map(|day| Day { day, ..Day::default() }).collect();
        Tally { counts: Counts { daily, ..Counts::for_journey(journey.journey()) }, trace: None }
    }

    /// The daily counters of the simulated day holding instant `at` (none past the horizon).
    pub fn day_of(&mut self, at: i64) -> Option<&mut Day> {
        let day = (at - super::START_MS).div_euclid(86_400_000);
        usize::try_from(day).ok().and_then(|d| self.daily.get_mut(d))
    }

    pub fn merge(&mut self, other: Tally) {
        self.counts.merge(other.counts);
        if other.trace.is_some() {
            self.trace = other.trace;
        }
    }

    pub fn report(self, journey: &CompiledJourney, options: &Options, customers: u64) -> Report {
        let header = Header { journey: journey.journey().id.clone(), seed: options.seed, customers, days: options.days };
        let mut report = assemble(journey.journey(), header, self.counts);
        report.trace = self.trace;
        report
    }
}
