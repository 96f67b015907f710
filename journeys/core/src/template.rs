//! Gallery metadata carried by the journey templates in `templates/`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::{Journey, Stage};

/// What the gallery shows about a template, and what its corpus test holds it to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateInfo {
    /// The lifecycle stage the gallery files it under.
    pub stage: Stage,
    pub industry: Industry,
    /// The use case from the catalogue, e.g. "Loan application abandonment".
    pub use_case: String,
    /// The KPI the journey moves, e.g. "Activation rate within 30 days".
    pub kpi: String,
    /// Goal conversion (converted / entered) expected on 10,000 seeded sample customers over 90 days
    /// with the default scenario; the corpus test fails outside it.
    pub expected_conversion: ConversionRange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Industry {
    Banking,
    Cards,
    Insurance,
}

impl Industry {
    pub const ALL: [Industry; 3] = [Industry::Banking, Industry::Cards, Industry::Insurance];

    pub fn key(self) -> &'static str {
        match self {
            Industry::Banking => "banking",
            Industry::Cards => "cards",
            Industry::Insurance => "insurance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Industry::Banking => "Banking",
            Industry::Cards => "Cards",
            Industry::Insurance => "Insurance",
        }
    }
}

/// A closed range of conversion rates, as fractions of customers entered.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversionRange {
    pub min: f64,
    pub max: f64,
}

impl ConversionRange {
    pub fn contains(&self, rate: f64) -> bool {
        self.min <= rate && rate <= self.max
    }
}

/// A new draft from a template: the given id, no gallery metadata.
pub fn instantiate(template: &Journey, new_id: &str) -> Journey {
    let mut draft = template.clone();
    draft.id = new_id.to_string();
    draft.template = None;
    draft
}

/// What a journey needs from the bank's systems: the event types it listens for and the
/// customer attributes and scores its rules read. Shown on gallery cards.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Requirements {
    pub events: std::collections::BTreeSet<String>,
    /// `customer.NAME` attributes read by triggers, conditions, switches and offer eligibility.
    pub attributes: std::collections::BTreeSet<String>,
    /// `scores.NAME` model scores read, including offers' propensity scores.
    pub scores: std::collections::BTreeSet<String>,
}

pub fn requirements(journey: &Journey) -> Requirements {
    use crate::model::NodeKind;
    let mut needs = Requirements::default();
    let mut expressions: Vec<&str> = Vec::new();
    for node in &journey.nodes {
        match &node.kind {
            NodeKind::Trigger(t) => {
                needs.events.extend(t.event.clone());
                needs.attributes.extend(t.date_rule.as_ref().map(|rule| rule.attribute.clone()));
            }
            NodeKind::Wait(w) => needs.events.extend(w.until_event.clone()),
            NodeKind::Goal { event } => {
                needs.events.insert(event.clone());
            }
            _ => {}
        }
        expressions.extend(node.kind.expressions().into_iter().map(|(_, e)| e));
    }
    needs.events.extend(journey.settings.exit_on_events.iter().cloned());
    needs.events.extend(journey.settings.goal.as_ref().map(|g| g.event.clone()));
    for offer in &journey.offers {
        expressions.extend(offer.eligibility.as_deref());
        needs.scores.extend(offer.propensity_score.clone());
    }
    for expression in expressions {
        needs.attributes.extend(names_after(expression, "customer."));
        needs.scores.extend(names_after(expression, "scores."));
    }
    needs.events.retain(|e| !e.is_empty());
    needs
}

/// The identifiers that follow `prefix` in an expression (`customer.segment` → `segment`).
fn names_after<'a>(expression: &'a str, prefix: &'a str) -> impl Iterator<Item = String> + 'a {
    expression.match_indices(prefix).filter_map(move |(at, _)| {
        // Not part of a longer name (`mycustomer.x`).
        let before = expression[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            return None;
        }
        let rest = &expression[at + prefix.len()..];
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        (!name.is_empty()).then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_list_events_attributes_and_scores() {
        let journey = crate::catalog::template("churn-early-warning").expect("template");
        let needs = requirements(&journey);
        assert!(needs.events.contains("churn_score_drop"), "{needs:?}");
        assert!(needs.scores.contains("churn"), "{needs:?}");
        assert!(!needs.attributes.is_empty(), "{needs:?}");
        let renewals = requirements(&crate::catalog::template("policy-renewal-reminders").expect("template"));
        assert!(renewals.attributes.contains("policy_renewal_date"), "a date rule reads its attribute: {renewals:?}");
        let names: Vec<_> = names_after("customer.segment == \"hni\" && mycustomer.x > 1 && customer.age_band", "customer.").collect();
        assert_eq!(names, vec!["segment".to_string(), "age_band".to_string()]);
    }

    #[test]
    fn instantiating_drops_gallery_metadata_and_renames() {
        let t = crate::catalog::template("credit-card-activation").expect("template");
        assert!(t.template.is_some());
        let draft = instantiate(&t, "mine");
        assert_eq!((draft.id.as_str(), draft.template.is_none(), draft.nodes.len()), ("mine", true, t.nodes.len()));
    }
}
