//! Where things are drawn: node boxes, ports and edge curves, in canvas coordinates.

use std::collections::HashMap;

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

/// Corner radius of a stage frame.
pub const FRAME_RADIUS: f64 = 14.0;
/// Length of one dash and gap of a stage frame's border (`stroke-dasharray="6 4"`).
pub const FRAME_DASH_PERIOD: f64 = 10.0;

/// The part of `frame` (x, y, w, h) inside `view`, or `None` when they do not meet.
pub fn clip_to(frame: (f64, f64, f64, f64), view: &journeys_core::editing::Rect) -> Option<(f64, f64, f64, f64)> {
    let (x0, y0) = (frame.0.max(view.x), frame.1.max(view.y));
    let (x1, y1) = ((frame.0 + frame.2).min(view.x + view.w), (frame.1 + frame.3).min(view.y + view.h));
    (x0 < x1 && y0 < y1).then_some((x0, y0, x1 - x0, y1 - y0))
}

/// The border of a rounded stage frame as an SVG path, only the pieces inside `view`: a frame
/// around hundreds of steps is thousands of dashes long, and painting all of them on every pan
/// frame (WebKit without a GPU repaints the canvas each frame) cost several frames a second.
/// Each straight side is cut to whole dash periods from its own start, so the dashes stay put
/// while the view moves; corners are drawn when their quarter circle is in view.
pub fn frame_border_in_view(frame: (f64, f64, f64, f64), view: &journeys_core::editing::Rect) -> String {
    use std::fmt::Write;
    let (x, y, w, h) = frame;
    let r = FRAME_RADIUS.min(w / 2.0).min(h / 2.0);
    let mut d = String::new();
    // A side from `from` to `to` along one axis at `at` on the other, cut to [lo, hi] of the view.
    let cut = |from: f64, to: f64, lo: f64, hi: f64| -> Option<(f64, f64)> {
        let start = if lo > from { from + ((lo - from) / FRAME_DASH_PERIOD).floor() * FRAME_DASH_PERIOD } else { from };
        let end = to.min(hi);
        (start < end).then_some((start, end))
    };
    let (vx0, vy0, vx1, vy1) = (view.x, view.y, view.x + view.w, view.y + view.h);
    for at in [y, y + h] {
        if at >= vy0 && at <= vy1 {
            if let Some((a, b)) = cut(x + r, x + w - r, vx0, vx1) {
                let _ = write!(d, "M{a:.1} {at:.1}H{b:.1}");
            }
        }
    }
    for at in [x, x + w] {
        if at >= vx0 && at <= vx1 {
            if let Some((a, b)) = cut(y + r, y + h - r, vy0, vy1) {
                let _ = write!(d, "M{at:.1} {a:.1}V{b:.1}");
            }
        }
    }
    // Corners: (start point, end point) of each quarter circle, clockwise.
    let corners = [
        ((x, y + r), (x + r, y)),
        ((x + w - r, y), (x + w, y + r)),
        ((x + w, y + h - r), (x + w - r, y + h)),
        ((x + r, y + h), (x, y + h - r)),
    ];
    for (a, b) in corners {
        let (cx0, cy0, cx1, cy1) = (a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1));
        if cx0 <= vx1 && cx1 >= vx0 && cy0 <= vy1 && cy1 >= vy0 {
            let _ = write!(d, "M{:.1} {:.1}A{r} {r} 0 0 1 {:.1} {:.1}", a.0, a.1, b.0, b.1);
        }
    }
    d
}

/// The arrowhead of an edge ending at `end` (edges always arrive heading right): the triangle
/// the canvas's `#arrow` marker draws there, 9 units long with its tip 0.9 past the end.
pub fn arrowhead(end: (f64, f64)) -> String {
    format!("M{:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}z", end.0 - 8.1, end.1 - 4.5, end.0 + 0.9, end.1, end.0 - 8.1, end.1 + 4.5)
}

/// Of steps (id, position, has an input port) in drawing order, later ones on top: those whose
/// box a later step's box covers exactly (steps in the same place), each with whether a later
/// step there has an input port (which then hides theirs too).
pub fn covered<'a>(steps: impl DoubleEndedIterator<Item = (&'a str, Position, bool)>) -> HashMap<String, bool> {
    let mut above: HashMap<(u64, u64), bool> = HashMap::new();
    let mut covered = HashMap::new();
    for (id, p, input) in steps.rev() {
        let place = (p.x.to_bits(), p.y.to_bits());
        if let Some(above_input) = above.get_mut(&place) {
            covered.insert(id.to_string(), *above_input);
            *above_input |= input;
        } else {
            above.insert(place, input);
        }
    }
    covered
}

