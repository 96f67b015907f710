//! Journey analytics: the report of a live (or past) journey version from the counts the engine
//! records, built as the very `simulate::Report` the simulator produces (same code:
//! `simulate::assemble`), so a simulated and a live run of a version compare side by side.
//! Also the funnel per node and per lifecycle stage, A/B/n significance tests, the portfolio
//! metrics and the CSV export. Pure: the store reads the rows, this turns them into reports.

mod export;
mod portfolio;
mod significance;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

pub use export::{csv_rows, parse_csv, portfolio_csv, portfolio_rows, to_csv, CsvRow};
pub use portfolio::{journey_stage, portfolio, Portfolio, VersionTotals};
pub use significance::{ab_tests, chi_square_test, two_proportion_z, AbTest, ChiSquare};

use crate::model::{Journey, NodeKind};
use crate::simulate::{assemble, Counts, Day, Header, Report};

pub const DAY_MS: i64 = 86_400_000;

/// The names of the counters the engine keeps per (journey, version, UTC day, metric, k1, k2).
pub mod metric {
    /// Visits arriving at node `k1` (entries at a trigger).
    pub const NODE_ENTERED: &str = "node_entered";
    /// Customers leaving the journey at node `k1`.
    pub const NODE_EXITED: &str = "node_exited";
    /// Goal node `k1` reached.
    pub const GOAL: &str = "goal";
    /// Passages from node `k1` by port `k2`.
    pub const EDGE: &str = "edge";
    /// Customers who first left branching node `k1` by port `k2` on this day.
    pub const BRANCH_CUSTOMERS: &str = "branch_customers";
    /// Of those (same day: the day they took the port), the ones who converted, whenever.
    pub const BRANCH_CONVERTED: &str = "branch_converted";
    /// Customers entering the version for the first time.
    pub const CUSTOMERS: &str = "customers";
    /// Customers converting (the goal event within the window after their latest entry).
    pub const CONVERTED: &str = "converted";
    /// Attributed value of conversions (the last sent offer's value), in millionths.
    pub const VALUE_MICROS: &str = "value_micros";
    /// Contacts sent on channel `k1`.
    pub const SENT: &str = "sent";
    /// Cost of the contacts sent, in millionths.
    pub const COST_MICROS: &str = "cost_micros";
    /// Contacts suppressed for reason `k1`.
    pub const SUPPRESSED: &str = "suppressed";
    /// Contacts deferred for quiet hours.
    pub const DEFERRED: &str = "deferred";
    /// Exits for reason `k1` (completed, exit_event, expression_failed, stuck).
    pub const EXIT: &str = "exit";
    /// Customers (by the day of their first entry) who have received `k1` contacts so far.
    pub const CONTACTS_HISTOGRAM: &str = "contacts_per_customer";
}

/// One counter row as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupRow {
    /// UTC day number (epoch ms / 86,400,000).
    pub day: i64,
    pub metric: String,
    pub k1: String,
    pub k2: String,
    pub n: i64,
}

/// The UTC day number of an instant.
pub fn day_of(at_ms: i64) -> i64 {
    at_ms.div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a UTC day number.
pub fn date_of_day(day: i64) -> String {
    chrono::DateTime::from_timestamp(day.saturating_mul(86_400), 0).map(|t| t.date_naive().to_string()).unwrap_or_default()
}

/// The UTC day number of `YYYY-MM-DD`.
pub fn day_of_date(date: &str) -> Option<i64> {
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp().div_euclid(86_400))
}

/// The event this journey exists for: the goal setting's, else the first goal node's (the
/// simulator's rule).
pub fn goal_event(journey: &Journey) -> Option<&str> {
    journey.settings.goal.as_ref().map(|g| g.event.as_str()).or_else(|| {
        journey.nodes.iter().find_map(|n| match &n.kind {
            NodeKind::Goal { event } => Some(event.as_str()),
            _ => None,
        })
    })
}

/// Whether a goal event at `at` converts a customer whose latest entry was at `entered_at`
/// (inside the goal window; no window means any time after entry), as the simulator counts.
pub fn converts(journey: &Journey, entered_at: i64, at: i64) -> bool {
    let window = journey.settings.goal.as_ref().and_then(|g| crate::validate::parse_duration_minutes(&g.window));
    at >= entered_at && window.is_none_or(|m| at - entered_at <= m as i64 * 60_000)
}

