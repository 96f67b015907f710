//! The diagnostics list: every finding of the shared validation, click to select its node.

use journeys_core::Severity;
use leptos::prelude::*;

use super::{EditorState, Selection};

#[component]
pub fn DiagnosticsPanel(state: EditorState) -> impl IntoView {
    view! {
        <section class="panel" id="diagnostics">
            <h3>"Problems"</h3>
            {move || state.diagnostics.with(|ds| ds.is_empty()).then(|| view! {
                <p class="muted">"No problems: every step is reachable and every path ends."</p>
            })}
            <ul class="diagnostic-list">
                {move || state.diagnostics.get().into_iter().map(|d| {
                    let node = d.node_ids.first().cloned();
                    let edge = d.edge_ids.first().cloned();
                    let severity = d.severity;
                    view! {
                        <li class="diagnostic" class:error=severity == Severity::Error class:warning=severity == Severity::Warning
                            data-code=d.code.clone() data-nodes=d.node_ids.join(" ")
                            title=d.hint.clone()
                            on:click=move |_| match (&node, &edge) {
                                (Some(node), _) => state.focus_node(node),
                                (None, Some(edge)) => state.selection.set(Some(Selection::Edge(edge.clone()))),
                                _ => {}
                            }>
                            <span class="code">{d.code.clone()}</span>
                            <span class="message">{d.message.clone()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
