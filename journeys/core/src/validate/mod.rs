//! Validation: a registry of small named rules run over the journey. Every rule runs, and
//! every diagnostic is returned, never just the first. The same code runs in the canvas
//! (wasm), in `journeys validate` and at submit.

mod expressions;
mod fields;
mod graph;

use serde::{Deserialize, Serialize};

use crate::model::{Journey, NodeKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One finding: what is wrong, where (node, edge, field), and what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub hint: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edge_ids: Vec<String>,
    /// The field within the node (or `settings.…`, `offers[i].…`) the finding is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A validation rule as listed by `journeys rules`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub rationale: &'static str,
}

const fn rule(code: &'static str, name: &'static str, severity: Severity, rationale: &'static str) -> Rule {
    Rule { code, name, severity, rationale }
}

use Severity::{Error, Warning};

pub const UNSUPPORTED_VERSION: Rule = rule("J001", "unsupported-format-version", Error, "A file from another format version may mean something else; it is refused, not guessed at.");
pub const DUPLICATE_NODE_ID: Rule = rule("J002", "duplicate-node-id", Error, "Edges, audit records and traces refer to nodes by id, so an id must name one node.");
pub const EDGE_UNKNOWN_NODE: Rule = rule("J003", "edge-unknown-node", Error, "An edge to or from a node that does not exist would lose customers at run time.");
pub const EDGE_UNKNOWN_PORT: Rule = rule("J004", "edge-unknown-port", Error, "Customers leave a node through its named ports; an edge from another port is never taken.");
pub const NO_TRIGGER: Rule = rule("J005", "no-trigger", Error, "Without a trigger no customer can ever enter the journey.");
pub const UNREACHABLE_NODE: Rule = rule("J006", "unreachable-node", Error, "A step no customer can reach is dead design that reviewers would still have to approve.");
pub const DANGLING_PORT: Rule = rule("J007", "dangling-port", Error, "A customer leaving through an unconnected port would be stranded mid-journey.");
pub const PORT_CONNECTED_TWICE: Rule = rule("J008", "port-connected-twice", Error, "A port leads to exactly one next step; two edges make the path ambiguous.");
pub const CYCLE_WITHOUT_WAIT: Rule = rule("J009", "cycle-without-wait", Error, "A loop with no wait on it would contact a customer endlessly within one instant.");
pub const NO_WAY_OUT: Rule = rule("J010", "no-way-out", Error, "Every path must end in a goal or an exit, or customers stay in the journey forever.");
pub const MISSING_STAGE: Rule = rule("J011", "missing-stage", Warning, "Stage tags drive the canvas frames and the per-stage funnel reports.");
pub const SPLIT_PERCENT: Rule = rule("J012", "split-percentages", Error, "Split branches must share out every customer: percentages sum to exactly 100.");
pub const TRIGGER_HAS_INPUT: Rule = rule("J013", "trigger-has-input", Error, "A trigger is an entry point; an edge into it would silently re-enter customers.");
pub const REQUIRED_FIELD: Rule = rule("J014", "required-field", Error, "Triggers, goals, conditions and updates mean nothing without their event, expression or attribute.");
pub const BAD_DURATION: Rule = rule("J015", "bad-duration-or-time", Error, "Durations are a number and a unit (30m, 6h, 3d, 2w); times of day are HH:MM.");
pub const HOLDOUT_SHARE: Rule = rule("J016", "holdout-share", Error, "A control group must exist (above 0 %) and leave most customers treated (at most 50 %).");
pub const EXPRESSION_INVALID: Rule = rule("J017", "expression-invalid", Error, "An expression that does not compile, or runs away, would fail for every customer at run time.");
pub const UNKNOWN_ATTRIBUTE: Rule = rule("J018", "unknown-attribute", Error, "An attribute the profile does not have reads as nothing, silently sending everyone down one branch.");
pub const NOT_BOOLEAN: Rule = rule("J019", "not-boolean", Error, "A condition must give true or false; anything else is a design error.");
pub const UNBOUNDED_WAIT: Rule = rule("J020", "unbounded-wait", Error, "A wait needs exactly one bound (duration, time of day, or event with timeout) or customers may wait forever.");
pub const CONSENT_PURPOSE: Rule = rule("J021", "consent-purpose", Error, "Every contact names the consent purpose it relies on; mandatory contacts are service, never marketing.");
pub const DECISION_OFFERS: Rule = rule("J022", "decision-offers", Error, "Next best action can only choose among offers that exist in the journey's catalogue.");
pub const GOAL_IMPOSSIBLE: Rule = rule("J023", "goal-never-possible", Error, "A goal on an event the platform never receives can never convert, so results would read zero.");
pub const TRIGGER_ENTRY: Rule = rule("J024", "trigger-entry-kind", Error, "A trigger enters customers one way: an event, a segment, a date rule or an audience, exactly one.");
pub const PORT_NAMES: Rule = rule("J025", "port-names", Error, "Branch, case and offer names are port names: unique, non-empty, not `default` or `none`.");
pub const BAD_SETTINGS: Rule = rule("J026", "bad-settings", Error, "Caps, re-entry periods and offers must be usable as written.");
pub const FIELD_TOO_LONG: Rule = rule("J027", "field-too-long", Error, "Oversized labels and content are mistakes (or abuse) that would bloat every trace and message.");
pub const UNKNOWN_EVENT: Rule = rule("J028", "unknown-event", Warning, "An event type the platform does not know may never arrive; declare it in settings.events if it will.");
pub const CONTROL_CHARACTER: Rule = rule("J029", "control-character", Error, "Ids, labels and content become database text, logs and messages; a NUL cannot be stored and control characters hide in them.");

