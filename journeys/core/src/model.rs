//! The journey graph: nodes joined by edges from named output ports.

use serde::{Deserialize, Serialize};

/// A customer-lifecycle journey as stored in a `.json` file and in the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journey {
    pub format_version: u32,
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub edges: Vec<Edge>,
}

/// The five lifecycle stages every node is tagged with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Acquire,
    Activate,
    CrossSell,
    Retain,
    Reactivate,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Acquire,
        Stage::Activate,
        Stage::CrossSell,
        Stage::Retain,
        Stage::Reactivate,
    ];

    /// The identifier used in files and URLs (`cross_sell`).
    pub fn key(self) -> &'static str {
        match self {
            Stage::Acquire => "acquire",
            Stage::Activate => "activate",
            Stage::CrossSell => "cross_sell",
            Stage::Retain => "retain",
            Stage::Reactivate => "reactivate",
        }
    }

    /// The label shown to people (`Cross-sell`).
    pub fn label(self) -> &'static str {
        match self {
            Stage::Acquire => "Acquire",
            Stage::Activate => "Activate",
            Stage::CrossSell => "Cross-sell",
            Stage::Retain => "Retain",
            Stage::Reactivate => "Reactivate",
        }
    }

    pub fn from_key(key: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.key() == key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

// No `deny_unknown_fields` here: serde does not support it together with `flatten`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// Required by validation (J011); optional in the format so a half-built draft still loads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    #[serde(default)]
    pub position: Position,
    #[serde(flatten)]
    pub kind: NodeKind,
}

impl Node {
    /// The label if set, else the kind's name: what the canvas and messages show.
    pub fn display_name(&self) -> String {
        if self.label.is_empty() {
            self.kind.name().to_string()
        } else {
            self.label.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitBranch {
    pub name: String,
    pub percent: u32,
}

/// What a node does. The `kind` tag is flattened into the node object in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NodeKind {
    /// Entry: customers enter when this event arrives.
    Trigger { event: String },
    /// Pause for a duration such as `2d` or `6h`.
    Wait { duration: String },
    /// Branch on a boolean expression.
    Condition { expression: String },
    /// Random A/B/n split, sticky per customer.
    Split { branches: Vec<SplitBranch> },
    /// A contact on a channel.
    Action {
        channel: Channel,
        #[serde(default)]
        content: String,
    },
    /// Set a profile attribute.
    Update { attribute: String, value: serde_json::Value },
    /// The conversion event the journey exists for.
    Goal { event: String },
    /// Leave the journey.
    Exit {},
}

impl NodeKind {
    pub fn name(&self) -> &'static str {
        match self {
            NodeKind::Trigger { .. } => "trigger",
            NodeKind::Wait { .. } => "wait",
            NodeKind::Condition { .. } => "condition",
            NodeKind::Split { .. } => "split",
            NodeKind::Action { .. } => "action",
            NodeKind::Update { .. } => "update",
            NodeKind::Goal { .. } => "goal",
            NodeKind::Exit {} => "exit",
        }
    }

    /// The named output ports, in drawing order.
    pub fn output_ports(&self) -> Vec<String> {
        match self {
            NodeKind::Condition { .. } => vec!["true".into(), "false".into()],
            NodeKind::Split { branches } => branches.iter().map(|b| b.name.clone()).collect(),
            NodeKind::Exit {} => Vec::new(),
            _ => vec!["out".into()],
        }
    }

    /// Whether edges may come in: a trigger is an entry point and takes none.
    pub fn accepts_input(&self) -> bool {
        !matches!(self, NodeKind::Trigger { .. })
    }

    pub fn ends_path(&self) -> bool {
        matches!(self, NodeKind::Goal { .. } | NodeKind::Exit {})
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    pub id: String,
    pub from: String,
    #[serde(default = "default_port")]
    pub port: String,
    pub to: String,
}

fn default_port() -> String {
    "out".to_string()
}

impl Journey {
    /// A new journey holding only an entry trigger, ready to be built on the canvas.
    pub fn blank(id: &str, name: &str) -> Journey {
        Journey {
            format_version: crate::FORMAT_VERSION,
            id: id.into(),
            name: name.into(),
            description: String::new(),
            nodes: vec![Node {
                id: "start".into(),
                label: "Entry".into(),
                stage: Some(Stage::Acquire),
                position: Position { x: 60.0, y: 160.0 },
                kind: NodeKind::Trigger { event: "application_started".into() },
            }],
            edges: Vec::new(),
        }
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    pub fn node_mut(&mut self, id: &str) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|n| n.id == id)
    }

    /// A fresh id with the given prefix that no node or edge uses yet.
    pub fn fresh_id(&self, prefix: &str) -> String {
        (1..)
            .map(|n| format!("{prefix}{n}"))
            .find(|id| !self.nodes.iter().any(|n| &n.id == id) && !self.edges.iter().any(|e| &e.id == id))
            .unwrap_or_else(|| prefix.to_string())
    }

    /// Connect `from.port` to `to`. An output port holds one edge, so an existing edge from
    /// the same port is replaced (that is what dragging from a connected port means on the canvas).
    /// Returns the new edge id, or `None` when the connection is not allowed.
    pub fn connect(&mut self, from: &str, port: &str, to: &str) -> Option<String> {
        let source = self.node(from)?;
        if from == to || !source.kind.output_ports().iter().any(|p| p == port) {
            return None;
        }
        if !self.node(to)?.kind.accepts_input() {
            return None;
        }
        self.edges.retain(|e| !(e.from == from && e.port == port));
        let id = self.fresh_id("e");
        self.edges.push(Edge { id: id.clone(), from: from.into(), port: port.into(), to: to.into() });
        Some(id)
    }

    /// Remove a node and every edge touching it.
    pub fn remove_node(&mut self, id: &str) {
        self.nodes.retain(|n| n.id != id);
        self.edges.retain(|e| e.from != id && e.to != id);
    }
}

/// A readable id from a name: `Card activation (v2)` → `card-activation-v2`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "journey".into()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Card activation (v2)"), "card-activation-v2");
        assert_eq!(slugify("  ***  "), "journey");
    }

    #[test]
    fn connect_replaces_the_ports_edge_and_refuses_bad_targets() {
        let mut j = Journey::blank("j", "J");
        j.nodes.push(Node { id: "x".into(), label: String::new(), stage: None, position: Position::default(), kind: NodeKind::Exit {} });
        j.nodes.push(Node { id: "y".into(), label: String::new(), stage: None, position: Position::default(), kind: NodeKind::Exit {} });
        assert!(j.connect("start", "out", "x").is_some());
        assert!(j.connect("start", "out", "y").is_some());
        assert_eq!(j.edges.len(), 1);
        assert_eq!(j.edges[0].to, "y");
        assert_eq!(j.connect("x", "out", "y"), None, "an exit has no output port");
        assert_eq!(j.connect("y", "out", "start"), None);
        assert_eq!(j.connect("start", "out", "start"), None);
    }
}
