//! Validation: a registry of small named rules run over the journey graph. Every rule runs,
//! and every diagnostic is returned, never just the first.

use std::collections::{HashMap, HashSet};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, Reversed};
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

/// One finding: what is wrong, where (node and edge ids), and what to do about it.
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
pub const REQUIRED_FIELD: Rule = rule("J014", "required-field", Error, "Triggers, goals and conditions mean nothing without their event or expression.");
pub const BAD_DURATION: Rule = rule("J015", "bad-duration", Error, "Waits must be bounded and readable: a number and a unit (m, h, d, w), e.g. `3d`.");

/// Every rule, in the order diagnostics are reported.
pub const RULES: &[Rule] = &[
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
];

impl Rule {
    fn at(&self, nodes: &[&str], message: String, hint: &str) -> Diagnostic {
        Diagnostic {
            code: self.code.into(),
            severity: self.severity,
            message,
            hint: hint.into(),
            node_ids: nodes.iter().map(|s| s.to_string()).collect(),
            edge_ids: Vec::new(),
        }
    }

    fn at_edge(&self, edge: &str, nodes: &[&str], message: String, hint: &str) -> Diagnostic {
        Diagnostic { edge_ids: vec![edge.to_string()], ..self.at(nodes, message, hint) }
    }
}

/// The journey as a petgraph graph; graph node weights index `journey.nodes`.
struct Graph<'a> {
    journey: &'a Journey,
    graph: DiGraph<usize, &'a str>,
    index: HashMap<&'a str, NodeIndex>,
}

impl<'a> Graph<'a> {
    fn build(journey: &'a Journey) -> Self {
        let mut graph = DiGraph::new();
        let mut index = HashMap::new();
        for (i, node) in journey.nodes.iter().enumerate() {
            // The first node with an id wins; duplicates are reported by their own rule.
            index.entry(node.id.as_str()).or_insert_with(|| graph.add_node(i));
        }
        for edge in &journey.edges {
            if let (Some(&a), Some(&b)) = (index.get(edge.from.as_str()), index.get(edge.to.as_str())) {
                graph.add_edge(a, b, edge.port.as_str());
            }
        }
        Graph { journey, graph, index }
    }

    fn id(&self, ix: NodeIndex) -> &'a str {
        &self.journey.nodes[self.graph[ix]].id
    }

    fn kind(&self, ix: NodeIndex) -> &'a NodeKind {
        &self.journey.nodes[self.graph[ix]].kind
    }

    /// Graph nodes in file order (duplicates excluded).
    fn nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.node_indices()
    }

    /// Nodes reachable from `starts` following edges forwards, or backwards when `reversed`.
    fn reachable(&self, starts: impl Iterator<Item = NodeIndex>, reversed: bool) -> HashSet<NodeIndex> {
        let mut seen = HashSet::new();
        for start in starts {
            if reversed {
                let rev = Reversed(&self.graph);
                let mut bfs = Bfs::new(rev, start);
                while let Some(n) = bfs.next(rev) {
                    seen.insert(n);
                }
            } else {
                let mut bfs = Bfs::new(&self.graph, start);
                while let Some(n) = bfs.next(&self.graph) {
                    seen.insert(n);
                }
            }
        }
        seen
    }
}

/// Run every rule and return all diagnostics, errors and warnings, in rule order.
pub fn validate(journey: &Journey) -> Vec<Diagnostic> {
    let g = Graph::build(journey);
    let mut out = Vec::new();
    duplicate_ids(journey, &mut out);
    edges(&g, &mut out);
    reachability(&g, &mut out);
    ports(&g, &mut out);
    cycles(&g, &mut out);
    way_out(&g, &mut out);
    node_fields(journey, &mut out);
    out.sort_by_key(|d| RULES.iter().position(|r| r.code == d.code));
    out
}

fn duplicate_ids(journey: &Journey, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for node in &journey.nodes {
        if !seen.insert(node.id.as_str()) {
            out.push(DUPLICATE_NODE_ID.at(&[&node.id], format!("node id '{}' is used more than once", node.id), "give each node its own id"));
        }
    }
}

fn edges(g: &Graph, out: &mut Vec<Diagnostic>) {
    for edge in &g.journey.edges {
        for end in [&edge.from, &edge.to] {
            if !g.index.contains_key(end.as_str()) {
                out.push(EDGE_UNKNOWN_NODE.at_edge(&edge.id, &[], format!("edge '{}' refers to node '{end}', which does not exist", edge.id), "delete the edge or create the node"));
            }
        }
        if let Some(&from) = g.index.get(edge.from.as_str()) {
            let ports = g.kind(from).output_ports();
            if !ports.contains(&edge.port) {
                let has = if ports.is_empty() { "no output ports".to_string() } else { format!("ports {}", ports.join(", ")) };
                out.push(EDGE_UNKNOWN_PORT.at_edge(&edge.id, &[&edge.from], format!("edge '{}' leaves node '{}' by port '{}', but a {} node has {has}", edge.id, edge.from, edge.port, g.kind(from).name()), "reconnect the edge from one of the node's ports"));
            }
        }
        if let Some(&to) = g.index.get(edge.to.as_str()) {
            if !g.kind(to).accepts_input() {
                out.push(TRIGGER_HAS_INPUT.at_edge(&edge.id, &[&edge.to], format!("edge '{}' leads into trigger '{}'", edge.id, edge.to), "triggers are entry points; connect the edge to a step after the trigger"));
            }
        }
    }
}