/// Every rule, in the order diagnostics are reported.
pub const RULES: &[Rule] = &[
    UNSUPPORTED_VERSION,
    DUPLICATE_NODE_ID,
    EDGE_UNKNOWN_NODE,
    EDGE_UNKNOWN_PORT,
    NO_TRIGGER,
    UNREACHABLE_NODE,
    DANGLING_PORT,
    PORT_CONNECTED_TWICE,
    CYCLE_WITHOUT_WAIT,
    NO_WAY_OUT,
    MISSING_STAGE,
    SPLIT_PERCENT,
    TRIGGER_HAS_INPUT,
    REQUIRED_FIELD,
    BAD_DURATION,
    HOLDOUT_SHARE,
    EXPRESSION_INVALID,
    UNKNOWN_ATTRIBUTE,
    NOT_BOOLEAN,
    UNBOUNDED_WAIT,
    CONSENT_PURPOSE,
    DECISION_OFFERS,
    GOAL_IMPOSSIBLE,
    TRIGGER_ENTRY,
    PORT_NAMES,
    BAD_SETTINGS,
    FIELD_TOO_LONG,
    UNKNOWN_EVENT,
    CONTROL_CHARACTER,
];

impl Rule {
    pub(crate) fn at(&self, nodes: &[&str], message: String, hint: &str) -> Diagnostic {
        Diagnostic {
            code: self.code.into(),
            severity: self.severity,
            message,
            hint: hint.into(),
            node_ids: nodes.iter().map(|s| s.to_string()).collect(),
            edge_ids: Vec::new(),
            field: None,
        }
    }

    pub(crate) fn at_edge(&self, edge: &str, nodes: &[&str], message: String, hint: &str) -> Diagnostic {
        Diagnostic { edge_ids: vec![edge.to_string()], ..self.at(nodes, message, hint) }
    }

    pub(crate) fn at_field(&self, node: Option<&str>, field: &str, message: String, hint: &str) -> Diagnostic {
        let nodes: Vec<&str> = node.into_iter().collect();
        Diagnostic { field: Some(field.to_string()), ..self.at(&nodes, message, hint) }
    }
}

/// Validate against the bank's customer schema: its attributes are known with their types,
/// an attribute the journey declares in `settings.attributes` must be one of them (a profile
/// never carries any other) with the same type, and an update step's value must fit the
/// schema attribute it sets. With an empty schema this is `validate`.
pub fn validate_with(journey: &Journey, schema: &crate::customer_schema::CustomerSchema) -> Vec<Diagnostic> {
    let (effective, mut out) = effective(journey, schema);
    out.extend(validate(&effective));
    out.sort_by_key(|d| RULES.iter().position(|r| r.code == d.code));
    out
}

