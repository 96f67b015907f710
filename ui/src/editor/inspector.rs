//! The inspector: the selected step's label, stage and main setting.

use journeys_core::{Channel, NodeKind, Stage};
use leptos::prelude::*;

use super::{EditorState, Selection};

/// The one text setting each kind is mostly about, as (label, value).
fn main_field(kind: &NodeKind) -> Option<(&'static str, String)> {
    match kind {
        NodeKind::Trigger { event } => Some(("Entry event", event.clone())),
        NodeKind::Goal { event } => Some(("Goal event", event.clone())),
        NodeKind::Wait { duration } => Some(("Duration (e.g. 3d, 6h)", duration.clone())),
        NodeKind::Condition { expression } => Some(("Expression", expression.clone())),
        NodeKind::Action { content, .. } => Some(("Content", content.clone())),
        NodeKind::Update { attribute, .. } => Some(("Attribute", attribute.clone())),
        NodeKind::Split { .. } | NodeKind::Exit {} => None,
    }
}

fn set_main_field(kind: &mut NodeKind, value: String) {
    match kind {
        NodeKind::Trigger { event } | NodeKind::Goal { event } => *event = value,
        NodeKind::Wait { duration } => *duration = value,
        NodeKind::Condition { expression } => *expression = value,
        NodeKind::Action { content, .. } => *content = value,
        NodeKind::Update { attribute, .. } => *attribute = value,
        NodeKind::Split { .. } | NodeKind::Exit {} => {}
    }
}

const CHANNELS: [(Channel, &str); 8] = [
    (Channel::Email, "email"),
    (Channel::Sms, "sms"),
    (Channel::Push, "push"),
    (Channel::InApp, "in_app"),
    (Channel::Whatsapp, "whatsapp"),
    (Channel::CallCentre, "call_centre"),
    (Channel::Branch, "branch"),
    (Channel::Webhook, "webhook"),
];

#[component]
pub fn Inspector(state: EditorState) -> impl IntoView {
    // Rebuilt when the selection changes, not on every edit, so typing keeps its focus.
    move || {
        let selected = match state.selection.get() {
            Some(Selection::Node(id)) => state.journey.with_untracked(|j| j.node(&id).cloned()),
            _ => None,
        };
        let Some(node) = selected else {
            return view! {
                <section class="panel inspector"><h3>"Inspector"</h3>
                    <p class="muted">"Select a step to edit it. Drag from a port to a step to connect."</p>
                </section>
            }
            .into_any();
        };
        let id = node.id.clone();
        let edit = move |change: Box<dyn FnOnce(&mut journeys_core::Node)>| {
            let id = id.clone();
            state.edit(move |j| {
                if let Some(n) = j.node_mut(&id) {
                    change(n);
                }
            });
        };
        let edit_label = edit.clone();
        let edit_stage = edit.clone();
        let edit_field = edit.clone();
        let edit_channel = edit.clone();
        let channel = match &node.kind {
            NodeKind::Action { channel, .. } => Some(*channel),
            _ => None,
        };
        view! {
            <section class="panel inspector" data-node-id=node.id.clone()>
                <h3>"Inspector · " {node.kind.name()}</h3>
                <label>"Id"<input value=node.id.clone() disabled=true /></label>
                <label>"Label"<input value=node.label.clone()
                    on:change=move |ev| { let v = event_target_value(&ev); edit_label(Box::new(move |n| n.label = v)); } /></label>
                <label>"Stage"
                    <select on:change=move |ev| { let v = Stage::from_key(&event_target_value(&ev)); edit_stage(Box::new(move |n| n.stage = v)); }>
                        <option value="" selected=node.stage.is_none()>"(none)"</option>
                        {Stage::ALL.into_iter().map(|s| view! {
                            <option value=s.key() selected=node.stage == Some(s)>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                {channel.map(|current| view! {
                    <label>"Channel"
                        <select on:change=move |ev| {
                            let v = event_target_value(&ev);
                            let Some((c, _)) = CHANNELS.iter().find(|(_, k)| *k == v) else { return };
                            let c = *c;
                            edit_channel(Box::new(move |n| if let NodeKind::Action { channel, .. } = &mut n.kind { *channel = c }));
                        }>
                            {CHANNELS.iter().map(|(c, k)| view! { <option value=*k selected=*c == current>{*k}</option> }).collect_view()}
                        </select>
                    </label>
                })}
                {main_field(&node.kind).map(|(label, value)| view! {
                    <label>{label}<input class="main-field" value=value
                        on:change=move |ev| { let v = event_target_value(&ev); edit_field(Box::new(move |n| set_main_field(&mut n.kind, v))); } /></label>
                })}
            </section>
        }
        .into_any()
    }
}
