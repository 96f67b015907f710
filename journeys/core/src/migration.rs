//! Moving customers in flight from one version of a journey to another. A customer waiting at a
//! step moves to the step with the same id in the new version when it is still the same kind of
//! step; otherwise they stay on (and finish) their version. Pure: the store counts and applies.

use serde::{Deserialize, Serialize};

use crate::model::Journey;

/// How many customers waiting at `from_node` would go where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub from_node: String,
    /// The step they would wait at in the new version; `None`: they stay on the old one.
    pub to_node: Option<String>,
    pub customers: i64,
    /// Why they stay, when they do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The plan for customers waiting in `old`, counted per step, if they moved to `new`.
pub fn plan(old: &Journey, new: &Journey, waiting: &[(String, i64)]) -> Vec<Move> {
    waiting
        .iter()
        .map(|(node, customers)| {
            let before = old.node(node).map(|n| n.kind.name());
            let after = new.node(node).map(|n| n.kind.name());
            let (to_node, reason) = match (before, after) {
                (_, None) => (None, Some(format!("no step '{node}' in the new version"))),
                (Some(a), Some(b)) if a != b => (None, Some(format!("'{node}' changed kind ({a} → {b})"))),
                _ => (Some(node.clone()), None),
            };
            Move { from_node: node.clone(), to_node, customers: *customers, reason }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_customers_follow_their_step_by_id_and_kind() {
        let old = crate::catalog::template("credit-card-activation").expect("template");
        let mut new = old.clone();
        new.remove_node("wait_3d");
        if let Some(n) = new.node_mut("wait_2d") {
            n.kind = crate::model::NodeKind::Exit {};
        }
        let waiting = vec![("wait_3d".to_string(), 120), ("wait_2d".to_string(), 30), ("issued".to_string(), 0)];
        let moves = plan(&old, &new, &waiting);
        assert_eq!(moves[0].to_node, None);
        assert!(moves[0].reason.as_deref().is_some_and(|r| r.contains("no step 'wait_3d'")));
        assert_eq!(moves[1].to_node, None);
        assert!(moves[1].reason.as_deref().is_some_and(|r| r.contains("changed kind (wait → exit)")));
        assert_eq!((moves[2].to_node.as_deref(), moves[2].customers), (Some("issued"), 0));
        let same = plan(&old, &old, &waiting);
        assert!(same.iter().all(|m| m.to_node.as_deref() == Some(m.from_node.as_str())));
    }
}
