//! What each node kind does, its fields and its output ports.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    Push,
    InApp,
    Whatsapp,
    CallCentre,
    Branch,
    Webhook,
}

impl Channel {
    pub const ALL: [Channel; 8] = [
        Channel::Email,
        Channel::Sms,
        Channel::Push,
        Channel::InApp,
        Channel::Whatsapp,
        Channel::CallCentre,
        Channel::Branch,
        Channel::Webhook,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
            Channel::InApp => "in_app",
            Channel::Whatsapp => "whatsapp",
            Channel::CallCentre => "call_centre",
            Channel::Branch => "branch",
            Channel::Webhook => "webhook",
        }
    }

    pub fn from_key(key: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// How customers enter: exactly one of `event`, `segment`, `date_rule`, `audience` (rule J024).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// Enter when this event arrives, e.g. `salary_credit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Only events for which this Rhai expression is true (with `event`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Enter when this Rhai expression over the customer becomes true (segment entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// Enter on a date relative to a profile date, e.g. 30 days before `policy_renewal_date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_rule: Option<DateRule>,
    /// Enter every customer of an uploaded audience list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
}

impl Trigger {
    pub fn on_event(event: &str) -> Trigger {
        Trigger { event: Some(event.into()), ..Trigger::default() }
    }

    /// The entry kinds set, by name.
    pub fn entry_kinds(&self) -> Vec<&'static str> {
        let mut kinds = Vec::new();
        if self.event.is_some() {
            kinds.push("event");
        }
        if self.segment.is_some() {
            kinds.push("segment");
        }
        if self.date_rule.is_some() {
            kinds.push("date_rule");
        }
        if self.audience.is_some() {
            kinds.push("audience");
        }
        kinds
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DateRule {
    /// A date attribute of the customer (epoch ms), e.g. `policy_renewal_date`.
    pub attribute: String,
    /// Days relative to that date: `-30` is thirty days before.
    pub offset_days: i32,
    /// Local time of day to enter, `HH:MM` in the customer's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// How long to wait: exactly one of `duration`, `until_time`, `until_event` (+ `timeout`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Wait {
    /// A fixed pause: `30m`, `6h`, `3d`, `2w`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// Until the next occurrence of this local time of day, `HH:MM`, in the customer's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_time: Option<String>,
    /// Until this event arrives (port `event`) or `timeout` passes (port `timeout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
}

impl Wait {
    pub fn for_duration(duration: &str) -> Wait {
        Wait { duration: Some(duration.into()), ..Wait::default() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitBranch {
    pub name: String,
    pub percent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchCase {
    /// The output port this case leaves by.
    pub name: String,
    pub expression: String,
}

/// Consent purpose of a contact: marketing needs marketing consent; service messages need the
/// channel's service consent and may bypass marketing frequency caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Marketing,
    Service,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub channel: Channel,
    /// Message text or template reference.
    #[serde(default)]
    pub content: String,
    /// The consent purpose the contact relies on (rule J021).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// An offer from the journey's catalogue this contact presents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<String>,
    /// Cost of one contact, in the account currency.
    #[serde(default)]
    pub cost: f64,
    /// Mandatory (service, e.g. payment reminder) rather than discretionary.
    #[serde(default)]
    pub mandatory: bool,
}

/// What next best action ranks eligible offers by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// P × ΔCLV − C
    #[default]
    Profit,
    /// profit / C
    Return,
    /// P alone
    Propensity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Offer ids from the journey's `offers`; each is an output port, plus `none`.
    pub offers: Vec<String>,
    #[serde(default)]
    pub objective: Objective,
}

/// What a node does. The `kind` tag is flattened into the node object in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NodeKind {
    /// Entry point.
    Trigger(Trigger),
    /// Pause for a duration, until a local time, or until an event with a timeout.
    Wait(Wait),
    /// Branch on a boolean Rhai expression: ports `true`, `false`.
    Condition { expression: String },
    /// The first case whose expression is true, else `default`.
    Switch { cases: Vec<SwitchCase> },
    /// Random A/B/n split, sticky per customer; percentages sum to 100.
    Split { branches: Vec<SplitBranch> },
    /// Control group: `control_percent` of customers are recorded but never contacted.
    Holdout { control_percent: f64 },
    /// Next best action over offers: eligibility → P×V−C → rank.
    Decision(Decision),
    /// A contact on a channel.
    Action(Action),
    /// Set a profile attribute.
    Update { attribute: String, value: serde_json::Value },
    /// The conversion event the journey exists for.
    Goal { event: String },
    /// Leave the journey.
    Exit {},
}

/// Every node kind's name, in palette order.
pub const KIND_NAMES: &[&str] =
    &["trigger", "wait", "condition", "switch", "split", "holdout", "decision", "action", "update", "goal", "exit"];

impl NodeKind {
    pub fn name(&self) -> &'static str {
        match self {
            NodeKind::Trigger(_) => "trigger",
            NodeKind::Wait(_) => "wait",
            NodeKind::Condition { .. } => "condition",
            NodeKind::Switch { .. } => "switch",
            NodeKind::Split { .. } => "split",
            NodeKind::Holdout { .. } => "holdout",
            NodeKind::Decision(_) => "decision",
            NodeKind::Action(_) => "action",
            NodeKind::Update { .. } => "update",
            NodeKind::Goal { .. } => "goal",
            NodeKind::Exit {} => "exit",
        }
    }

    /// The named output ports, in drawing order.
    pub fn output_ports(&self) -> Vec<String> {
        match self {
            NodeKind::Condition { .. } => vec!["true".into(), "false".into()],
            NodeKind::Switch { cases } => {
                cases.iter().map(|c| c.name.clone()).chain(std::iter::once("default".to_string())).collect()
            }
            NodeKind::Split { branches } => branches.iter().map(|b| b.name.clone()).collect(),
            NodeKind::Holdout { .. } => vec!["treated".into(), "control".into()],
            NodeKind::Decision(d) => d.offers.iter().cloned().chain(std::iter::once("none".to_string())).collect(),
            NodeKind::Wait(w) if w.until_event.is_some() => vec!["event".into(), "timeout".into()],
            NodeKind::Exit {} => Vec::new(),
            _ => vec!["out".into()],
        }
    }

    /// Whether edges may come in: a trigger is an entry point and takes none.
    pub fn accepts_input(&self) -> bool {
        !matches!(self, NodeKind::Trigger(_))
    }

    pub fn ends_path(&self) -> bool {
        matches!(self, NodeKind::Goal { .. } | NodeKind::Exit {})
    }

    pub fn is_wait(&self) -> bool {
        matches!(self, NodeKind::Wait(_))
    }

    /// The Rhai expressions this node holds, as (field path, text), for checking.
    pub fn expressions(&self) -> Vec<(String, &str)> {
        match self {
            NodeKind::Trigger(t) => {
                let mut out = Vec::new();
                if let Some(f) = &t.filter {
                    out.push(("filter".to_string(), f.as_str()));
                }
                if let Some(s) = &t.segment {
                    out.push(("segment".to_string(), s.as_str()));
                }
                out
            }
            NodeKind::Condition { expression } => vec![("expression".into(), expression.as_str())],
            NodeKind::Switch { cases } => {
                cases.iter().enumerate().map(|(i, c)| (format!("cases[{i}].expression"), c.expression.as_str())).collect()
            }
            _ => Vec::new(),
        }
    }
}
