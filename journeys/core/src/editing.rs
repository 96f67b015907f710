//! Canvas editing that is not drawing: selecting many steps (click, shift-click, rubber band),
//! moving, copying, pasting, duplicating and deleting them. Pure functions on a journey, so the
//! wasm editor stays thin and these rules are unit-tested natively.

use std::collections::BTreeSet;

use crate::fragment::insert_fragment;
use crate::layout::NODE_SIZE;
use crate::model::{Journey, Position};

/// A rectangle in canvas coordinates, from any two opposite corners.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn from_corners(a: (f64, f64), b: (f64, f64)) -> Rect {
        Rect { x: a.0.min(b.0), y: a.1.min(b.1), w: (a.0 - b.0).abs(), h: (a.1 - b.1).abs() }
    }

    /// The box a step at `position` takes on the canvas.
    pub fn of_node(position: Position) -> Rect {
        Rect { x: position.x, y: position.y, w: NODE_SIZE.0, h: NODE_SIZE.1 }
    }

    /// Whether the two rectangles share any area.
    pub fn intersects(&self, other: &Rect) -> bool {
        self.x < other.x + other.w && other.x < self.x + self.w && self.y < other.y + other.h && other.y < self.y + self.h
    }
}

/// The steps a rubber band touches (any overlap counts, as in most diagram editors).
pub fn nodes_in_rect(journey: &Journey, rect: Rect) -> BTreeSet<String> {
    journey
        .nodes
        .iter()
        .filter(|n| Rect::of_node(n.position).intersects(&rect))
        .map(|n| n.id.clone())
        .collect()
}

/// The step whose box holds a canvas point, topmost (last drawn) first.
pub fn node_at(journey: &Journey, point: (f64, f64)) -> Option<&str> {
    journey
        .nodes
        .iter()
        .rev()
        .find(|n| point.0 >= n.position.x && point.0 <= n.position.x + NODE_SIZE.0 && point.1 >= n.position.y && point.1 <= n.position.y + NODE_SIZE.1)
        .map(|n| n.id.as_str())
}

/// Shift-click: add a step to the selection, or take it out if it is in.
pub fn toggle(selection: &mut BTreeSet<String>, id: &str) {
    if !selection.remove(id) {
        selection.insert(id.to_string());
    }
}

/// Move the steps in `ids` by (dx, dy).
pub fn move_nodes(journey: &mut Journey, ids: &BTreeSet<String>, dx: f64, dy: f64) {
    for node in journey.nodes.iter_mut().filter(|n| ids.contains(&n.id)) {
        node.position = Position { x: node.position.x + dx, y: node.position.y + dy };
    }
}

/// The steps in `ids` and the edges between them, as a fragment to paste later.
pub fn copy(journey: &Journey, ids: &BTreeSet<String>) -> Journey {
    let mut fragment = Journey::empty("clipboard", "Copied steps");
    fragment.nodes = journey.nodes.iter().filter(|n| ids.contains(&n.id)).cloned().collect();
    fragment.edges = journey.edges.iter().filter(|e| ids.contains(&e.from) && ids.contains(&e.to)).cloned().collect();
    fragment
}

/// Paste a copied fragment with its top-left step at `at`; returns the new steps' ids.
pub fn paste(journey: &mut Journey, fragment: &Journey, at: Position) -> BTreeSet<String> {
    insert_fragment(journey, fragment, at).into_iter().collect()
}

/// Copy and paste in one go, offset down and right so the copies are visible.
pub fn duplicate(journey: &mut Journey, ids: &BTreeSet<String>) -> BTreeSet<String> {
    let fragment = copy(journey, ids);
    let Some(corner) = top_left(&fragment) else { return BTreeSet::new() };
    paste(journey, &fragment, Position { x: corner.x + 40.0, y: corner.y + 40.0 })
}

/// Delete the steps in `ids` and every edge to or from them.
pub fn remove_nodes(journey: &mut Journey, ids: &BTreeSet<String>) {
    journey.nodes.retain(|n| !ids.contains(&n.id));
    journey.edges.retain(|e| !ids.contains(&e.from) && !ids.contains(&e.to));
}

