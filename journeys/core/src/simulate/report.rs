//! What a simulation reports. No wall-clock fields: the same inputs give the same bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Journey, NodeKind};

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

/// What a report says before the counts: whose it is and over what.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub journey: String,
    pub seed: u64,
    pub customers: u64,
    pub days: u32,
}

/// The counts a report is made of, per node and edge by position in the journey. The
/// simulator's tallies and the engine's recorded steps (`crate::analytics`) both end here, so
/// a simulated and a live run of a version give the same report shape, built by the same code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
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
}

impl Counts {
    /// Add another chunk's counts (the simulator merges chunks in order).
    pub fn merge(&mut self, other: Counts) {
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
    }

    /// Zeroed per-node and per-edge counters for `journey`.
    pub fn for_journey(journey: &Journey) -> Counts {
        let (nodes, edges) = (journey.nodes.len(), journey.edges.len());
        Counts { entered: vec![0; nodes], exited: vec![0; nodes], waiting: vec![0; nodes], goals: vec![0; nodes], edges: vec![0; edges], ..Counts::default() }
    }
}

/// The report of `counts` over `journey`: per-node and per-edge rows in file order, branch
/// conversion with Wilson intervals, holdout uplift at the first holdout, totals with ROI.
pub fn assemble(journey: &Journey, header: Header, counts: Counts) -> Report {
    let at = |v: &Vec<u64>, i: usize| v.get(i).copied().unwrap_or(0);
    let nodes = journey
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeCount {
            id: n.id.clone(),
            kind: n.kind.name().into(),
            stage: n.stage.map(|s| s.key().to_string()),
            entered: at(&counts.entered, i),
            exited: at(&counts.exited, i),
            waiting: at(&counts.waiting, i),
            goals: at(&counts.goals, i),
        })
        .collect();
    let edges = journey
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| EdgeFlow { id: e.id.clone(), from: e.from.clone(), port: e.port.clone(), to: e.to.clone(), flow: at(&counts.edges, i) })
        .collect();
    let branches = counts
        .branches
        .iter()
        .filter_map(|((node, port), (n, c))| Some(BranchConversion::new(&journey.nodes.get(*node)?.id, port, *n, *c)))
        .collect();
    let holdout_uplift = journey.nodes.iter().enumerate().find(|(_, n)| matches!(n.kind, NodeKind::Holdout { .. })).map(|(i, n)| {
        let side = |port: &str| counts.branches.get(&(i, port.to_string())).map(|(n, c)| (*c, *n)).unwrap_or((0, 0));
        Uplift::new(&n.id, side("treated"), side("control"))
    });
    Report {
        journey: header.journey,
        seed: header.seed,
        customers: header.customers,
        days: header.days,
        totals: Totals::new(counts.customers_entered, counts.converted, counts.contacts, counts.cost, counts.value),
        nodes,
        edges,
        branches,
        holdout_uplift,
        contacts_by_channel: counts.contacts_by_channel,
        suppressions: counts.suppressions,
        deferred_for_quiet_hours: counts.deferred,
        contacts_per_customer: counts.contacts_per_customer,
        exits_by_reason: counts.exits_by_reason,
        daily: counts.daily,
        trace: None,
    }
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
