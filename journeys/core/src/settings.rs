//! Journey-level settings and the offers catalogue used by decision nodes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kinds::Channel;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub entry: EntryPolicy,
    /// Leave the journey when any of these events arrives (e.g. `unsubscribed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exit_on_events: Vec<String>,
    /// The conversion the journey is measured by, with its attribution window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<GoalSetting>,
    /// Higher wins when two journeys want to contact the same customer in one window.
    #[serde(default = "default_priority")]
    pub priority: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<QuietHours>,
    /// Caps that tighten the global ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frequency_caps: Vec<FrequencyCap>,
    /// Customer attributes this journey relies on beyond the standard profile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeDecl>,
    /// Event types this journey relies on beyond the standard ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
}

fn default_priority() -> u32 {
    50
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            entry: EntryPolicy::default(),
            exit_on_events: Vec::new(),
            goal: None,
            priority: default_priority(),
            quiet_hours: None,
            frequency_caps: Vec::new(),
            attributes: Vec::new(),
            events: Vec::new(),
        }
    }
}

/// May a customer enter more than once?
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "policy", rename_all = "snake_case", deny_unknown_fields)]
pub enum EntryPolicy {
    #[default]
    OnceEver,
    ReenterAfter { days: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalSetting {
    pub event: String,
    /// How long after entry a goal event still counts, e.g. `30d`.
    pub window: String,
}

/// No contact between `start` and `end` (local `HH:MM`, may wrap midnight) on these channels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    pub start: String,
    pub end: String,
    /// Empty means every channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrequencyCap {
    /// `None` caps all channels together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    pub max: u32,
    /// The rolling window, e.g. `1d`, `1w`.
    pub per: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttributeType {
    String,
    Int,
    Float,
    Bool,
    /// Epoch milliseconds.
    Date,
    List,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeDecl {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AttributeType,
}

/// An offer next best action can choose: `profit = P × value − cost`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    pub id: String,
    pub name: String,
    /// The product it sells or the service it performs.
    #[serde(default)]
    pub product: String,
    pub channel: Channel,
    /// Cost of making the offer once.
    #[serde(default)]
    pub cost: f64,
    /// Expected change in customer lifetime value on acceptance (ΔCLV).
    #[serde(default)]
    pub value: f64,
    /// The score giving the acceptance propensity, e.g. `cross_sell_credit_card`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propensity_score: Option<String>,
    /// Rhai expression; the offer is considered only when true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<String>,
    #[serde(default)]
    pub mandatory: bool,
    /// The score giving ΔCLV (a value model); when the customer has it, it replaces `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_score: Option<String>,
    /// Business lever: multiplies the ranking key of this offer (1 when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lever: Option<f64>,
    /// Suppress the offer after this many ignores in a window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_policy: Option<crate::offers::ContactPolicy>,
    /// First instant (epoch ms) the offer may be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<i64>,
    /// Instant (epoch ms) from which the offer may no longer be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<i64>,
}
