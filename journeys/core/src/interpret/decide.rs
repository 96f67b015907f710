//! Next best action: eligibility (validity dates, contact policy, the Rhai rule) → weighting
//! (P × ΔCLV − C) → ranking by the objective with each offer's business lever, mandatory offers
//! first. One function, [`decide`], serves the interpreter (so the engine and the simulator),
//! the catalogue ([`CompiledOffers`]) and the benchmark.

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use super::CompiledJourney;
use crate::expr::{Condition, Context, ExprError, Memo};
use crate::kinds::Objective;
use crate::offers::within_validity;
use crate::settings::Offer;

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
    /// The business lever the objective's figure was multiplied by.
    #[serde(default = "one")]
    pub lever: f64,
    /// The objective's figure × lever: what the offer was ranked by (after mandatory first).
    #[serde(default)]
    pub priority: f64,
}

fn one() -> f64 {
    1.0
}

/// Why an offer was not considered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Exclusion {
    /// The decision names an offer the catalogue does not have.
    UnknownOffer,
    /// A catalogue offer the journey names has no approved version (yet, or any more).
    NotInCatalogue,
    /// Outside the offer's validity dates.
    OutOfValidity,
    /// The contact policy suppresses it: ignored `ignores` times in `window_days`.
    ContactPolicy { ignores: u32, window_days: u32 },
    /// The eligibility rule is false for this customer.
    NotEligible { rule: String },
    /// The eligibility rule failed for this customer (treated as not eligible).
    RuleFailed { message: String },
}

impl Exclusion {
    /// In words, for the customer page, `journeys explain` and the decision inspector.
    pub fn describe(&self) -> String {
        match self {
            Exclusion::NotEligible { rule } => format!("not eligible: the rule `{rule}` is false for this customer"),
            Exclusion::RuleFailed { message } => format!("not eligible: the rule failed ({message})"),
            Exclusion::ContactPolicy { ignores, window_days } => format!("suppressed by its contact policy: ignored {ignores} times in {window_days} days"),
            Exclusion::OutOfValidity => "outside its validity dates".to_string(),
            Exclusion::UnknownOffer => "the decision names it but no such offer exists".to_string(),
            Exclusion::NotInCatalogue => "a catalogue offer without an approved version".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    pub offer: String,
    #[serde(flatten)]
    pub why: Exclusion,
}

/// Everything a decision saw and chose: what the decision log keeps.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DecisionOutcome {
    pub chosen: Option<String>,
    /// Eligible offers, best first.
    pub ranking: Vec<RankedOffer>,
    /// Offers left out before ranking, in the order the decision lists them.
    pub excluded: Vec<Excluded>,
    /// Why the winner won (or why nothing was chosen), in words.
    pub reason: String,
}

/// Decide among `ids`: each is looked up (the offer and its compiled eligibility rule),
/// filtered (validity, contact policy against `ctx.offer_history()`, then the rule), weighed
/// and ranked.
pub fn decide<'a>(ids: &[String], lookup: impl Fn(&str) -> Result<(&'a Offer, Option<&'a Condition>), Exclusion>, objective: Objective, ctx: &mut Context) -> DecisionOutcome {
    let now = ctx.now();
    let mut ranking = Vec::with_capacity(ids.len());
    let mut excluded = Vec::new();
    // The rules of one decision read the same few attributes: look each up once.
    let mut memo = Memo::default();
    for id in ids {
        let (offer, rule) = match lookup(id) {
            Ok(found) => found,
            Err(why) => {
                excluded.push(Excluded { offer: id.clone(), why });
                continue;
            }
        };
        let why = if !within_validity(offer.valid_from, offer.valid_until, now) {
            Some(Exclusion::OutOfValidity)
        } else if let Some(policy) = offer.contact_policy.filter(|p| p.suppresses(&offer.id, ctx.offer_history(), now)) {
            Some(Exclusion::ContactPolicy { ignores: policy.ignores(&offer.id, ctx.offer_history(), now), window_days: policy.window_days })
        } else {
            match rule.map_or(Ok(true), |rule| rule.eval_bool_with(ctx, &mut memo)) {
                Ok(true) => None,
                Ok(false) => Some(Exclusion::NotEligible { rule: offer.eligibility.clone().unwrap_or_default() }),
                Err(e) => Some(Exclusion::RuleFailed { message: format!("offer '{}': {e}", offer.id) }),
            }
        };
        if let Some(why) = why {
            excluded.push(Excluded { offer: offer.id.clone(), why });
            continue;
        }
        let propensity = offer.propensity_score.as_deref().and_then(|score| memo.score(score, ctx)).unwrap_or(0.0);
        let value = offer.value_score.as_deref().and_then(|score| memo.score(score, ctx)).unwrap_or(offer.value);
        let mut ranked = weigh(&offer.id, propensity, value, offer.cost, offer.mandatory);
        ranked.lever = offer.lever.unwrap_or(1.0);
        ranked.priority = key(&ranked, objective) * ranked.lever;
        ranking.push(ranked);
    }
    ranking.sort_by(|a, b| b.mandatory.cmp(&a.mandatory).then(b.priority.total_cmp(&a.priority)).then_with(|| a.offer.cmp(&b.offer)));
    let reason = reason(&ranking, &excluded, objective);
    DecisionOutcome { chosen: ranking.first().map(|r| r.offer.clone()), ranking, excluded, reason }
}

