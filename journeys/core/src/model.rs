//! The journey graph: nodes joined by edges from named output ports.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::kinds::{
    Action, Channel, DateRule, Decision, NodeKind, Objective, Purpose, SplitBranch, SwitchCase, Trigger, Wait,
};
pub use crate::settings::{
    AttributeDecl, AttributeType, EntryPolicy, FrequencyCap, GoalSetting, Offer, QuietHours, Settings,
};

/// A customer-lifecycle journey as stored in a `.json` file and in the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Journey {
    pub format_version: u32,
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Entry and exit policy, goal, priority, quiet hours, caps, attributes and events relied on.
    #[serde(default)]
    pub settings: Settings,
    /// The offers decision nodes choose between.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<Offer>,
    /// Offers of the shared catalogue (by id) that decision and action nodes may also use. They
    /// are not copied into the journey: each decision uses the offer's approved version at that
    /// moment, and publishing requires every one to have an approved version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub catalogue_offers: Vec<String>,
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub edges: Vec<Edge>,
    /// Gallery metadata, present only on the files in `templates/`; dropped when a draft is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<crate::template::TemplateInfo>,
}

/// The five lifecycle stages every node is tagged with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
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

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

// No `deny_unknown_fields` here: serde does not support it together with `flatten`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
        let mut journey = Journey::empty(id, name);
        journey.nodes.push(Node {
            id: "start".into(),
            label: "Entry".into(),
            stage: Some(Stage::Acquire),
            position: Position { x: 60.0, y: 160.0 },
            kind: NodeKind::Trigger(Trigger::on_event("application_started")),
        });
        journey
    }

    /// A journey with no nodes and default settings.
    pub fn empty(id: &str, name: &str) -> Journey {
        Journey {
            format_version: crate::FORMAT_VERSION,
            id: id.into(),
            name: name.into(),
            description: String::new(),
            settings: Settings::default(),
            offers: Vec::new(),
            catalogue_offers: Vec::new(),
            nodes: Vec::new(),
            edges: Vec::new(),
            template: None,
        }
    }

    /// Whether nodes may use offer `id`: the journey defines it or names it from the catalogue.
    pub fn knows_offer(&self, id: &str) -> bool {
        self.offers.iter().any(|o| o.id == id) || self.catalogue_offers.iter().any(|o| o == id)
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
