//! Pasting a fragment (a stage block's starter steps, or a copied selection) into a journey.

use std::collections::HashMap;

use crate::model::{Edge, Journey, Position};

/// Add `fragment`'s nodes and edges to `journey`, with fresh ids and positions moved so the
/// fragment's top-left node lands at `at`. Returns the new node ids in fragment order.
pub fn insert_fragment(journey: &mut Journey, fragment: &Journey, at: Position) -> Vec<String> {
    let min_x = fragment.nodes.iter().map(|n| n.position.x).fold(f64::INFINITY, f64::min);
    let min_y = fragment.nodes.iter().map(|n| n.position.y).fold(f64::INFINITY, f64::min);
    let mut renamed = HashMap::new();
    let mut new_ids = Vec::new();
    for node in &fragment.nodes {
        let mut copy = node.clone();
        copy.id = journey.fresh_id(&format!("{}_", node.kind.name()));
        copy.position = Position { x: at.x + node.position.x - min_x, y: at.y + node.position.y - min_y };
        renamed.insert(node.id.as_str(), copy.id.clone());
        new_ids.push(copy.id.clone());
        journey.nodes.push(copy);
    }
    for edge in &fragment.edges {
        if let (Some(from), Some(to)) = (renamed.get(edge.from.as_str()), renamed.get(edge.to.as_str())) {
            let id = journey.fresh_id("e");
            journey.edges.push(Edge { id, from: from.clone(), port: edge.port.clone(), to: to.clone() });
        }
    }
    new_ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::parse_journey;

    fn journey(text: &str) -> Journey {
        parse_journey(text).expect("fixture parses")
    }

    #[test]
    fn inserted_fragment_gets_fresh_ids_and_keeps_its_edges() {
        let mut target = journey(r#"{"format_version":1,"id":"j","name":"J","nodes":[
            {"id":"wait_1","kind":"exit","stage":"acquire"}]}"#);
        let block = journey(r#"{"format_version":1,"id":"b","name":"B","nodes":[
            {"id":"w","kind":"wait","duration":"1d","stage":"retain","position":{"x":100,"y":50}},
            {"id":"x","kind":"exit","stage":"retain","position":{"x":300,"y":50}}],
            "edges":[{"id":"e1","from":"w","to":"x"}]}"#);
        let ids = insert_fragment(&mut target, &block, Position { x: 10.0, y: 20.0 });
        assert_eq!(ids, vec!["wait_2", "exit_1"]);
        assert_eq!(target.node("wait_2").map(|n| n.position), Some(Position { x: 10.0, y: 20.0 }));
        assert_eq!(target.node("exit_1").map(|n| n.position), Some(Position { x: 210.0, y: 20.0 }));
        assert_eq!(target.edges.len(), 1);
        assert_eq!((target.edges[0].from.as_str(), target.edges[0].to.as_str()), ("wait_2", "exit_1"));
    }
}
