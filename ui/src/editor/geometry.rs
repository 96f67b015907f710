//! Where things are drawn: node boxes, ports and edge curves, in canvas coordinates.

use journeys_core::{Journey, Node, Position};

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
pub fn stage_frame(journey: &Journey, stage: journeys_core::Stage) -> Option<(f64, f64, f64, f64)> {
    let nodes: Vec<_> = journey.nodes.iter().filter(|n| n.stage == Some(stage)).collect();
    if nodes.is_empty() {
        return None;
    }
    let pad = 24.0;
    let min_x = nodes.iter().map(|n| n.position.x).fold(f64::INFINITY, f64::min) - pad;
    let min_y = nodes.iter().map(|n| n.position.y).fold(f64::INFINITY, f64::min) - pad - 18.0;
    let max_x = nodes.iter().map(|n| n.position.x + NODE_W).fold(f64::NEG_INFINITY, f64::max) + pad;
    let max_y = nodes.iter().map(|n| n.position.y + NODE_H).fold(f64::NEG_INFINITY, f64::max) + pad;
    Some((min_x, min_y, max_x - min_x, max_y - min_y))
}

/// Bounding box (x, y, w, h) of every node.
pub fn bounds(journey: &Journey) -> Option<(f64, f64, f64, f64)> {
    if journey.nodes.is_empty() {
        return None;
    }
    let min_x = journey.nodes.iter().map(|n| n.position.x).fold(f64::INFINITY, f64::min);
    let min_y = journey.nodes.iter().map(|n| n.position.y).fold(f64::INFINITY, f64::min);
    let max_x = journey.nodes.iter().map(|n| n.position.x + NODE_W).fold(f64::NEG_INFINITY, f64::max);
    let max_y = journey.nodes.iter().map(|n| n.position.y + NODE_H).fold(f64::NEG_INFINITY, f64::max);
    Some((min_x, min_y, max_x - min_x, max_y - min_y))
}
