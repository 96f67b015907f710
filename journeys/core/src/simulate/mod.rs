//! The simulator: drives the interpreter over a population on a virtual clock. Each customer
//! is simulated on its own event queue (wake-ups and generated events, earliest first) with
//! its own random stream, so results do not depend on how customers are spread over threads:
//! fixed-size chunks are tallied independently and merged in chunk order.

mod customer;
mod history;
mod report;
mod scenario;
mod tally;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

pub use history::History;
pub use report::{assemble, round, wilson, BranchConversion, Counts, Day, EdgeFlow, Header, NodeCount, Report, Totals, Trace, TraceStep, Uplift};
pub use scenario::{ChannelResponse, Scenario};

use crate::interpret::CompiledJourney;
use crate::population::{generate_customer, Customer};
use tally::Tally;

/// Customers per chunk: the unit of parallel work and of merging.
const CHUNK: usize = 1_024;
/// The virtual clock starts at 2026-01-01T00:00Z.
pub const START_MS: i64 = 1_767_225_600_000;
pub const MAX_DAYS: u32 = 3_650;

/// Who is simulated.
pub enum Population<'a> {
    /// `customers` generated customers from `seed` (produced on the fly, one at a time).
    Generated { customers: u64, seed: u64 },
    /// Customers read from a file.
    Given(&'a [Customer]),
}

impl Population<'_> {
    fn len(&self) -> u64 {
        match self {
            Population::Generated { customers, .. } => *customers,
            Population::Given(list) => list.len() as u64,
        }
    }

    fn customer(&self, index: u64) -> Customer {
        match self {
            Population::Generated { seed, .. } => generate_customer(*seed, index),
            Population::Given(list) => list[index as usize].clone(),
        }
    }
}

pub struct Options {
    pub seed: u64,
    pub days: u32,
    pub threads: usize,
    /// Record the step-by-step trace of this customer id.
    pub trace: Option<String>,
    /// Historical events replayed into the customers' queues.
    pub history: Option<std::sync::Arc<History>>,
    /// The offers catalogue's approved versions, for journeys naming catalogue offers.
    pub catalogue: Option<std::sync::Arc<crate::interpret::CompiledOffers>>,
    /// Approved models: each customer's `scores.KIND` comes from the model of that kind, as in
    /// the engine, instead of the profile's.
    pub models: Vec<crate::scoring::TrainedModel>,
}

impl Default for Options {
    fn default() -> Self {
        Options { seed: 1, days: 90, threads: 2, trace: None, history: None, catalogue: None, models: Vec::new() }
    }
}

impl Options {
    /// The customer as the journey sees them: scored by the approved models (a model that
    /// cannot score the profile leaves the profile's score, as the engine does).
    fn scored(&self, mut customer: Customer) -> Customer {
        for trained in &self.models {
            if let Ok(score) = trained.model.score_customer(&customer) {
                crate::scoring::set_customer_score(&mut customer, &trained.kind, score);
            }
        }
        customer
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulateError {
    #[error("days must be between 1 and {MAX_DAYS}, not {0}")]
    Days(u32),
    #[error("the population is empty")]
    NoCustomers,
    #[error("scenario: {0}")]
    Scenario(String),
    #[error("cancelled")]
    Cancelled,
}

/// Run the simulation. `progress` is called with (customers done, total) after each chunk;
/// setting `cancel` stops the run at the next chunk with `SimulateError::Cancelled`.
pub fn simulate(
    journey: &CompiledJourney,
    population: &Population,
    scenario: &Scenario,
    options: &Options,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Report, SimulateError> {
    if options.days == 0 || options.days > MAX_DAYS {
        return Err(SimulateError::Days(options.days));
    }
    let total = population.len();
    if total == 0 {
        return Err(SimulateError::NoCustomers);
    }
    scenario.check().map_err(SimulateError::Scenario)?;
    let chunks = total.div_ceil(CHUNK as u64) as usize;
    let plan = customer::Plan::new(journey);
    let results: Mutex<Vec<Option<Tally>>> = Mutex::new((0..chunks).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let work = || loop {
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        let chunk = next.fetch_add(1, Ordering::Relaxed);
        if chunk >= chunks {
            return;
        }
        let mut tally = Tally::new(journey, options.days);
        let first = chunk as u64 * CHUNK as u64;
        for index in first..(first + CHUNK as u64).min(total) {
            let customer = options.scored(population.customer(index));
            let trace = options.trace.as_deref() == Some(customer.id.as_str());
            customer::run(journey, &plan, &customer, scenario, options, &mut tally, trace);
        }
        if let Ok(mut slots) = results.lock() {
            slots[chunk] = Some(tally);
        }
        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(((finished * CHUNK) as u64).min(total), total);
    };
    let threads = options.threads.clamp(1, 64).min(chunks);
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(work);
            }
        });
    }
    if cancel.load(Ordering::Relaxed) {
        return Err(SimulateError::Cancelled);
    }
    let mut merged = Tally::new(journey, options.days);
    for tally in results.into_inner().unwrap_or_default().into_iter().flatten() {
        merged.merge(tally);
    }
    Ok(merged.report(journey, options, total))
}