/// Kinds whose ports are compared by conversion (as the simulator does).
pub fn is_branching(kind: &NodeKind) -> bool {
    matches!(kind, NodeKind::Split { .. } | NodeKind::Holdout { .. } | NodeKind::Switch { .. } | NodeKind::Condition { .. } | NodeKind::Decision(_))
}

/// A journey version's report over a range of days, with what only a live run has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveReport {
    pub journey_id: String,
    pub version: i64,
    /// First and last UTC day covered (`YYYY-MM-DD`, inclusive); `report.daily[0]` is `from`.
    /// Both empty when nothing has been recorded and no range was asked for.
    pub from: String,
    pub to: String,
    /// The same type the simulator produces (`seed` is 0; `customers` = customers entered).
    pub report: Report,
    pub funnel: Funnel,
    pub ab_tests: Vec<AbTest>,
}

/// The live report of `journey` (version `version`) from its counter rows, over the UTC days
/// `from_day..=to_day` (each bound defaults to the first/last day with data). Customers still
/// waiting are counted over all time, whatever the range.
pub fn live_report(journey: &Journey, version: i64, rows: &[RollupRow], from_day: Option<i64>, to_day: Option<i64>) -> LiveReport {
    let first = from_day.or_else(|| rows.iter().map(|r| r.day).min()).unwrap_or(0);
    let last = to_day.or_else(|| rows.iter().map(|r| r.day).max()).unwrap_or(first).max(first);
    // Nothing recorded and no range asked for: no days at all (not one day in 1970).
    let nothing = rows.is_empty() && from_day.is_none() && to_day.is_none();
    let days = if nothing { 0 } else { u32::try_from(last - first + 1).unwrap_or(u32::MAX).min(crate::simulate::MAX_DAYS) };
    let node_at: HashMap<&str, usize> = journey.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let edge_at: HashMap<(&str, &str), usize> = journey.edges.iter().enumerate().map(|(i, e)| ((e.from.as_str(), e.port.as_str()), i)).collect();
    let triggers: Vec<bool> = journey.nodes.iter().map(|n| matches!(n.kind, NodeKind::Trigger(_))).collect();
    let mut counts = Counts::for_journey(journey);
    counts.daily = (0..days).map(|day| Day { day, ..Day::default() }).collect();
    // All-time balance per node: arrivals − departures − exits = still there.
    let mut balance = vec![0_i64; journey.nodes.len()];
    let (mut cost, mut value) = (0_i64, 0_i64);
    for row in rows {
        let n = u64::try_from(row.n).unwrap_or(0);
        let node = node_at.get(row.k1.as_str()).copied();
        match row.metric.as_str() {
            metric::NODE_ENTERED => node.iter().for_each(|&i| balance[i] += row.n),
            metric::NODE_EXITED => node.iter().for_each(|&i| balance[i] -= row.n),
            metric::EDGE => node.iter().for_each(|&i| balance[i] -= row.n),
            _ => {}
        }
        if row.day < first || row.day > last {
            continue;
        }
        let day = usize::try_from(row.day - first).ok().and_then(|d| counts.daily.get_mut(d));
        match row.metric.as_str() {
            metric::NODE_ENTERED => {
                if let Some(i) = node {
                    counts.entered[i] += n;
                    if triggers[i] {
                        day.into_iter().for_each(|d| d.entered += n);
                    }
                }
            }
            metric::NODE_EXITED => node.iter().for_each(|&i| counts.exited[i] += n),
            metric::GOAL => node.iter().for_each(|&i| counts.goals[i] += n),
            metric::EDGE => {
                if let Some(&e) = edge_at.get(&(row.k1.as_str(), row.k2.as_str())) {
                    counts.edges[e] += n;
                }
            }
            metric::BRANCH_CUSTOMERS | metric::BRANCH_CONVERTED => {
                if let Some(i) = node {
                    let entry = counts.branches.entry((i, row.k2.clone())).or_default();
                    if row.metric == metric::BRANCH_CUSTOMERS {
                        entry.0 += n;
                    } else {
                        entry.1 += n;
                    }
                }
            }
            metric::CUSTOMERS => counts.customers_entered += n,
            metric::CONVERTED => {
                counts.converted += n;
                day.into_iter().for_each(|d| d.conversions += n);
            }
            metric::VALUE_MICROS => value += row.n,
            metric::SENT => {
                counts.contacts += n;
                *counts.contacts_by_channel.entry(row.k1.clone()).or_default() += n;
                day.into_iter().for_each(|d| d.contacts += n);
            }
            metric::COST_MICROS => cost += row.n,
            metric::SUPPRESSED => *counts.suppressions.entry(row.k1.clone()).or_default() += n,
            metric::DEFERRED => counts.deferred += n,
            metric::EXIT => {
                *counts.exits_by_reason.entry(row.k1.clone()).or_default() += n;
                day.into_iter().for_each(|d| d.exits += n);
            }
            metric::CONTACTS_HISTOGRAM => {
                if let Ok(k) = row.k1.parse::<u32>() {
                    *counts.contacts_per_customer.entry(k).or_default() += n;
                }
            }
            _ => {}
        }
    }
    counts.contacts_per_customer.retain(|_, n| *n > 0);
    counts.waiting = balance.iter().map(|b| u64::try_from(*b).unwrap_or(0)).collect();
    counts.cost = cost as f64 / 1e6;
    counts.value = value as f64 / 1e6;
    let header = Header { journey: journey.id.clone(), seed: 0, customers: counts.customers_entered, days };
    let report = assemble(journey, header, counts);
    LiveReport {
        journey_id: journey.id.clone(),
        version,
        from: if nothing { String::new() } else { date_of_day(first) },
        to: if nothing { String::new() } else { date_of_day(first + i64::from(days) - 1) },
        funnel: funnel(journey, &report),
        ab_tests: ab_tests(journey, &report),
        report,
    }
}

