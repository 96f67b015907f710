//! The inspector: the selected step's label, stage, main setting and its problems.

use journeys_core::kinds::Purpose;
use journeys_core::{Channel, Node, NodeKind, Stage};
use leptos::prelude::*;

use super::EditorState;

/// The one text setting each kind is mostly about, as (label, value).
fn main_field(kind: &NodeKind) -> Option<(&'static str, String)> {
    match kind {
        NodeKind::Trigger(t) => Some(match (&t.segment, &t.audience, &t.date_rule) {
            (Some(segment), _, _) => ("Segment condition", segment.clone()),
            (_, Some(audience), _) => ("Audience", audience.clone()),
            (_, _, Some(rule)) => ("Date attribute", rule.attribute.clone()),
            _ => ("Entry event", t.event.clone().unwrap_or_default()),
        }),
        NodeKind::Wait(w) => Some(match (&w.duration, &w.until_time, &w.until_event) {
            (_, Some(time), _) => ("Until local time (HH:MM)", time.clone()),
            (_, _, Some(event)) => ("Until event", event.clone()),
            (duration, ..) => ("Duration (e.g. 3d, 6h)", duration.clone().unwrap_or_default()),
        }),
        NodeKind::Goal { event } => Some(("Goal event", event.clone())),
        NodeKind::Condition { expression } => Some(("Expression", expression.clone())),
        NodeKind::Holdout { control_percent } => Some(("Control group %", control_percent.to_string())),
        NodeKind::Decision(d) => Some(("Offers (ids, comma-separated)", d.offers.join(", "))),
        NodeKind::Action(a) => Some(("Content", a.content.clone())),
        NodeKind::Update { attribute, .. } => Some(("Attribute", attribute.clone())),
        NodeKind::Switch { .. } | NodeKind::Split { .. } | NodeKind::Exit {} => None,
    }
}

fn set_main_field(kind: &mut NodeKind, value: String) {
    match kind {
        NodeKind::Trigger(t) => match (&mut t.segment, &mut t.audience, &mut t.date_rule) {
            (Some(segment), _, _) => *segment = value,
            (_, Some(audience), _) => *audience = value,
            (_, _, Some(rule)) => rule.attribute = value,
            _ => t.event = Some(value),
        },
        NodeKind::Wait(w) => match (&mut w.until_time, &mut w.until_event) {
            (Some(time), _) => *time = value,
            (_, Some(event)) => *event = value,
            _ => w.duration = Some(value),
        },
        NodeKind::Goal { event } => *event = value,
        NodeKind::Condition { expression } => *expression = value,
        // An unreadable number is not applied; the share in force stays.
        NodeKind::Holdout { control_percent } => *control_percent = value.trim().parse().unwrap_or(*control_percent),
        NodeKind::Decision(d) => {
            d.offers = value.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect()
        }
        NodeKind::Action(a) => a.content = value,
        NodeKind::Update { attribute, .. } => *attribute = value,
        NodeKind::Switch { .. } | NodeKind::Split { .. } | NodeKind::Exit {} => {}
    }
}

/// Kinds whose main setting has a dedicated input (see `fields`).
fn has_own_editor(kind: &NodeKind) -> bool {
    match kind {
        NodeKind::Condition { .. } | NodeKind::Split { .. } | NodeKind::Decision(_) => true,
        NodeKind::Wait(w) => w.until_time.is_none() && w.until_event.is_none(),
        _ => false,
    }
}

/// An edit of the selected node, applied through the editor (so it marks the draft unsaved).
type NodeEdit = Box<dyn FnOnce(&mut Node)>;