/// The top-left corner of a journey's steps.
pub fn top_left(journey: &Journey) -> Option<Position> {
    journey.nodes.iter().map(|n| n.position).reduce(|a, b| Position { x: a.x.min(b.x), y: a.y.min(b.y) })
}

/// Set split branch `index` to `percent` and share the rest among the other branches in
/// proportion to their current shares, so the branches still add up to exactly 100.
pub fn rebalance_split(branches: &mut [crate::model::SplitBranch], index: usize, percent: u32) {
    if index >= branches.len() {
        return;
    }
    let percent = if branches.len() == 1 { 100 } else { percent.min(100) };
    branches[index].percent = percent;
    let others: Vec<usize> = (0..branches.len()).filter(|&i| i != index).collect();
    let rest = 100 - percent;
    let before: u32 = others.iter().map(|&i| branches[i].percent).sum();
    let mut given = 0;
    for (n, &i) in others.iter().enumerate() {
        let share = if n + 1 == others.len() {
            rest - given
        } else if before == 0 {
            rest / others.len() as u32
        } else {
            // Integer shares, rounded down; the last branch takes what rounding left over.
            (u64::from(branches[i].percent) * u64::from(rest) / u64::from(before)) as u32
        };
        branches[i].percent = share;
        given += share;
    }
}

/// A duration such as `3d` as (number, unit), for a number field beside a unit picker.
pub fn split_duration(text: &str) -> (u64, char) {
    let text = text.trim();
    match text.chars().last() {
        Some(unit @ ('m' | 'h' | 'd' | 'w')) => (text[..text.len() - 1].trim().parse().unwrap_or(1), unit),
        _ => (text.parse().unwrap_or(1), 'd'),
    }
}

