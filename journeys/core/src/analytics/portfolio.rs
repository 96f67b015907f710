//! Portfolio metrics across journey versions: CAC, activation rate, cross-sell ratio and churn
//! rate, from the same live reports (and the stored customer profiles' products).

use serde::{Deserialize, Serialize};

use crate::model::{Journey, NodeKind};
use crate::simulate::{round, Report};

/// The lifecycle stage a journey works in: its first trigger's stage.
pub fn journey_stage(journey: &Journey) -> Option<String> {
    journey.nodes.iter().find(|n| matches!(n.kind, NodeKind::Trigger(_))).and_then(|n| n.stage).map(|s| s.key().to_string())
}

/// One version's part in the portfolio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionTotals {
    pub journey_id: String,
    pub version: i64,
    pub stage: Option<String>,
    pub entered: u64,
    pub converted: u64,
    pub contacts: u64,
    pub cost: f64,
    pub value: f64,
}

/// Definitions (also in `journeys portfolio --help`):
/// - `cac`: cost of acquire-stage journeys ÷ their converted customers;
/// - `activation_rate`: converted ÷ entered in activate-stage journeys;
/// - `cross_sell_ratio`: products held per stored customer;
/// - `churn_rate`: customers of retain-stage journeys not retained (entered, not converted) ÷ entered.
///   Each is absent when its denominator is zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    pub from: String,
    pub to: String,
    pub versions: Vec<VersionTotals>,
    pub cost: f64,
    pub value: f64,
    pub roi: Option<f64>,
    pub cac: Option<f64>,
    pub activation_rate: Option<f64>,
    pub customers: u64,
    pub products: u64,
    pub cross_sell_ratio: Option<f64>,
    pub churn_rate: Option<f64>,
}

/// The portfolio of `versions` (each with its journey and report) and the products held by
/// each stored customer.
pub fn portfolio(from: &str, to: &str, versions: &[(i64, &Journey, &Report)], products_per_customer: &[u64]) -> Portfolio {
    let totals: Vec<VersionTotals> = versions
        .iter()
        .map(|(version, journey, report)| VersionTotals {
            journey_id: journey.id.clone(),
            version: *version,
            stage: journey_stage(journey),
            entered: report.totals.entered,
            converted: report.totals.converted,
            contacts: report.totals.contacts,
            cost: report.totals.cost,
            value: report.totals.value,
        })
        .collect();
    fn in_stage<'a>(totals: &'a [VersionTotals], stage: &'a str) -> impl Iterator<Item = &'a VersionTotals> {
        totals.iter().filter(move |t| t.stage.as_deref() == Some(stage))
    }
    let ratio = |a: f64, b: f64| (b > 0.0).then(|| round(a / b));
    let acquire_cost: f64 = in_stage(&totals, "acquire").map(|t| t.cost).sum();
    let acquired: u64 = in_stage(&totals, "acquire").map(|t| t.converted).sum();
    let (activated, onboarded) = in_stage(&totals, "activate").fold((0, 0), |(c, e), t| (c + t.converted, e + t.entered));
    let (retained, at_risk) = in_stage(&totals, "retain").fold((0, 0), |(c, e), t| (c + t.converted, e + t.entered));
    let cost: f64 = totals.iter().map(|t| t.cost).sum();
    let value: f64 = totals.iter().map(|t| t.value).sum();
    let products: u64 = products_per_customer.iter().sum();
    let customers = products_per_customer.len() as u64;
    Portfolio {
        from: from.into(),
        to: to.into(),
        cost: round(cost),
        value: round(value),
        roi: ratio(value - cost, cost),
        cac: ratio(acquire_cost, acquired as f64),
        activation_rate: ratio(activated as f64, onboarded as f64),
        customers,
        products,
        cross_sell_ratio: ratio(products as f64, customers as f64),
        churn_rate: ratio(at_risk.saturating_sub(retained) as f64, at_risk as f64),
        versions: totals,
    }
}