#[component]
pub fn Inspector(state: EditorState) -> impl IntoView {
    // Rebuilt when the selection changes, not on every edit, so typing keeps its focus.
    move || {
        let selected = state.single_node().and_then(|id| state.journey.with_untracked(|j| j.node(&id).cloned()));
        let Some(node) = selected else {
            return view! {
                <section class="panel inspector"><h3>"Inspector"</h3>
                    <p class="muted">"Select a step to edit it. Drag from a port to a step to connect."</p>
                </section>
            }
            .into_any();
        };
        let id = node.id.clone();
        let edit = move |change: NodeEdit| {
            let id = id.clone();
            state.edit(move |j| {
                if let Some(n) = j.node_mut(&id) {
                    change(n);
                }
            });
        };
        let (edit_label, edit_stage, edit_field, edit_channel, edit_purpose) =
            (edit.clone(), edit.clone(), edit.clone(), edit.clone(), edit);
        let action = match &node.kind {
            NodeKind::Action(a) => Some((a.channel, a.purpose)),
            _ => None,
        };
        let node_id = node.id.clone();
        let problems = move || {
            state.diagnostics.with(|ds| {
                ds.iter()
                    .filter(|d| d.node_ids.contains(&node_id))
                    .map(|d| format!("{} {}", d.code, d.message))
                    .collect::<Vec<_>>()
            })
        };
        view! {
            <section class="panel inspector" data-node-id=node.id.clone()>
                <h3>"Inspector · " {node.kind.name()}</h3>
                <fieldset class="inspector-fields" disabled=state.read_only>
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
                {action.map(|(current, purpose)| view! {
                    <label>"Channel"
                        <select class="channel" on:change=move |ev| {
                            let Some(c) = Channel::from_key(&event_target_value(&ev)) else { return };
                            edit_channel(Box::new(move |n| if let NodeKind::Action(a) = &mut n.kind { a.channel = c }));
                        }>
                            {Channel::ALL.iter().map(|c| view! { <option value=c.key() selected=*c == current>{c.key()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Consent purpose"
                        <select class="purpose" on:change=move |ev| {
                            let p = match event_target_value(&ev).as_str() {
                                "marketing" => Some(Purpose::Marketing),
                                "service" => Some(Purpose::Service),
                                _ => None,
                            };
                            edit_purpose(Box::new(move |n| if let NodeKind::Action(a) = &mut n.kind { a.purpose = p }));
                        }>
                            <option value="" selected=purpose.is_none()>"(not set)"</option>
                            <option value="marketing" selected=purpose == Some(Purpose::Marketing)>"marketing"</option>
                            <option value="service" selected=purpose == Some(Purpose::Service)>"service"</option>
                        </select>
                    </label>
                })}
                {match &node.kind {
                    NodeKind::Condition { expression } => Some(view! {
                        <super::fields::ExpressionEditor state=state id=node.id.clone() initial=expression.clone() />
                    }.into_any()),
                    NodeKind::Wait(w) if w.until_time.is_none() && w.until_event.is_none() => Some(view! {
                        <super::fields::DurationPicker state=state id=node.id.clone() initial=w.duration.clone().unwrap_or_default() />
                    }.into_any()),
                    NodeKind::Split { branches } => Some(view! {
                        <super::fields::SplitSliders state=state id=node.id.clone() names=branches.iter().map(|b| b.name.clone()).collect() />
                    }.into_any()),
                    _ => None,
                }}
                {match &node.kind {
                    NodeKind::Decision(_) => {
                        // The catalogue's approved offers, for the picker and the ranking.
                        let approved = RwSignal::new(Vec::new());
                        leptos::task::spawn_local(async move {
                            if let Ok(catalogue) = crate::api::catalogue().await {
                                let live = catalogue.offers.into_iter().filter(|o| o.entry.status == journeys_core::review::VersionStatus::Approved).map(|o| o.offer);
                                approved.set(live.collect());
                            }
                        });
                        Some(view! {
                            <super::fields::OfferPicker state=state id=node.id.clone() approved=approved />
                            <super::ranking::DecisionRanking state=state id=node.id.clone() approved=approved />
                        })
                    }
                    _ => None,
                }}
                {main_field(&node.kind).filter(|_| !has_own_editor(&node.kind)).map(|(label, value)| view! {
                    <label>{label}<input class="main-field" value=value
                        on:change=move |ev| { let v = event_target_value(&ev); edit_field(Box::new(move |n| set_main_field(&mut n.kind, v))); } /></label>
                })}
                </fieldset>
                <ul class="inspector-problems">
                    {move || problems().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                </ul>
            </section>
        }
        .into_any()
    }
}
