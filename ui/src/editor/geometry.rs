//! Where things are drawn: node boxes, ports and edge curves, in canvas coordinates.

use journeys_core::{Journey, Node, Position, Stage};

pub const NODE_W: f64 = 184.0;
pub const NODE_H: f64 = 64.0;
pub const GRID: f64 = 10.0;

pub fn snap(v: f64) -> f64 {
    (v / GRID).round() * GRID
}

/// Centre of output port `index` of `count` on the node's right edge.
pub fn output_port(pos: Position, index: usize, count: usize) -> (f64, f64) {
    (pos.x + NODE_W, pos.y + NODE_H * (index as f64 + 1.0) / (count as f64 + 1.0))
}

pub fn input_port(pos: Position) -> (f64, f64) {
    (pos.x, pos.y + NODE_H / 2.0)
}

/// A smooth left-to-right curve between two points.
pub fn curve(from: (f64, f64), to: (f64, f64)) -> String {
    let dx = ((to.0 - from.0).abs() / 2.0).max(48.0);
    format!(
        "M {:.1} {:.1} C {:.1} {:.1}, {:.1} {:.1}, {:.1} {:.1}",
        from.0,
        from.1,
        from.0 + dx,
        from.1,
        to.0 - dx,
        to.1,
        to.0,
        to.1
    )
}

/// The start of the edge leaving `node` by `port`.
pub fn port_position(node: &Node, port: &str) -> Option<(f64, f64)> {
    let ports = node.kind.output_ports();
    let index = ports.iter().position(|p| p == port)?;
    Some(output_port(node.position, index, ports.len()))
}

/// Bounding box (x, y, w, h) of the nodes tagged with `stage`, padded for a frame.
pub fn stage_frame(journey: &Journey, stage: Stage) -> Option<(f64, f64, f64, f64)> {
    let (x, y, w, h) = bounds_of(journey.nodes.iter().filter(|n| n.stage == Some(stage)))?;
    // Room around the nodes, and above them for the stage label.
    let (pad, label) = (24.0, 18.0);
    Some((x - pad, y - pad - label, w + 2.0 * pad, h + 2.0 * pad + label))
}

/// Bounding box (x, y, w, h) of every node.
pub fn bounds(journey: &Journey) -> Option<(f64, f64, f64, f64)> {
    bounds_of(journey.nodes.iter())
}

/// Bounding box (x, y, w, h) of some nodes; `None` when there are none.
fn bounds_of<'a>(nodes: impl Iterator<Item = &'a Node>) -> Option<(f64, f64, f64, f64)> {
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for n in nodes {
        min_x = min_x.min(n.position.x);
        min_y = min_y.min(n.position.y);
        max_x = max_x.max(n.position.x + NODE_W);
        max_y = max_y.max(n.position.y + NODE_H);
    }
    (min_x <= max_x).then(|| (min_x, min_y, max_x - min_x, max_y - min_y))
}

/// The colour of a lifecycle stage: node stripes, stage frames, charts.
pub fn stage_colour(stage: Option<Stage>) -> &'static str {
    match stage {
        Some(Stage::Acquire) => "#2563eb",
        Some(Stage::Activate) => "#16a34a",
        Some(Stage::CrossSell) => "#9333ea",
        Some(Stage::Retain) => "#ea580c",
        Some(Stage::Reactivate) => "#0891b2",
        None => "#94a3b8",
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

/// Every step as a box in one SVG path per stage colour (and one for steps without a stage):
/// a handful of elements however large the journey (the minimap and the overview draw these).
pub fn stage_box_paths(journey: &Journey) -> Vec<(Option<Stage>, String)> {
    Stage::ALL
        .into_iter()
        .map(Some)
        .chain(std::iter::once(None))
        .map(|stage| (stage, box_path(journey.nodes.iter().filter(|n| n.stage == stage).map(|n| n.position))))
        .filter(|(_, d)| !d.is_empty())
        .collect()
}

/// Boxes of step size at the given positions, as one SVG path.
pub fn box_path(positions: impl Iterator<Item = Position>) -> String {
    positions.map(|p| format!("M{:.0} {:.0}h{NODE_W}v{NODE_H}h-{NODE_W}z", p.x, p.y)).collect()
}