/// The eligible offers among `offers` of a journey, best first for `objective`. An offer is
/// the journey's own, or one of its catalogue offers in the context's catalogue.
pub fn rank(journey: &CompiledJourney, offers: &[String], objective: Objective, ctx: &mut Context) -> DecisionOutcome {
    let catalogue = ctx.catalogue().cloned();
    decide(offers, |id| find_offer(journey, catalogue.as_deref(), id), objective, ctx)
}

/// Offer `id` as `journey` may use it, with its compiled eligibility rule: the journey's own
/// definition, else (when the journey names it from the catalogue) the catalogue's approved one.
pub fn find_offer<'a>(journey: &'a CompiledJourney, catalogue: Option<&'a CompiledOffers>, id: &str) -> Result<(&'a Offer, Option<&'a Condition>), Exclusion> {
    if let Some(own) = journey.journey().offers.iter().find(|o| o.id == id) {
        return Ok((own, journey.eligibility_rule(id)));
    }
    if !journey.journey().catalogue_offers.iter().any(|c| c == id) {
        return Err(Exclusion::UnknownOffer);
    }
    catalogue.and_then(|c| c.get(id)).ok_or(Exclusion::NotInCatalogue)
}

fn key(r: &RankedOffer, objective: Objective) -> f64 {
    match objective {
        Objective::Profit => r.profit,
        Objective::Return => r.return_on_cost,
        Objective::Propensity => r.propensity,
    }
}

fn objective_name(objective: Objective) -> &'static str {
    match objective {
        Objective::Profit => "profit",
        Objective::Return => "return",
        Objective::Propensity => "propensity",
    }
}

fn reason(ranking: &[RankedOffer], excluded: &[Excluded], objective: Objective) -> String {
    let name = objective_name(objective);
    let Some(winner) = ranking.first() else {
        return format!("no eligible offer ({} excluded)", excluded.len());
    };
    let mut text = if winner.mandatory {
        format!("{} is mandatory and goes before discretionary offers", winner.offer)
    } else {
        format!("{} has the highest {name} ({:.2})", winner.offer, winner.priority)
    };
    if let Some(next) = ranking.get(1) {
        let kind = if next.mandatory == winner.mandatory { "" } else { ", discretionary" };
        text.push_str(&format!("; next {} ({name} {:.2}{kind})", next.offer, next.priority));
    }
    text.push_str(&format!("; {} eligible, {} excluded", ranking.len(), excluded.len()));
    text
}