fn reachability(g: &Graph, out: &mut Vec<Diagnostic>) {
    let triggers: Vec<_> = g.nodes().filter(|&n| matches!(g.kind(n), NodeKind::Trigger { .. })).collect();
    if triggers.is_empty() {
        out.push(NO_TRIGGER.at(&[], "the journey has no trigger, so no customer can enter it".into(), "add a trigger node and connect it to the first step"));
        return;
    }
    let reached = g.reachable(triggers.into_iter(), false);
    for n in g.nodes().filter(|n| !reached.contains(n)) {
        out.push(UNREACHABLE_NODE.at(&[g.id(n)], format!("node '{}' cannot be reached from any trigger", g.id(n)), "connect an edge into it, or delete it"));
    }
}

fn ports(g: &Graph, out: &mut Vec<Diagnostic>) {
    for n in g.nodes() {
        for port in g.kind(n).output_ports() {
            let edges: Vec<_> = g.journey.edges.iter().filter(|e| e.from == g.id(n) && e.port == port).collect();
            match edges.len() {
                0 => out.push(DANGLING_PORT.at(&[g.id(n)], format!("port '{port}' of node '{}' is not connected", g.id(n)), "drag from the port to the next step, or to an exit")),
                1 => {}
                _ => out.push(Diagnostic {
                    edge_ids: edges.iter().map(|e| e.id.clone()).collect(),
                    ..PORT_CONNECTED_TWICE.at(&[g.id(n)], format!("port '{port}' of node '{}' has {} edges", g.id(n), edges.len()), "keep one edge per port; use a split to fan out")
                }),
            }
        }
    }
}

/// A cycle is harmless only if a wait lies on it: look for cycles among the other nodes.
fn cycles(g: &Graph, out: &mut Vec<Diagnostic>) {
    let mut without_waits = g.graph.clone();
    without_waits.retain_nodes(|graph, n| !matches!(g.journey.nodes[graph[n]].kind, NodeKind::Wait { .. }));
    for scc in tarjan_scc(&without_waits) {
        let looped = scc.len() > 1 || scc.iter().any(|&n| without_waits.contains_edge(n, n));
        if looped {
            let mut ids: Vec<&str> = scc.iter().map(|&n| g.journey.nodes[without_waits[n]].id.as_str()).collect();
            ids.sort_by_key(|id| g.index.get(id).map(|ix| ix.index()));
            out.push(CYCLE_WITHOUT_WAIT.at(&ids, format!("nodes {} form a loop with no wait on it", ids.join(" → ")), "put a wait on the loop, or break it"));
        }
    }
}

/// Nodes from which no goal or exit can be reached. A dangling port counts as a way out here:
/// it already has its own diagnostic, and reporting every node upstream of it would be noise.
fn way_out(g: &Graph, out: &mut Vec<Diagnostic>) {
    let ends = g.nodes().filter(|&n| {
        let connected = g.graph.edges(n).count();
        g.kind(n).ends_path() || connected < g.kind(n).output_ports().len()
    });
    let can_finish = g.reachable(ends.collect::<Vec<_>>().into_iter(), true);
    for n in g.nodes().filter(|n| !can_finish.contains(n)) {
        out.push(NO_WAY_OUT.at(&[g.id(n)], format!("no path from node '{}' reaches a goal or an exit", g.id(n)), "give the loop a way out to an exit"));
    }
}

fn node_fields(journey: &Journey, out: &mut Vec<Diagnostic>) {
    for node in &journey.nodes {
        let id = node.id.as_str();
        if node.stage.is_none() {
            out.push(MISSING_STAGE.at(&[id], format!("node '{id}' has no lifecycle stage"), "set its stage: acquire, activate, cross_sell, retain or reactivate"));
        }
        let required = match &node.kind {
            NodeKind::Trigger { event } | NodeKind::Goal { event } => Some(("event", event)),
            NodeKind::Condition { expression } => Some(("expression", expression)),
            NodeKind::Update { attribute, .. } => Some(("attribute", attribute)),
            _ => None,
        };
        if let Some((field, value)) = required {
            if value.trim().is_empty() {
                out.push(REQUIRED_FIELD.at(&[id], format!("{} node '{id}' has an empty {field}", node.kind.name()), "fill it in in the inspector"));
            }
        }
        match &node.kind {
            NodeKind::Split { branches } => {
                let total: u32 = branches.iter().map(|b| b.percent).sum();
                if branches.is_empty() || total != 100 {
                    out.push(SPLIT_PERCENT.at(&[id], format!("split '{id}' branches add up to {total}%, not 100%"), "adjust the branch percentages"));
                }
            }
            NodeKind::Wait { duration } if parse_duration_minutes(duration).is_none() => {
                out.push(BAD_DURATION.at(&[id], format!("wait '{id}' has duration '{duration}', which is not a number and a unit"), "write it like 30m, 6h, 3d or 2w"));
            }
            _ => {}
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rule_codes_are_unique() {
        let codes: HashSet<_> = RULES.iter().map(|r| r.code).collect();
        assert_eq!(codes.len(), RULES.len());
    }
}
