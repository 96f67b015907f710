//! Semantic diff between two versions of a journey: nodes, edges, expressions, content,
//! channels, caps, consent and holdout changes, with the compliance-relevant ones flagged.
//! Canvas positions and edge ids are not semantic and are ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Journey, Node};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One difference. `subject` is `node`, `edge`, `offer`, `settings` or `journey`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub subject: String,
    /// Node or offer id, edge as `from.port → to`, or the settings field.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub before: Value,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub after: Value,
    /// Compliance reviewers must look at this one: who is contacted, how, how often, with what.
    pub compliance: bool,
}

/// Node fields that change who is contacted, how, or with what consent.
const COMPLIANCE_FIELDS: &[&str] = &[
    "channel", "content", "purpose", "offer", "mandatory", "cost", "expression", "cases", "filter", "segment", "audience",
    "date_rule", "control_percent", "offers", "event", "until_event",
];

fn node_fields(node: &Node) -> BTreeMap<String, Value> {
    let mut fields = BTreeMap::new();
    if let Ok(Value::Object(map)) = serde_json::to_value(&node.kind) {
        fields.extend(map);
    }
    fields.insert("label".into(), Value::String(node.label.clone()));
    fields.insert("stage".into(), serde_json::to_value(node.stage).unwrap_or(Value::Null));
    fields
}

fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Every difference from `old` to `new`, nodes first (in id order), then edges, offers and settings.
pub fn diff(old: &Journey, new: &Journey) -> Vec<Change> {
    let mut changes = Vec::new();
    let change = |kind, subject: &str, id: String, field: Option<String>, before, after, compliance| Change {
        kind,
        subject: subject.into(),
        id,
        field,
        before,
        after,
        compliance,
    };
    if old.name != new.name {
        changes.push(change(ChangeKind::Changed, "journey", old.id.clone(), Some("name".into()), json(&old.name), json(&new.name), false));
    }
    let olds: BTreeMap<&str, &Node> = old.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let news: BTreeMap<&str, &Node> = new.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    for (id, node) in &olds {
        if !news.contains_key(id) {
            let contact = node.kind.name() == "action";
            changes.push(change(ChangeKind::Removed, "node", id.to_string(), None, json(&node.kind), Value::Null, contact));
        }
    }
    for (id, node) in &news {
        match olds.get(id) {
            None => {
                let contact = node.kind.name() == "action";
                changes.push(change(ChangeKind::Added, "node", id.to_string(), None, Value::Null, json(&node.kind), contact));
            }
            Some(before) => {
                let (a, b) = (node_fields(before), node_fields(node));
                let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
                for key in keys {
                    let (x, y) = (a.get(key).cloned().unwrap_or(Value::Null), b.get(key).cloned().unwrap_or(Value::Null));
                    if x != y {
                        let compliance = COMPLIANCE_FIELDS.contains(&key.as_str()) || key == "kind";
                        changes.push(change(ChangeKind::Changed, "node", id.to_string(), Some(key.clone()), x, y, compliance));
                    }
                }
            }
        }
    }
    let edge_key = |e: &crate::model::Edge| format!("{}.{} → {}", e.from, e.port, e.to);
    let old_edges: std::collections::BTreeSet<String> = old.edges.iter().map(edge_key).collect();
    let new_edges: std::collections::BTreeSet<String> = new.edges.iter().map(edge_key).collect();
    // Rerouting customers into a contact changes who is contacted.
    let into_action = |journey: &Journey, key: &str| {
        journey.edges.iter().any(|e| edge_key(e) == key && journey.node(&e.to).is_some_and(|n| n.kind.name() == "action"))
    };
    for e in old_edges.difference(&new_edges) {
        changes.push(change(ChangeKind::Removed, "edge", e.clone(), None, Value::Null, Value::Null, into_action(old, e)));
    }
    for e in new_edges.difference(&old_edges) {
        changes.push(change(ChangeKind::Added, "edge", e.clone(), None, Value::Null, Value::Null, into_action(new, e)));
    }
    let old_offers: BTreeMap<&str, Value> = old.offers.iter().map(|o| (o.id.as_str(), json(o))).collect();
    let new_offers: BTreeMap<&str, Value> = new.offers.iter().map(|o| (o.id.as_str(), json(o))).collect();
    for (id, before) in &old_offers {
        match new_offers.get(id) {
            None => changes.push(change(ChangeKind::Removed, "offer", id.to_string(), None, before.clone(), Value::Null, true)),
            Some(after) if after != before => changes.push(change(ChangeKind::Changed, "offer", id.to_string(), None, before.clone(), after.clone(), true)),
            _ => {}
        }
    }
    for (id, after) in &new_offers {
        if !old_offers.contains_key(id) {
            changes.push(change(ChangeKind::Added, "offer", id.to_string(), None, Value::Null, after.clone(), true));
        }
    }
    if let (Value::Object(a), Value::Object(b)) = (json(&old.settings), json(&new.settings)) {
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for key in keys {
            let (x, y) = (a.get(key).cloned().unwrap_or(Value::Null), b.get(key).cloned().unwrap_or(Value::Null));
            if x != y {
                // Everything but priority bears on contact policy: entry, exits, caps, quiet hours, goal.
                let compliance = key != "priority";
                changes.push(change(ChangeKind::Changed, "settings", key.clone(), None, x, y, compliance));
            }
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::sample_journeys;
    use crate::model::NodeKind;

    #[test]
    fn identical_journeys_have_no_changes_whatever_the_layout() {
        let journey = sample_journeys().remove(1);
        let mut moved = journey.clone();
        moved.nodes.iter_mut().for_each(|n| n.position.x += 100.0);
        moved.nodes.reverse();
        moved.edges.iter_mut().for_each(|e| e.id = format!("x{}", e.id));
        assert_eq!(diff(&journey, &moved), vec![]);
    }

    #[test]
    fn content_channel_caps_and_structure_changes_are_listed_and_flagged() {
        let old = sample_journeys().into_iter().find(|j| j.id == "credit-card-activation").expect("sample");
        let mut new = old.clone();
        if let Some(NodeKind::Action(a)) = new.node_mut("push_activate").map(|n| &mut n.kind) {
            a.channel = crate::kinds::Channel::Sms;
        }
        if let Some(n) = new.node_mut("wait_3d") {
            n.label = "Wait three days".into();
        }
        new.settings.frequency_caps[0].max = 2;
        new.settings.priority = 61;
        new.remove_node("sms_activate");
        let changes = diff(&old, &new);
        let shown: Vec<String> = changes
            .iter()
            .map(|c| format!("{:?} {} {} {} {}", c.kind, c.subject, c.id, c.field.as_deref().unwrap_or("-"), c.compliance))
            .collect();
        assert_eq!(
            shown,
            vec![
                "Removed node sms_activate - true",
                "Changed node push_activate channel true",
                "Changed node wait_3d label false",
                "Removed edge sms_activate.out → exit_nudged - false",
                "Removed edge wait_2d.timeout → sms_activate - true",
                "Changed settings frequency_caps - true",
                "Changed settings priority - false",
            ]
        );
    }
}
