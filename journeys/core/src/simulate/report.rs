//! What a simulation reports. No wall-clock fields: the same inputs give the same bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// 95 % Wilson score interval for `successes` out of `trials`.
pub fn wilson(successes: u64, trials: u64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 0.0);
    }
    let (n, p, z) = (trials as f64, successes as f64 / trials as f64, 1.96_f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * ((p * (1.0 - p) + z * z / (4.0 * n)) / n).sqrt() / (1.0 + z * z / n);
    (round((centre - half).max(0.0)), round((centre + half).min(1.0)))
}

/// Six decimals: enough for rates and money, and stable to read.
pub fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        round(part as f64 / whole as f64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub journey: String,
    pub seed: u64,
    pub customers: u64,
    pub days: u32,
    pub totals: Totals,
    pub nodes: Vec<NodeCount>,
    pub edges: Vec<EdgeFlow>,
    /// Goal conversion of the customers who left each split, holdout, switch, condition and
    /// decision by each port.
    pub branches: Vec<BranchConversion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdout_uplift: Option<Uplift>,
    pub contacts_by_channel: BTreeMap<String, u64>,
    pub suppressions: BTreeMap<String, u64>,
    pub deferred_for_quiet_hours: u64,
    /// Number of entered customers by how many contacts they received.
    pub contacts_per_customer: BTreeMap<u32, u64>,
    pub exits_by_reason: BTreeMap<String, u64>,
    pub daily: Vec<Day>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub entered: u64,
    pub converted: u64,
    pub conversion_rate: f64,
    pub conversion_ci95: (f64, f64),
    pub contacts: u64,
    pub cost: f64,
    pub value: f64,
    /// (value − cost) / cost; absent when nothing was spent.
    pub roi: Option<f64>,
}

impl Totals {
    pub fn new(entered: u64, converted: u64, contacts: u64, cost: f64, value: f64) -> Totals {
        Totals {
            entered,
            converted,
            conversion_rate: rate(converted, entered),
            conversion_ci95: wilson(converted, entered),
            contacts,
            cost: round(cost),
            value: round(value),
            roi: (cost > 0.0).then(|| round((value - cost) / cost)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeCount {
    pub id: String,
    pub kind: String,
    pub stage: Option<String>,
    /// Customer visits that arrived at the node (entries at a trigger).
    pub entered: u64,
    /// Customers who left the journey at this node.
    pub exited: u64,
    /// Customers still waiting here when the simulation ended.
    pub waiting: u64,
    pub goals: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeFlow {
    pub id: String,
    pub from: String,
    pub port: String,
    pub to: String,
    pub flow: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchConversion {
    pub node: String,
    pub port: String,
    pub customers: u64,
    pub converted: u64,
    pub rate: f64,
    pub ci95: (f64, f64),
}

impl BranchConversion {
    pub fn new(node: &str, port: &str, customers: u64, converted: u64) -> Self {
        BranchConversion { node: node.into(), port: port.into(), customers, converted, rate: rate(converted, customers), ci95: wilson(converted, customers) }
    }
}

/// Treated minus control conversion at a holdout, with a 95 % interval (normal approximation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uplift {
    pub node: String,
    pub treated_rate: f64,
    pub control_rate: f64,
    pub uplift: f64,
    pub ci95: (f64, f64),
}

impl Uplift {
    pub fn new(node: &str, treated: (u64, u64), control: (u64, u64)) -> Uplift {
        let p = |(conv, n): (u64, u64)| if n == 0 { 0.0 } else { conv as f64 / n as f64 };
        let (pt, pc) = (p(treated), p(control));
        let var = |q: f64, n: u64| if n == 0 { 0.0 } else { q * (1.0 - q) / n as f64 };
        let half = 1.96 * (var(pt, treated.1) + var(pc, control.1)).sqrt();
        Uplift { node: node.into(), treated_rate: round(pt), control_rate: round(pc), uplift: round(pt - pc), ci95: (round(pt - pc - half), round(pt - pc + half)) }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Day {
    pub day: u32,
    pub entered: u64,
    pub contacts: u64,
    pub conversions: u64,
    pub exits: u64,
}

/// One customer's way through the journey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub customer: String,
    pub steps: Vec<TraceStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceStep {
    /// Minutes since the simulation start.
    pub minute: i64,
    pub what: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_matches_reference_values() {
        // 20 of 100: the Wilson 95 % interval is 0.1333–0.2888.
        let (lo, hi) = wilson(20, 100);
        assert!((lo - 0.133).abs() < 1e-3 && (hi - 0.2888).abs() < 1e-3, "{lo} {hi}");
        assert_eq!(wilson(0, 0), (0.0, 0.0));
    }
}
