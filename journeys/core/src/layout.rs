//! Auto-layout: a layered drawing, left to right, of a journey or of some of its steps
//! ("tidy selection"). Layering, crossing reduction and coordinates come from `rust-sugiyama`;
//! this module only turns its top-to-bottom layers into canvas columns.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use rust_sugiyama::configure::Config;

use crate::model::{Journey, Position};

/// Canvas size of a step, as the editor draws it.
pub const NODE_SIZE: (f64, f64) = (184.0, 64.0);
/// Distance between columns (left edges) and the least gap between steps in a column.
const COLUMN: f64 = 230.0;
const ROW_GAP: f64 = 40.0;
/// Vertical gap between unconnected parts of the journey.
const PART_GAP: f64 = 80.0;

/// New positions for `only` (or every step), laid out left to right in layers so that edges
/// run forwards, with the laid-out steps' top-left corner kept where it was.
pub fn auto_layout(journey: &Journey, only: Option<&BTreeSet<String>>) -> BTreeMap<String, Position> {
    let chosen: Vec<&crate::model::Node> = journey.nodes.iter().filter(|n| only.is_none_or(|o| o.contains(&n.id))).collect();
    if chosen.is_empty() {
        return BTreeMap::new();
    }
    let mut graph: StableDiGraph<&str, ()> = StableDiGraph::new();
    let index: HashMap<&str, NodeIndex> = chosen.iter().map(|n| (n.id.as_str(), graph.add_node(n.id.as_str()))).collect();
    let mut seen = BTreeSet::new();
    for edge in &journey.edges {
        let (Some(&from), Some(&to)) = (index.get(edge.from.as_str()), index.get(edge.to.as_str())) else { continue };
        // Self-loops and parallel edges (two ports to one step) add nothing to the layering.
        if from != to && seen.insert((from, to)) {
            graph.add_edge(from, to, ());
        }
    }
    // Sugiyama lays layers top to bottom; give it the steps turned on their side (height as
    // width) and turn the result back: layers become columns.
    let config = Config { vertex_spacing: ROW_GAP, ..Config::default() };
    let parts = rust_sugiyama::from_graph(&graph, &|_, _| (NODE_SIZE.1, NODE_SIZE.0), &config);

    let (origin_x, origin_y) = chosen.iter().fold((f64::INFINITY, f64::INFINITY), |(x, y), n| (x.min(n.position.x), y.min(n.position.y)));
    let mut placed = BTreeMap::new();
    let mut top = origin_y;
    // Largest part first, as readers expect the main flow on top.
    let mut parts: Vec<_> = parts.into_iter().map(|(coords, _, _)| coords).collect();
    parts.sort_by_key(|coords| std::cmp::Reverse(coords.len()));
    for coords in parts {
        // Layers are the distinct y values; the x within a layer orders and spaces its steps.
        let mut layers: Vec<f64> = coords.iter().map(|(_, (_, y))| *y).collect();
        layers.sort_by(f64::total_cmp);
        layers.dedup_by(|a, b| (*a - *b).abs() < 0.5);
        let min_x = coords.iter().map(|(_, (x, _))| *x).fold(f64::INFINITY, f64::min);
        let mut bottom = top;
        for (node, (x, y)) in &coords {
            let Some(id) = graph.node_weight(*node) else { continue };
            let column = layers.iter().position(|l| (l - y).abs() < 0.5).unwrap_or(0);
            let row_y = top + (x - min_x);
            placed.insert(id.to_string(), Position { x: snap(origin_x + column as f64 * COLUMN), y: snap(row_y) });
            bottom = bottom.max(row_y + NODE_SIZE.1);
        }
        top = snap(bottom + PART_GAP);
    }
    placed
}

fn snap(v: f64) -> f64 {
    (v / 10.0).round() * 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlaps(a: Position, b: Position) -> bool {
        a.x < b.x + NODE_SIZE.0 && b.x < a.x + NODE_SIZE.0 && a.y < b.y + NODE_SIZE.1 && b.y < a.y + NODE_SIZE.1
    }

    fn check(journey: &Journey) {
        let placed = auto_layout(journey, None);
        assert_eq!(placed.len(), journey.nodes.len(), "{}: every step placed", journey.id);
        let all: Vec<_> = placed.iter().collect();
        for (i, (a, pa)) in all.iter().enumerate() {
            for (b, pb) in &all[i + 1..] {
                assert!(!overlaps(**pa, **pb), "{}: {a} at {pa:?} overlaps {b} at {pb:?}", journey.id);
            }
        }
    }

    #[test]
    fn templates_lay_out_without_overlaps_and_flow_left_to_right() {
        for journey in crate::catalog::templates() {
            check(&journey);
            let placed = auto_layout(&journey, None);
            // Journeys without loops: every edge runs to a later column.
            let mut g = petgraph::graphmap::DiGraphMap::<&str, ()>::new();
            for e in &journey.edges {
                g.add_edge(e.from.as_str(), e.to.as_str(), ());
            }
            let has_loop = petgraph::algo::is_cyclic_directed(&g);
            if !has_loop {
                for e in &journey.edges {
                    assert!(placed[&e.to].x > placed[&e.from].x, "{}: {} → {} runs backwards", journey.id, e.from, e.to);
                }
            }
        }
    }

    #[test]
    fn generated_journeys_of_every_size_lay_out_without_overlaps() {
        for seed in 0..20_u64 {
            check(&crate::generate::random_journey(seed, 3 + 25 * seed as usize));
        }
    }

    #[test]
    fn tidying_a_selection_moves_only_it_and_keeps_its_corner() {
        let journey = crate::catalog::template("credit-card-activation").expect("template");
        let only: BTreeSet<String> = ["push_activate", "wait_2d", "sms_activate"].into_iter().map(String::from).collect();
        let placed = auto_layout(&journey, Some(&only));
        assert_eq!(placed.keys().cloned().collect::<BTreeSet<_>>(), only);
        let corner = |ps: Vec<Position>| ps.iter().fold((f64::INFINITY, f64::INFINITY), |(x, y), p| (x.min(p.x), y.min(p.y)));
        let before = corner(journey.nodes.iter().filter(|n| only.contains(&n.id)).map(|n| n.position).collect());
        assert_eq!(corner(placed.values().copied().collect()), before);
        assert!(auto_layout(&journey, Some(&BTreeSet::new())).is_empty());
    }
}