/// The journey as it runs against `schema`: the schema's attributes declared (with their
/// expression types) and update steps' values in stored form (a date as epoch ms), with the
/// findings only the schema can make. `CompiledJourney::with_schema` compiles this journey.
pub(crate) fn effective(journey: &Journey, schema: &crate::customer_schema::CustomerSchema) -> (Journey, Vec<Diagnostic>) {
    let mut effective = journey.clone();
    let mut out = Vec::new();
    if schema.attributes.is_empty() && schema.aggregates.is_empty() {
        return (effective, out);
    }
    for (i, declared) in journey.settings.attributes.iter().enumerate() {
        let field = format!("settings.attributes[{i}]");
        match schema.expression_type(&declared.name) {
            None if crate::vocabulary::CUSTOMER_ATTRIBUTES.iter().all(|(n, _)| *n != declared.name) => out.push(UNKNOWN_ATTRIBUTE.at_field(
                None,
                &field,
                format!("settings.attributes declares {}, which the customer schema does not have: no profile carries it", declared.name),
                "add it to the customer schema (journeys attributes apply), or read an attribute the schema has",
            )),
            Some(kind) if kind != declared.kind => out.push(UNKNOWN_ATTRIBUTE.at_field(
                None,
                &field,
                format!("settings.attributes declares {} as {:?}, but the customer schema has it as {:?}", declared.name, declared.kind, kind),
                "declare it with the schema's type, or drop the declaration",
            )),
            _ => {}
        }
    }
    let declared = schema.attributes.iter().map(|a| (a.name.clone(), a.kind.expression_type())).chain(schema.aggregates.iter().map(|a| (a.name.clone(), a.expression_type())));
    for (name, kind) in declared {
        effective.settings.attributes.retain(|d| d.name != name);
        effective.settings.attributes.push(crate::settings::AttributeDecl { name, kind });
    }
    for node in &mut effective.nodes {
        if let NodeKind::Update { attribute, value } = &mut node.kind {
            if schema.attribute(attribute).is_some() {
                match schema.convert(attribute, value) {
                    Ok(stored) => *value = stored.unwrap_or(serde_json::Value::Null),
                    Err(e) => out.push(UNKNOWN_ATTRIBUTE.at_field(Some(&node.id), "value", format!("update '{}' sets {e}", node.id), "give a value of the attribute's type")),
                }
            }
        }
    }
    (effective, out)
}

/// Run every rule and return all diagnostics, errors and warnings, in rule order.
pub fn validate(journey: &Journey) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    graph::check(journey, &mut out);
    fields::check(journey, &mut out);
    expressions::check(journey, &mut out);
    // Stable: within a rule, diagnostics keep the order the rule found them in (file order).
    out.sort_by_key(|d| RULES.iter().position(|r| r.code == d.code));
    out
}

/// `30m`, `6h`, `3d`, `2w` → minutes. Zero and missing numbers are refused.
pub fn parse_duration_minutes(text: &str) -> Option<u64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let number: u64 = text[..text.len() - unit.len_utf8()].trim().parse().ok()?;
    let per_unit = match unit {
        'm' => 1,
        'h' => 60,
        'd' => 60 * 24,
        'w' => 60 * 24 * 7,
        _ => return None,
    };
    (number > 0).then(|| number.checked_mul(per_unit)).flatten()
}

/// `HH:MM` (24-hour) → minutes after midnight.
pub fn parse_time_of_day(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && text.trim().len() == 5).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_minutes("3d"), Some(4320));
        assert_eq!(parse_duration_minutes("30m"), Some(30));
        assert_eq!(parse_duration_minutes("0d"), None);
        assert_eq!(parse_duration_minutes("d"), None);
        assert_eq!(parse_duration_minutes("3 days"), None);
        assert_eq!(parse_duration_minutes(""), None);
    }

    #[test]
    fn times_of_day() {
        assert_eq!(parse_time_of_day("09:30"), Some(570));
        assert_eq!(parse_time_of_day("24:00"), None);
        assert_eq!(parse_time_of_day("9:30"), None);
        assert_eq!(parse_time_of_day("09-30"), None);
    }

    #[test]
    fn rule_codes_are_unique_and_ordered() {
        let codes: HashSet<_> = RULES.iter().map(|r| r.code).collect();
        assert_eq!(codes.len(), RULES.len());
        assert!(RULES.windows(2).all(|w| w[0].code < w[1].code));
    }
}