/// `view` grown outwards to whole blocks of `block` canvas units: what is drawn for a view then
/// changes only when the view crosses a block border, not on every pan step.
pub fn round_out(view: &journeys_core::editing::Rect, block: f64) -> journeys_core::editing::Rect {
    let (x0, y0) = ((view.x / block).floor() * block, (view.y / block).floor() * block);
    let (x1, y1) = (((view.x + view.w) / block).ceil() * block, ((view.y + view.h) / block).ceil() * block);
    journeys_core::editing::Rect { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use journeys_core::editing::Rect;

    #[test]
    fn round_out_covers_the_view_in_whole_blocks() {
        let r = round_out(&Rect { x: -130.0, y: 410.0, w: 1000.0, h: 300.0 }, 400.0);
        assert_eq!(r, Rect { x: -400.0, y: 400.0, w: 1600.0, h: 400.0 });
        // A small move inside the same blocks gives the same rectangle.
        assert_eq!(round_out(&Rect { x: -127.0, y: 412.0, w: 1000.0, h: 300.0 }, 400.0), r);
    }

    #[test]
    fn only_steps_under_a_later_one_in_the_same_place_are_covered() {
        let at = |x, y| Position { x, y };
        let steps = [("a", at(0.0, 0.0), true), ("b", at(0.0, 0.0), true), ("c", at(10.0, 0.0), true), ("t", at(0.0, 0.0), false), ("d", at(0.0, 0.0), false)];
        let covered = covered(steps.into_iter());
        // d is on top; t, b and a lie under it; c is only overlapped, not covered.
        assert_eq!(covered.len(), 3, "{covered:?}");
        // Neither d nor t above has an input port, so t's and b's stay; a lies under b, which has one.
        assert_eq!(covered.get("t"), Some(&false));
        assert_eq!(covered.get("b"), Some(&false));
        assert_eq!(covered.get("a"), Some(&true));
        assert!(!covered.contains_key("c") && !covered.contains_key("d"));
    }

    #[test]
    fn an_arrowhead_points_right_at_the_end() {
        assert_eq!(arrowhead((100.0, 50.0)), "M91.9 45.5L100.9 50.0L91.9 54.5z");
    }

    #[test]
    fn clip_to_keeps_the_overlap_only() {
        let view = Rect { x: 0.0, y: 0.0, w: 100.0, h: 100.0 };
        assert_eq!(clip_to((50.0, -20.0, 200.0, 60.0), &view), Some((50.0, 0.0, 50.0, 40.0)));
        assert_eq!(clip_to((10.0, 10.0, 20.0, 20.0), &view), Some((10.0, 10.0, 20.0, 20.0)));
        assert_eq!(clip_to((150.0, 10.0, 20.0, 20.0), &view), None);
    }

    #[test]
    fn a_frame_inside_the_view_has_its_whole_border() {
        let view = Rect { x: -100.0, y: -100.0, w: 1000.0, h: 1000.0 };
        let d = frame_border_in_view((0.0, 0.0, 200.0, 100.0), &view);
        assert_eq!(d.matches('M').count(), 8, "four sides and four corners: {d}");
        assert!(d.contains("M14.0 0.0H186.0"), "{d}");
        assert!(d.contains("M0.0 14.0V86.0"), "{d}");
        assert!(d.contains("M0.0 14.0A14 14 0 0 1 14.0 0.0"), "{d}");
    }

    #[test]
    fn a_huge_frame_is_cut_to_the_view_in_whole_dash_periods() {
        let frame = (0.0, 0.0, 100_000.0, 50_000.0);
        let view = Rect { x: 5003.0, y: -50.0, w: 500.0, h: 400.0 };
        let d = frame_border_in_view(frame, &view);
        // Only the top side is in view, from the period start at or before the view's left edge.
        assert_eq!(d, "M4994.0 0.0H5503.0");
        // Moving the view keeps the dashes where they were: cuts fall on whole periods.
        let moved = Rect { x: 5001.0, ..view };
        assert_eq!(frame_border_in_view(frame, &moved), "M4994.0 0.0H5501.0");
        assert_eq!(frame_border_in_view(frame, &Rect { x: 200.0, y: 200.0, w: 100.0, h: 100.0 }), "");
    }
}
