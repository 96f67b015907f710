//! The zoomed-out canvas: every step and edge of the journey drawn as a handful of paths (one per
//! stage colour, plus selected and faulty steps), so a journey of hundreds of steps pans and
//! drags smoothly. Pointer presses are resolved by geometry (`core::editing::node_at`).

use journeys_core::Severity;
use leptos::prelude::*;

use super::geometry::{self, box_path, input_port, stage_colour};
use super::EditorState;

#[component]
pub fn Overview(state: EditorState) -> impl IntoView {
    let edges = Memo::new(move |_| {
        state.journey.with(|j| {
            state.index.with(|ix| {
                j.edges
                    .iter()
                    .filter_map(|e| {
                        let from = geometry::port_position(ix.node(j, &e.from)?, &e.port)?;
                        let to = input_port(ix.node(j, &e.to)?.position);
                        Some(geometry::curve(from, to))
                    })
                    .collect::<String>()
            })
        })
    });
    let stages = Memo::new(move |_| state.journey.with(geometry::stage_box_paths));
    let selected = Memo::new(move |_| {
        let ids = state.selected_nodes_tracked();
        state.journey.with(|j| box_path(j.nodes.iter().filter(|n| ids.contains(&n.id)).map(|n| n.position)))
    });
    let faulty = Memo::new(move |_| {
        state.diagnostics.with(|ds| {
            let ids: std::collections::BTreeSet<&String> = ds.iter().filter(|d| d.severity == Severity::Error).flat_map(|d| &d.node_ids).collect();
            state.journey.with(|j| box_path(j.nodes.iter().filter(|n| ids.contains(&n.id)).map(|n| n.position)))
        })
    });
    view! {
        <g class="overview" id="overview">
            <path class="overview-edges" d=move || edges.get() />
            {move || stages.get().into_iter().map(|(stage, d)| view! {
                <path class="overview-nodes" d=d stroke=stage_colour(stage) />
            }).collect_view()}
            <path class="overview-faulty" d=move || faulty.get() />
            <path class="overview-selected" d=move || selected.get() />
        </g>
    }
}
