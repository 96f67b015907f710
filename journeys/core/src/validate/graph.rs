//! Rules about the shape of the graph: ids, edges, ports, reachability, cycles.

use std::collections::{HashMap, HashSet};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, Reversed};

use super::*;
use crate::model::{Journey, NodeKind};

/// The journey as a petgraph graph; graph node weights index `journey.nodes`.
struct Graph<'a> {
    journey: &'a Journey,
    graph: DiGraph<usize, &'a str>,
    index: HashMap<&'a str, NodeIndex>,
}

impl<'a> Graph<'a> {
    fn build(journey: &'a Journey) -> Self {
        let mut graph = DiGraph::with_capacity(journey.nodes.len(), journey.edges.len());
        let mut index = HashMap::with_capacity(journey.nodes.len());
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
    fn reachable(&self, starts: Vec<NodeIndex>, reversed: bool) -> HashSet<NodeIndex> {
        let mut seen = HashSet::new();
        for start in starts {
            if seen.contains(&start) {
                continue;
            }
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

pub(super) fn check(journey: &Journey, out: &mut Vec<Diagnostic>) {
    let g = Graph::build(journey);
    duplicate_ids(journey, out);
    edges(&g, out);
    reachability(&g, out);
    ports(&g, out);
    cycles(&g, out);
    way_out(&g, out);
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
                out.push(EDGE_UNKNOWN_PORT.at_edge(&edge.id, &[&edge.from], format!("edge '{}' leaves node '{}' by port '{}', but this {} node has {has}", edge.id, edge.from, edge.port, g.kind(from).name()), "reconnect the edge from one of the node's ports"));
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
    let triggers: Vec<_> = g.nodes().filter(|&n| matches!(g.kind(n), NodeKind::Trigger(_))).collect();
    if triggers.is_empty() {
        out.push(NO_TRIGGER.at(&[], "the journey has no trigger, so no customer can enter it".into(), "add a trigger node and connect it to the first step"));
        return;
    }
    let reached = g.reachable(triggers, false);
    for n in g.nodes().filter(|n| !reached.contains(n)) {
        out.push(UNREACHABLE_NODE.at(&[g.id(n)], format!("node '{}' cannot be reached from any trigger", g.id(n)), "connect an edge into it, or delete it"));
    }
}

fn ports(g: &Graph, out: &mut Vec<Diagnostic>) {
    let mut by_port: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for edge in &g.journey.edges {
        by_port.entry((edge.from.as_str(), edge.port.as_str())).or_default().push(edge.id.as_str());
    }
    for n in g.nodes() {
        let id = g.id(n);
        for port in g.kind(n).output_ports() {
            match by_port.get(&(id, port.as_str())).map(Vec::as_slice).unwrap_or_default() {
                [] => out.push(DANGLING_PORT.at(&[id], format!("port '{port}' of node '{id}' is not connected"), "drag from the port to the next step, or to an exit")),
                [_] => {}
                edges => out.push(Diagnostic {
                    edge_ids: edges.iter().map(|e| e.to_string()).collect(),
                    ..PORT_CONNECTED_TWICE.at(&[id], format!("port '{port}' of node '{id}' has {} edges", edges.len()), "keep one edge per port; use a split to fan out")
                }),
            }
        }
    }
}

/// A cycle is harmless only if a wait lies on it: look for cycles among the other nodes.
fn cycles(g: &Graph, out: &mut Vec<Diagnostic>) {
    let mut without_waits = g.graph.clone();
    without_waits.retain_nodes(|graph, n| !g.journey.nodes[graph[n]].kind.is_wait());
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
    let ends: Vec<_> = g
        .nodes()
        .filter(|&n| g.kind(n).ends_path() || g.graph.edges(n).count() < g.kind(n).output_ports().len())
        .collect();
    let can_finish = g.reachable(ends, true);
    for n in g.nodes().filter(|n| !can_finish.contains(n)) {
        out.push(NO_WAY_OUT.at(&[g.id(n)], format!("no path from node '{}' reaches a goal or an exit", g.id(n)), "give the loop a way out to an exit"));
    }
}