pub fn weigh(offer: &str, propensity: f64, value: f64, cost: f64, mandatory: bool) -> RankedOffer {
    let profit = propensity * value - cost;
    RankedOffer { offer: offer.into(), propensity, value, cost, profit, return_on_cost: profit / cost.max(0.01), mandatory, lever: 1.0, priority: profit }
}

/// A catalogue of offers with their eligibility rules compiled once, ready to decide.
#[derive(Debug, Clone, Default)]
pub struct CompiledOffers {
    offers: Vec<Offer>,
    /// Offer position by id (Fx: hashed on every offer of every decision).
    index: FxHashMap<String, usize>,
    rules: Vec<Option<Condition>>,
}

/// An offer whose eligibility rule does not compile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("offer '{offer}': eligibility: {error}")]
pub struct OfferRuleError {
    pub offer: String,
    pub error: ExprError,
}

impl CompiledOffers {
    pub fn new(offers: Vec<Offer>) -> Result<CompiledOffers, OfferRuleError> {
        let rules = offers
            .iter()
            .map(|o| o.eligibility.as_deref().map(Condition::compile).transpose().map_err(|error| OfferRuleError { offer: o.id.clone(), error }))
            .collect::<Result<Vec<_>, _>>()?;
        let index = offers.iter().enumerate().map(|(i, o)| (o.id.clone(), i)).collect();
        Ok(CompiledOffers { offers, index, rules })
    }

    pub fn offers(&self) -> &[Offer] {
        &self.offers
    }

    pub fn ids(&self) -> Vec<String> {
        self.offers.iter().map(|o| o.id.clone()).collect()
    }

    /// Offer `id` with its compiled eligibility rule.
    pub fn get(&self, id: &str) -> Option<(&Offer, Option<&Condition>)> {
        self.index.get(id).map(|&i| (&self.offers[i], self.rules[i].as_ref()))
    }

