//! The palette: lifecycle stage blocks and single steps, dragged onto the canvas.

use journeys_core::catalog::{stage_block, step_block, STEP_KINDS};
use journeys_core::fragment::insert_fragment;
use journeys_core::{Position, Stage};
use leptos::prelude::*;

use super::geometry::stage_colour;
use super::geometry::{self, NODE_H, NODE_W};
use super::{Drag, EditorState, Selection};

#[derive(Clone, Debug, PartialEq)]
pub enum PaletteItem {
    Stage(Stage),
    Step(&'static str),
}

impl PaletteItem {
    fn label(&self) -> String {
        match self {
            PaletteItem::Stage(stage) => stage.label().to_string(),
            PaletteItem::Step(kind) => kind.to_string(),
        }
    }
}

/// Drop `item` with its top-left at canvas point `at`. A single step takes the stage of the
/// frame it lands in, so it joins that part of the journey.
pub fn drop_item(state: EditorState, item: &PaletteItem, at: (f64, f64)) {
    let at = Position { x: geometry::snap(at.0 - NODE_W / 2.0), y: geometry::snap(at.1 - NODE_H / 2.0) };
    let fragment = match item {
        PaletteItem::Stage(stage) => Some(stage_block(*stage)),
        PaletteItem::Step(kind) => {
            let stage = state.journey.with_untracked(|j| {
                Stage::ALL.into_iter().find(|s| {
                    geometry::stage_frame(j, *s)
                        .is_some_and(|(x, y, w, h)| at.x >= x && at.x <= x + w && at.y >= y && at.y <= y + h)
                })
            });
            step_block(kind, stage.unwrap_or(Stage::Acquire))
        }
    };
    let Some(fragment) = fragment else { return };
    let mut first = None;
    state.edit(|j| first = insert_fragment(j, &fragment, at).into_iter().next());
    state.selection.set(first.map(|id| Selection::node(&id)));
}

#[component]
pub fn Palette(state: EditorState) -> impl IntoView {
    let grab = move |item: PaletteItem| {
        move |ev: leptos::ev::PointerEvent| {
            if ev.button() == 0 {
                ev.prevent_default();
                state.drag.set(Drag::Palette { item: item.clone(), client: (ev.client_x() as f64, ev.client_y() as f64) });
            }
        }
    };
    let filter = RwSignal::new(String::new());
    let shown = move |label: &str| {
        let needle = filter.get().trim().to_lowercase();
        needle.is_empty() || label.to_lowercase().contains(&needle)
    };
    view! {
        <nav class="palette" aria-label="Palette">
            <input class="palette-search" id="palette-search" type="search" placeholder="Search steps"
                prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev)) />
            <h3>"Lifecycle stages"</h3>
            {Stage::ALL.into_iter().map(|stage| view! {
                <div class="palette-item palette-stage" data-stage=stage.key() class:hidden=move || !shown(stage.label())
                    style=format!("--stage: {}", stage_colour(Some(stage)))
                    title="Drag onto the canvas to add this stage's starter steps"
                    on:pointerdown=grab(PaletteItem::Stage(stage))>
                    <span class="swatch"></span>{stage.label()}
                </div>
            }).collect_view()}
            <h3>"Steps"</h3>
            {STEP_KINDS.iter().map(|kind| view! {
                <div class="palette-item palette-step" data-step=*kind class:hidden=move || !shown(kind)
                    on:pointerdown=grab(PaletteItem::Step(kind))>
                    {kind.to_string()}
                </div>
            }).collect_view()}
        </nav>
    }
}

/// The item under the pointer while it is carried from the palette.
#[component]
pub fn DragGhost(state: EditorState) -> impl IntoView {
    move || match state.drag.get() {
        Drag::Palette { item, client } => Some(view! {
            <div class="drag-ghost" style=format!("left: {}px; top: {}px", client.0 + 8.0, client.1 + 8.0)>
                {item.label()}
            </div>
        }),
        _ => None,
    }
}
