//! Counters for `/metrics` in the Prometheus text format. Event counts are this process's;
//! actions and instances are read from the store, so they survive restarts.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use journeys_store::Store;

use crate::EngineError;

#[derive(Debug, Default)]
pub struct Metrics {
    events_accepted: AtomicU64,
    events_duplicate: AtomicU64,
    delivered: AtomicU64,
    delivery_failures: AtomicU64,
}

impl Metrics {
    pub fn accepted_many(&self, n: usize) {
        self.events_accepted.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn duplicates(&self, n: usize) {
        self.events_duplicate.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn delivered(&self) {
        self.delivered.fetch_add(1, Ordering::Relaxed);
    }

    pub fn delivery_failed(&self) {
        self.delivery_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub async fn render(&self, store: &Store) -> Result<String, EngineError> {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        counter(&mut out, "journeys_events_accepted_total", "Events accepted and processed by this process.", self.events_accepted.load(Ordering::Relaxed));
        counter(&mut out, "journeys_events_duplicate_total", "Events ignored because their id was seen before.", self.events_duplicate.load(Ordering::Relaxed));
        counter(&mut out, "journeys_deliveries_total", "Outbox rows delivered by this process.", self.delivered.load(Ordering::Relaxed));
        counter(&mut out, "journeys_delivery_failures_total", "Failed delivery attempts in this process.", self.delivery_failures.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP journeys_actions Contacts by outcome and reason (all time).\n# TYPE journeys_actions gauge");
        for (outcome, reason, n) in store.action_counts().await? {
            let _ = writeln!(out, "journeys_actions{{outcome=\"{}\",reason=\"{}\"}} {n}", escape(&outcome), escape(&reason));
        }
        let _ = writeln!(out, "# HELP journeys_instances Journey instances by status.\n# TYPE journeys_instances gauge");
        for (status, n) in store.instance_counts().await? {
            let _ = writeln!(out, "journeys_instances{{status=\"{}\"}} {n}", escape(&status));
        }
        Ok(out)
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
