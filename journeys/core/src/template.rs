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
