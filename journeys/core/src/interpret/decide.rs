//! Next best action: eligibility → weighting (P × ΔCLV − C) → ranking by the objective,
//! mandatory offers first.

use serde::{Deserialize, Serialize};

use super::CompiledJourney;
use crate::expr::Context;
use crate::kinds::Objective;

/// An eligible offer with the figures it was ranked by, logged with every decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedOffer {
    pub offer: String,
    pub propensity: f64,
    pub value: f64,
    pub cost: f64,
    /// P × value − cost
    pub profit: f64,
    /// profit / cost (cost floored at 0.01 so free offers rank high, not infinite)
    #[serde(rename = "return")]
    pub return_on_cost: f64,
    pub mandatory: bool,
}

/// The eligible offers among `offers`, best first for `objective`.
pub fn rank(journey: &CompiledJourney, offers: &[String], objective: Objective, ctx: &mut Context) -> Vec<RankedOffer> {
    let mut ranked: Vec<RankedOffer> = offers
        .iter()
        .filter_map(|id| journey.journey().offers.iter().find(|o| &o.id == id))
        // An eligibility rule that fails for this customer makes the offer ineligible.
        .filter(|offer| journey.eligible(&offer.id, ctx).unwrap_or(false))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|offer| {
            let propensity = offer.propensity_score.as_deref().and_then(|score| ctx.score(score)).unwrap_or(0.0);
            weigh(&offer.id, propensity, offer.value, offer.cost, offer.mandatory)
        })
        .collect();
    ranked.sort_by(|a, b| {
        let key = |r: &RankedOffer| match objective {
            Objective::Profit => r.profit,
            Objective::Return => r.return_on_cost,
            Objective::Propensity => r.propensity,
        };
        b.mandatory.cmp(&a.mandatory).then(key(b).total_cmp(&key(a))).then_with(|| a.offer.cmp(&b.offer))
    });
    ranked
}

pub fn weigh(offer: &str, propensity: f64, value: f64, cost: f64, mandatory: bool) -> RankedOffer {
    let profit = propensity * value - cost;
    RankedOffer { offer: offer.into(), propensity, value, cost, profit, return_on_cost: profit / cost.max(0.01), mandatory }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The corrected worked example from the domain notes (customer XYZ, actions A–F; D is
    /// not eligible).
    #[test]
    fn worked_example_ranks_as_documented() {
        let rows = [("A", 0.03, 106.91, 0.50), ("B", 0.03, 152.55, 0.75), ("C", 0.08, -158.41, 0.05), ("E", 0.05, 50.33, 0.05), ("F", 0.01, 312.18, 1.50)];
        let weighed: Vec<RankedOffer> = rows.iter().map(|(id, p, v, c)| weigh(id, *p, *v, *c, false)).collect();
        let order = |key: fn(&RankedOffer) -> f64| {
            let mut w = weighed.clone();
            w.sort_by(|a, b| key(b).total_cmp(&key(a)));
            w.iter().map(|r| r.offer.clone()).collect::<Vec<_>>().join("")
        };
        assert_eq!(order(|r| r.return_on_cost), "EABFC");
        assert_eq!(order(|r| r.profit), "BAEFC");
        let a = &weighed[0];
        assert!((a.profit - 2.7073).abs() < 1e-3 && (a.return_on_cost - 5.4146).abs() < 1e-3, "{a:?}");
    }
}