/// One row of a funnel: a node or a lifecycle stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelRow {
    /// Node id or stage key.
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Arrivals (at a stage: entries at its triggers plus passages into it from another stage).
    pub entered: u64,
    /// Passages onward (at a stage: into another stage).
    pub progressed: u64,
    /// Left the journey here other than at an exit node (exit events, failures, stuck).
    pub dropped: u64,
    /// Goal nodes reached.
    pub converted: u64,
    pub waiting: u64,
}

/// Step-level and stage-level funnel of a report (simulated or live).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funnel {
    pub nodes: Vec<FunnelRow>,
    pub stages: Vec<FunnelRow>,
}

pub fn funnel(journey: &Journey, report: &Report) -> Funnel {
    let stage_of: HashMap<&str, Option<String>> = journey.nodes.iter().map(|n| (n.id.as_str(), n.stage.map(|s| s.key().to_string()))).collect();
    let kind_of: HashMap<&str, &NodeKind> = journey.nodes.iter().map(|n| (n.id.as_str(), &n.kind)).collect();
    let mut out_flow: HashMap<&str, u64> = HashMap::new();
    for e in &report.edges {
        *out_flow.entry(e.from.as_str()).or_default() += e.flow;
    }
    let nodes: Vec<FunnelRow> = report
        .nodes
        .iter()
        .map(|n| {
            let is_exit = matches!(kind_of.get(n.id.as_str()), Some(NodeKind::Exit { .. }));
            FunnelRow {
                key: n.id.clone(),
                stage: n.stage.clone(),
                entered: n.entered,
                progressed: out_flow.get(n.id.as_str()).copied().unwrap_or(0),
                dropped: if is_exit { 0 } else { n.exited },
                converted: n.goals,
                waiting: n.waiting,
            }
        })
        .collect();
    let mut stages: BTreeMap<String, FunnelRow> = BTreeMap::new();
    for n in &nodes {
        let Some(stage) = &n.stage else { continue };
        let row = stages.entry(stage.clone()).or_insert_with(|| FunnelRow { key: stage.clone(), ..FunnelRow::default() });
        row.dropped += n.dropped;
        row.converted += n.converted;
        row.waiting += n.waiting;
        if matches!(kind_of.get(n.key.as_str()), Some(NodeKind::Trigger(_))) {
            row.entered += n.entered;
        }
    }
    for e in &report.edges {
        let (from, to) = (stage_of.get(e.from.as_str()).cloned().flatten(), stage_of.get(e.to.as_str()).cloned().flatten());
        if from != to {
            if let Some(row) = from.and_then(|s| stages.get_mut(&s)) {
                row.progressed += e.flow;
            }
            if let Some(row) = to.and_then(|s| stages.get_mut(&s)) {
                row.entered += e.flow;
            }
        }
    }
    // Stages in lifecycle order, as the canvas draws them.
    let order = |key: &str| ["acquire", "activate", "cross_sell", "retain", "reactivate"].iter().position(|s| *s == key).unwrap_or(usize::MAX);
    let mut stages: Vec<FunnelRow> = stages.into_values().collect();
    stages.sort_by_key(|s| order(&s.key));
    Funnel { nodes, stages }
}
