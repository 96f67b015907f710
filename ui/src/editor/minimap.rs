//! The minimap: every step as a small stage-coloured box, the visible part of the canvas as a
//! frame; click or drag on it to move the view there.

use leptos::prelude::*;

use super::geometry::{self, stage_colour, NODE_H, NODE_W};
use super::EditorState;

const MAP_W: f64 = 200.0;
const MAP_H: f64 = 130.0;

#[component]
pub fn Minimap(state: EditorState) -> impl IntoView {
    let world = Memo::new(move |_| {
        let (x, y, w, h) = state.journey.with(geometry::bounds).unwrap_or((0.0, 0.0, NODE_W, NODE_H));
        let pad = 60.0;
        (x - pad, y - pad, w + 2.0 * pad, h + 2.0 * pad)
    });
    // The visible canvas area, in canvas coordinates.
    let viewport = move || {
        let (px, py) = state.pan.get();
        let zoom = state.zoom.get();
        let (w, h) = state.canvas.get().map(|el| (el.client_width() as f64, el.client_height() as f64)).unwrap_or((0.0, 0.0));
        (-px / zoom, -py / zoom, w / zoom, h / zoom)
    };
    let centre_on = move |ev: leptos::ev::PointerEvent| {
        ev.stop_propagation();
        let Some(target) = ev.current_target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok()) else { return };
        let rect = target.get_bounding_client_rect();
        let (wx, wy, ww, wh) = world.get_untracked();
        // The map keeps the world's aspect ratio, centred in its box (xMidYMid meet).
        let scale = (rect.width() / ww).min(rect.height() / wh);
        let (ox, oy) = ((rect.width() - ww * scale) / 2.0, (rect.height() - wh * scale) / 2.0);
        let x = wx + (ev.client_x() as f64 - rect.left() - ox) / scale;
        let y = wy + (ev.client_y() as f64 - rect.top() - oy) / scale;
        let (_, _, vw, vh) = viewport();
        let zoom = state.zoom.get_untracked();
        state.pan.set((-(x - vw / 2.0) * zoom, -(y - vh / 2.0) * zoom));
    };
    view! {
        <svg class="minimap" id="minimap" width=MAP_W height=MAP_H preserveAspectRatio="xMidYMid meet"
            viewBox=move || { let (x, y, w, h) = world.get(); format!("{x:.0} {y:.0} {w:.0} {h:.0}") }
            on:pointerdown=centre_on>
            {move || state.journey.with(geometry::stage_box_paths).into_iter().map(|(stage, d)| view! {
                <path d=d fill=stage_colour(stage) fill-opacity="0.55" />
            }).collect_view()}
            {move || {
                let (x, y, w, h) = viewport();
                view! { <rect class="minimap-view" x=x y=y width=w height=h /> }
            }}
        </svg>
    }
}