    /// Decide among `ids` of this catalogue.
    pub fn decide(&self, ids: &[String], objective: Objective, ctx: &mut Context) -> DecisionOutcome {
        decide(ids, |id| self.get(id).ok_or(Exclusion::UnknownOffer), objective, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Channel;
    use crate::offers::{ContactPolicy, OfferContact, Response};

    fn offer(id: &str, value: f64, cost: f64) -> Offer {
        Offer {
            id: id.into(),
            name: id.into(),
            product: String::new(),
            channel: Channel::Email,
            cost,
            value,
            propensity_score: Some(format!("p_{id}")),
            eligibility: None,
            mandatory: false,
            value_score: None,
            lever: None,
            contact_policy: None,
            valid_from: None,
            valid_until: None,
        }
    }

    /// The corrected worked example from the domain notes (customer XYZ, actions A–F; D's rule
    /// makes it ineligible), through the full decision with compiled eligibility rules.
    fn worked_example() -> (CompiledOffers, Context) {
        let rows = [("A", 0.03, 106.91, 0.50), ("B", 0.03, 152.55, 0.75), ("C", 0.08, -158.41, 0.05), ("D", 0.50, 999.0, 0.01), ("E", 0.05, 50.33, 0.05), ("F", 0.01, 312.18, 1.50)];
        let mut scores = rhai::Map::new();
        let mut offers = Vec::new();
        for (id, p, v, c) in rows {
            scores.insert(format!("p_{id}").into(), rhai::Dynamic::from(p));
            let mut o = offer(id, v, c);
            o.eligibility = Some(if id == "D" { "customer.segment == \"student\"".into() } else { "customer.segment != \"student\"".into() });
            offers.push(o);
        }
        let mut customer = rhai::Map::new();
        customer.insert("segment".into(), crate::expr::string("mass"));
        (CompiledOffers::new(offers).expect("rules compile"), Context::new(customer, scores, 0))
    }

    fn order(outcome: &DecisionOutcome) -> String {
        outcome.ranking.iter().map(|r| r.offer.as_str()).collect()
    }

    #[test]
    fn worked_example_ranks_as_documented() {
        let (catalogue, mut ctx) = worked_example();
        let ids = catalogue.ids();
        let by_return = catalogue.decide(&ids, Objective::Return, &mut ctx);
        assert_eq!(order(&by_return), "EABFC");
        assert_eq!(by_return.chosen.as_deref(), Some("E"));
        let by_profit = catalogue.decide(&ids, Objective::Profit, &mut ctx);
        assert_eq!(order(&by_profit), "BAEFC");
        assert_eq!(by_profit.chosen.as_deref(), Some("B"));
        // D is never considered: excluded by its rule, with the rule on record.
        assert_eq!(by_profit.excluded, vec![Excluded { offer: "D".into(), why: Exclusion::NotEligible { rule: "customer.segment == \"student\"".into() } }]);
        let a = by_profit.ranking.iter().find(|r| r.offer == "A").expect("A ranked");
        assert!((a.profit - 2.7073).abs() < 1e-3 && (a.return_on_cost - 5.4146).abs() < 1e-3, "{a:?}");
        assert!(by_profit.reason.starts_with("B has the highest profit (3.83); next A (profit 2.71)"), "{}", by_profit.reason);
    }

    #[test]
    fn mandatory_beats_discretionary_whatever_the_figures() {
        let (catalogue, mut ctx) = worked_example();
        let mut offers = catalogue.offers().to_vec();
        offers.iter_mut().filter(|o| o.id == "C").for_each(|o| o.mandatory = true);
        let catalogue = CompiledOffers::new(offers).expect("compiles");
        let outcome = catalogue.decide(&catalogue.ids(), Objective::Profit, &mut ctx);
        assert_eq!(order(&outcome), "CBAEF");
        assert!(outcome.reason.starts_with("C is mandatory"), "{}", outcome.reason);
    }

    #[test]
    fn levers_contact_policy_and_validity_exclude_or_reorder() {
        let (catalogue, mut ctx) = worked_example();
        let mut offers = catalogue.offers().to_vec();
        for o in offers.iter_mut() {
            match o.id.as_str() {
                "A" => o.lever = Some(2.0),                                                    // 2.71 × 2 beats B's 3.83
                "B" => o.contact_policy = Some(ContactPolicy { max_ignores: 3, window_days: 30 }),
                "E" => o.valid_until = Some(0),                                                  // expired at now = 0
                _ => {}
            }
        }
        let catalogue = CompiledOffers::new(offers).expect("compiles");
        let ids = catalogue.ids();
        assert_eq!(order(&catalogue.decide(&ids, Objective::Profit, &mut ctx)), "ABFC");
        ctx.set_offer_history((0..3).map(|i| OfferContact { offer: "B".into(), at: -i * 86_400_000, response: Response::Ignored }).collect());
        let outcome = catalogue.decide(&ids, Objective::Profit, &mut ctx);
        assert_eq!(order(&outcome), "AFC");
        assert!(outcome.excluded.contains(&Excluded { offer: "B".into(), why: Exclusion::ContactPolicy { ignores: 3, window_days: 30 } }));
        assert!(outcome.excluded.contains(&Excluded { offer: "E".into(), why: Exclusion::OutOfValidity }));
    }

    #[test]
    fn nothing_eligible_says_so() {
        let (catalogue, mut ctx) = worked_example();
        let outcome = catalogue.decide(&["D".into(), "Z".into()], Objective::Profit, &mut ctx);
        assert_eq!(outcome.chosen, None);
        assert_eq!(outcome.reason, "no eligible offer (2 excluded)");
        assert_eq!(outcome.excluded[1].why, Exclusion::UnknownOffer);
    }
}
