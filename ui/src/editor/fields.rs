//! Inspector inputs for settings that a plain text box serves badly: a Rhai expression with live
//! compile feedback and the known attributes, a duration as number + unit, split shares as
//! sliders that always add up to 100, and a decision's offers picked from the journey's own and
//! the catalogue's approved ones.

use journeys_core::editing::{rebalance_split, split_duration, toggle_decision_offer};
use journeys_core::settings::Offer;
use journeys_core::vocabulary::{CUSTOMER_ATTRIBUTES, SCORES};
use journeys_core::NodeKind;
use leptos::prelude::*;

use super::EditorState;

fn edit_kind(state: EditorState, id: &str, change: impl FnOnce(&mut NodeKind)) {
    state.edit(|j| {
        if let Some(n) = j.node_mut(id) {
            change(&mut n.kind);
        }
    });
}

/// A condition's rule: compiled as you type (the message says what and where), applied when
/// the field is left; the attributes and scores the profile has are a click away.
#[component]
pub fn ExpressionEditor(state: EditorState, id: String, initial: String) -> impl IntoView {
    let text = RwSignal::new(initial);
    let status = Memo::new(move |_| text.with(|t| journeys_core::expr::compile(t).map(|_| ()).map_err(|e| e.to_string())));
    let id = StoredValue::new(id);
    let apply = move || {
        let value = text.get_untracked();
        edit_kind(state, &id.get_value(), |kind| {
            if let NodeKind::Condition { expression } = kind {
                *expression = value;
            }
        });
    };
    let insert = move |name: String| {
        text.update(|t| {
            if !t.is_empty() && !t.ends_with(' ') {
                t.push(' ');
            }
            t.push_str(&name);
        });
        apply();
    };
    view! {
        <label>"Rule (Rhai expression)"
            <textarea class="expression-editor" rows="3" spellcheck="false" prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:change=move |_| apply()></textarea>
        </label>
        <p class="expression-status" class:ok=move || status.with(Result::is_ok)>
            {move || match status.get() {
                Ok(()) => "✓ compiles".to_string(),
                Err(message) => message,
            }}
        </p>
        <details class="known-names">
            <summary>"Customer attributes and scores"</summary>
            <div class="chips">
                {CUSTOMER_ATTRIBUTES.iter().map(|(name, _)| {
                    let full = format!("customer.{name}");
                    let shown = full.clone();
                    view! { <button class="chip attribute-chip" on:click=move |_| insert(full.clone())>{shown}</button> }
                }).collect_view()}
                {SCORES.iter().map(|name| {
                    let full = format!("scores.{name}");
                    let shown = full.clone();
                    view! { <button class="chip attribute-chip score" on:click=move |_| insert(full.clone())>{shown}</button> }
                }).collect_view()}
            </div>
        </details>
    }
}

/// A wait's duration as a number and a unit.
#[component]
pub fn DurationPicker(state: EditorState, id: String, initial: String) -> impl IntoView {
    let (number, unit) = split_duration(&initial);
    let number = RwSignal::new(number);
    let unit = RwSignal::new(unit);
    let id = StoredValue::new(id);
    let apply = move || {
        let value = format!("{}{}", number.get_untracked().max(1), unit.get_untracked());
        edit_kind(state, &id.get_value(), |kind| {
            if let NodeKind::Wait(w) = kind {
                w.duration = Some(value);
            }
        });
    };
    view! {
        <label>"Wait for"
            <span class="duration">
                <input class="duration-number" type="number" min="1" prop:value=move || number.get().to_string()
                    on:change=move |ev| { number.set(event_target_value(&ev).parse().unwrap_or(1)); apply(); } />
                <select class="duration-unit" on:change=move |ev| { unit.set(event_target_value(&ev).chars().next().unwrap_or('d')); apply(); }>
                    {[('m', "minutes"), ('h', "hours"), ('d', "days"), ('w', "weeks")].into_iter().map(|(key, label)| view! {
                        <option value=key.to_string() selected=move || unit.get() == key>{label}</option>
                    }).collect_view()}
                </select>
            </span>
        </label>
    }
}

/// A split's branches as sliders; moving one shares the rest among the others.
#[component]
pub fn SplitSliders(state: EditorState, id: String, names: Vec<String>) -> impl IntoView {
    let id = StoredValue::new(id);
    let share = move |index: usize| {
        state.journey.with(|j| match j.node(&id.get_value()).map(|n| &n.kind) {
            Some(NodeKind::Split { branches }) => branches.get(index).map(|b| b.percent).unwrap_or(0),
            _ => 0,
        })
    };
    view! {
        <div class="split-sliders">
            <span class="field-label">"Branch shares (always 100 % in all)"</span>
            {names.into_iter().enumerate().map(|(index, name)| view! {
                <label class="split-row">
                    <span class="branch-name">{name.clone()}</span>
                    <input class="split-slider" type="range" min="0" max="100" data-branch=name
                        prop:value=move || share(index).to_string()
                        on:change=move |ev| {
                            let percent = event_target_value(&ev).parse().unwrap_or(0);
                            edit_kind(state, &id.get_value(), |kind| {
                                if let NodeKind::Split { branches } = kind {
                                    rebalance_split(branches, index, percent);
                                }
                            });
                        } />
                    <span class="split-percent">{move || format!("{} %", share(index))}</span>
                </label>
            }).collect_view()}
        </div>
    }
}

/// A decision's offers: the journey's own and the shared catalogue's approved ones, ticked when
/// the decision chooses between them. Ticking a catalogue offer names it in the journey's
/// catalogue offers (used at its approved version when the journey runs).
#[component]
pub fn OfferPicker(state: EditorState, id: String, approved: RwSignal<Vec<Offer>>) -> impl IntoView {
    let id = StoredValue::new(id);
    let chosen = move |offer: &str| state.journey.with(|j| j.node(&id.get_value()).is_some_and(|n| matches!(&n.kind, NodeKind::Decision(d) if d.offers.iter().any(|o| o == offer))));
    let choice = move |offer: Offer, from_catalogue: bool| {
        let key = offer.id.clone();
        let checked_key = key.clone();
        let shown_key = key.clone();
        view! {
            <label class="offer-choice" class:catalogue=from_catalogue data-offer=shown_key>
                <input type="checkbox" prop:checked=move || chosen(&checked_key)
                    on:change=move |_| state.edit(|j| toggle_decision_offer(j, &id.get_value(), &key, from_catalogue)) />
                <span class="offer-name">{offer.name.clone()}</span>
                <span class="muted small">{format!("{} · {} · ΔCLV {:.0} · cost {:.2}", offer.id, offer.channel.key(), offer.value, offer.cost)}</span>
            </label>
        }
    };
    view! {
        <div class="offer-picker" id="offer-picker">
            <h4>"Offers this decision chooses between"</h4>
            {move || {
                let own = state.journey.with(|j| j.offers.clone());
                let own_ids: Vec<String> = own.iter().map(|o| o.id.clone()).collect();
                let shared: Vec<Offer> = approved.get().into_iter().filter(|o| !own_ids.contains(&o.id)).collect();
                view! {
                    {(!own.is_empty()).then(|| view! { <p class="muted small">"This journey's offers"</p> })}
                    {own.into_iter().map(|o| choice(o, false)).collect_view()}
                    <p class="muted small">"Catalogue (approved versions)"</p>
                    {shared.is_empty().then(|| view! { <p class="muted small" id="no-catalogue-offers">"No approved catalogue offers yet."</p> })}
                    {shared.into_iter().map(|o| choice(o, true)).collect_view()}
                }
            }}
        </div>
    }
}