/// Add `offer` to decision `node`'s choices, or take it away. A catalogue offer (`from_catalogue`)
/// is named in the journey's catalogue offers while some step uses it, and no longer after.
pub fn toggle_decision_offer(journey: &mut Journey, node: &str, offer: &str, from_catalogue: bool) {
    let Some(crate::NodeKind::Decision(d)) = journey.node_mut(node).map(|n| &mut n.kind) else { return };
    if d.offers.iter().any(|o| o == offer) {
        d.offers.retain(|o| o != offer);
    } else {
        d.offers.push(offer.to_string());
    }
    if !from_catalogue {
        return;
    }
    let used = journey.nodes.iter().any(|n| match &n.kind {
        crate::NodeKind::Decision(d) => d.offers.iter().any(|o| o == offer),
        crate::NodeKind::Action(a) => a.offer.as_deref() == Some(offer),
        _ => false,
    });
    let named = journey.catalogue_offers.iter().any(|o| o == offer);
    if used && !named {
        journey.catalogue_offers.push(offer.to_string());
    } else if !used {
        journey.catalogue_offers.retain(|o| o != offer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Journey {
        crate::catalog::template("credit-card-activation").expect("template")
    }

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rubber_band_selects_what_it_touches_from_either_corner() {
        let j = sample();
        // issued at (40,150), wait_3d at (260,150): a band across both, drawn right to left.
        let band = Rect::from_corners((300.0, 200.0), (100.0, 160.0));
        assert_eq!(nodes_in_rect(&j, band), set(&["issued", "wait_3d"]));
        assert!(nodes_in_rect(&j, Rect::from_corners((-500.0, -500.0), (-400.0, -400.0))).is_empty());
        assert_eq!(node_at(&j, (50.0, 160.0)), Some("issued"));
        assert_eq!(node_at(&j, (230.0, 160.0)), None, "the gap between steps is no step");
    }

    #[test]
    fn split_shares_always_add_up_to_100() {
        use crate::model::SplitBranch;
        let branch = |name: &str, percent| SplitBranch { name: name.into(), percent };
        let mut three = vec![branch("a", 50), branch("b", 30), branch("c", 20)];
        rebalance_split(&mut three, 0, 80);
        assert_eq!(three.iter().map(|b| b.percent).collect::<Vec<_>>(), [80, 12, 8]);
        rebalance_split(&mut three, 2, 100);
        assert_eq!(three.iter().map(|b| b.percent).collect::<Vec<_>>(), [0, 0, 100]);
        rebalance_split(&mut three, 1, 40);
        assert_eq!(three.iter().map(|b| b.percent).sum::<u32>(), 100, "{three:?}");
        assert_eq!(three[1].percent, 40);
        rebalance_split(&mut three, 9, 10);
        assert_eq!(three.iter().map(|b| b.percent).sum::<u32>(), 100);
        for percent in 0..=120 {
            let mut four = vec![branch("a", 25), branch("b", 25), branch("c", 25), branch("d", 25)];
            rebalance_split(&mut four, percent as usize % 4, percent);
            assert_eq!(four.iter().map(|b| b.percent).sum::<u32>(), 100, "{percent}: {four:?}");
        }
    }

    #[test]
    fn durations_split_into_number_and_unit() {
        assert_eq!(split_duration("3d"), (3, 'd'));
        assert_eq!(split_duration(" 12h"), (12, 'h'));
        assert_eq!(split_duration("90"), (90, 'd'));
        assert_eq!(split_duration("xw"), (1, 'w'));
    }

    #[test]
    fn shift_click_toggles() {
        let mut s = set(&["a"]);
        toggle(&mut s, "b");
        toggle(&mut s, "a");
        assert_eq!(s, set(&["b"]));
    }

    #[test]
    fn copy_keeps_inner_edges_and_paste_gives_fresh_ids() {
        let mut j = sample();
        let ids = set(&["push_activate", "wait_2d", "sms_activate"]);
        let fragment = copy(&j, &ids);
        assert_eq!(fragment.nodes.len(), 3);
        assert_eq!(fragment.edges.len(), 2, "push→wait and wait.timeout→sms; edges leaving the selection stay behind");
        let (nodes, edges) = (j.nodes.len(), j.edges.len());
        let pasted = paste(&mut j, &fragment, Position { x: 0.0, y: 600.0 });
        assert_eq!((j.nodes.len(), j.edges.len()), (nodes + 3, edges + 2));
        assert!(pasted.iter().all(|id| !ids.contains(id)));
        assert_eq!(top_left(&copy(&j, &pasted)), Some(Position { x: 0.0, y: 600.0 }));
    }

    #[test]
    fn duplicate_offsets_the_copies_and_remove_takes_their_edges() {
        let mut j = sample();
        let ids = set(&["push_activate", "wait_2d"]);
        let copies = duplicate(&mut j, &ids);
        assert_eq!(copies.len(), 2);
        let original = top_left(&copy(&j, &ids)).expect("corner");
        let copied = top_left(&copy(&j, &copies)).expect("corner");
        assert_eq!((copied.x - original.x, copied.y - original.y), (40.0, 40.0));
        remove_nodes(&mut j, &copies);
        assert_eq!(j, sample(), "removing the copies restores the journey");
        move_nodes(&mut j, &ids, 10.0, -20.0);
        assert_eq!(j.node("wait_2d").map(|n| n.position), Some(Position { x: 930.0, y: 20.0 }));
        assert_eq!(j.node("issued").map(|n| n.position), sample().node("issued").map(|n| n.position));
    }

    #[test]
    fn ticking_a_catalogue_offer_names_it_and_unticking_forgets_it() {
        let mut journey = crate::catalog::template("churn-early-warning").expect("template");
        let own = journey.offers[0].id.clone();
        toggle_decision_offer(&mut journey, "nba", "gold_card", true);
        assert!(journey.catalogue_offers == ["gold_card"] && journey.node("nba").is_some_and(|n| matches!(&n.kind, crate::NodeKind::Decision(d) if d.offers.last().map(String::as_str) == Some("gold_card"))));
        assert!(crate::validate::validate(&journey).iter().all(|d| !d.message.contains("gold_card") || d.code == "J007"), "only the new port waits for a connection");
        toggle_decision_offer(&mut journey, "nba", "gold_card", true);
        assert!(journey.catalogue_offers.is_empty());
        toggle_decision_offer(&mut journey, "nba", &own, false);
        assert!(journey.node("nba").is_some_and(|n| matches!(&n.kind, crate::NodeKind::Decision(d) if !d.offers.contains(&own))));
        assert!(journey.catalogue_offers.is_empty());
    }
}
