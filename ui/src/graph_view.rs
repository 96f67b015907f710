//! A journey drawn read-only and scaled to fit its box: the review screen's side-by-side
//! versions and the gallery's thumbnails. Nodes can be marked (added, removed, changed).

use std::collections::BTreeMap;

use journeys_core::{Journey, Stage};
use leptos::prelude::*;

use crate::editor::geometry::{self, curve, input_port, stage_colour, truncate, NODE_H, NODE_W};

/// How a node is marked: its CSS class suffix (`mark-added`, …).
pub type Marks = BTreeMap<String, &'static str>;

#[component]
pub fn GraphView(journey: Journey, #[prop(optional)] marks: Marks, #[prop(optional)] compact: bool) -> impl IntoView {
    let margin = 30.0;
    let (x, y, w, h) = geometry::bounds(&journey).unwrap_or((0.0, 0.0, NODE_W, NODE_H));
    let view_box = format!("{:.0} {:.0} {:.0} {:.0}", x - margin, y - margin - 20.0, w + 2.0 * margin, h + 2.0 * margin + 20.0);
    let frames: Vec<_> = Stage::ALL.into_iter().filter_map(|s| geometry::stage_frame(&journey, s).map(|f| (s, f))).collect();
    let edges: Vec<String> = journey
        .edges
        .iter()
        .filter_map(|e| {
            let from = geometry::port_position(journey.node(&e.from)?, &e.port)?;
            let (x, y) = input_port(journey.node(&e.to)?.position);
            Some(curve(from, (x - 4.0, y)))
        })
        .collect();
    view! {
        <svg class="graph-view" class:compact=compact viewBox=view_box preserveAspectRatio="xMidYMid meet">
            <defs>
                <marker id="graph-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" fill="#94a3b8" />
                </marker>
            </defs>
            {frames.into_iter().map(|(stage, (x, y, w, h))| view! {
                <g class="stage-frame">
                    <rect x=x y=y width=w height=h rx="14" fill=stage_colour(Some(stage)) fill-opacity="0.06"
                        stroke=stage_colour(Some(stage)) stroke-opacity="0.45" stroke-dasharray="6 4" />
                    {(!compact).then(|| view! {
                        <text x=x + 12.0 y=y + 18.0 class="stage-label" fill=stage_colour(Some(stage))>{stage.label()}</text>
                    })}
                </g>
            }).collect_view()}
            {edges.into_iter().map(|d| view! { <path class="edge-line" d=d marker-end="url(#graph-arrow)" /> }).collect_view()}
            {journey.nodes.iter().map(|n| {
                let mark = marks.get(&n.id).map(|m| format!("graph-node mark-{m}")).unwrap_or_else(|| "graph-node".into());
                view! {
                    <g class=mark data-node-id=n.id.clone() transform=format!("translate({:.1},{:.1})", n.position.x, n.position.y)>
                        <title>{format!("{} ({})", n.display_name(), n.id)}</title>
                        <rect class="node-box" width=NODE_W height=NODE_H rx="10" />
                        <rect class="node-stripe" width="6" height=NODE_H rx="3" fill=stage_colour(n.stage) />
                        <text class="node-kind" x="18" y="23">{n.kind.name().to_uppercase()}</text>
                        <text class="node-label" x="18" y="45">{truncate(&n.display_name(), 22)}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}
