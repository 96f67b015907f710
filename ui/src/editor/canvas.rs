//! The SVG canvas: stage frames, edges and nodes, with pointer input for moving nodes,
//! panning, drawing edges from ports and dropping palette items.

use std::collections::{HashMap, HashSet};

use journeys_core::{Position, Severity, Stage};
use leptos::prelude::*;

use super::geometry::{self, curve, input_port, output_port, snap, stage_colour, truncate, NODE_H, NODE_W};
use journeys_core::editing::Rect;

use super::{palette, Drag, EditorState, Selection};

const MIN_ZOOM: f64 = 0.3;
const MAX_ZOOM: f64 = 2.0;
/// Below this zoom labels are too small to read, and a journey of more than
/// `OVERVIEW_FROM_STEPS` steps is drawn as boxes and lines only (the overview layer).
const OVERVIEW_BELOW: f64 = 0.55;
const OVERVIEW_FROM_STEPS: usize = 80;
/// Screen pixels around the view within which steps are drawn already, so panning reveals them.
const VIEW_MARGIN: f64 = 150.0;
/// The background dot grid's spacing in canvas units (two snapping steps).
const GRID_CELL: f64 = 20.0;
/// What is drawn is chosen for the view (and margin) rounded out to blocks of this many canvas
/// units, so panning changes it only when a block border is crossed, not on every pointer move.
const VIEW_BLOCK: f64 = 300.0;


impl EditorState {
    /// Window coordinates → canvas coordinates (undoing pan and zoom).
    pub fn to_canvas(&self, client: (f64, f64)) -> Option<(f64, f64)> {
        let rect = self.canvas.get_untracked()?.get_bounding_client_rect();
        let (px, py) = self.pan.get_untracked();
        let zoom = self.zoom.get_untracked();
        Some(((client.0 - rect.left() - px) / zoom, (client.1 - rect.top() - py) / zoom))
    }

    /// Zoom to `zoom`, keeping the canvas point under window point `client` where it is.
    pub fn zoom_at(&self, zoom: f64, client: (f64, f64)) {
        let Some(el) = self.canvas.get_untracked() else { return };
        let rect = el.get_bounding_client_rect();
        let Some(world) = self.to_canvas(client) else { return };
        let zoom = zoom.clamp(MIN_ZOOM, MAX_ZOOM);
        self.zoom.set(zoom);
        self.pan.set((client.0 - rect.left() - world.0 * zoom, client.1 - rect.top() - world.1 * zoom));
    }

    fn zoom_centre(&self, factor: f64) {
        if let Some(el) = self.canvas.get_untracked() {
            let r = el.get_bounding_client_rect();
            self.zoom_at(self.zoom.get_untracked() * factor, (r.left() + r.width() / 2.0, r.top() + r.height() / 2.0));
        }
    }

    /// Select a node and pan so it sits in the middle of the canvas.
    pub fn focus_node(&self, id: &str) {
        self.selection.set(Some(Selection::node(id)));
        let Some(el) = self.canvas.get_untracked() else { return };
        let rect = el.get_bounding_client_rect();
        let Some(pos) = self.journey.with_untracked(|j| j.node(id).map(|n| n.position)) else { return };
        let zoom = self.zoom.get_untracked();
        let (cx, cy) = (pos.x + NODE_W / 2.0, pos.y + NODE_H / 2.0);
        self.pan.set((rect.width() / 2.0 - cx * zoom, rect.height() / 2.0 - cy * zoom));
    }

    /// Fit the whole journey in view. Unless `always`, only when it does not already fit.
    pub fn fit(&self, always: bool) {
        let Some(el) = self.canvas.get_untracked() else { return };
        let rect = el.get_bounding_client_rect();
        let Some((x, y, w, h)) = self.journey.with_untracked(geometry::bounds) else { return };
        let margin = 40.0;
        let fits = x >= 0.0 && y >= 0.0 && x + w + margin <= rect.width() && y + h + margin <= rect.height();
        if fits && !always {
            return;
        }
        let zoom = ((rect.width() - 2.0 * margin) / w).min((rect.height() - 2.0 * margin) / h).clamp(MIN_ZOOM, 1.0);
        self.zoom.set(zoom);
        self.pan.set(((rect.width() - w * zoom) / 2.0 - x * zoom, (rect.height() - h * zoom) / 2.0 - y * zoom));
    }

    /// The part of the canvas in view, in canvas coordinates, with `margin` screen pixels around.
    pub fn viewport(&self, margin: f64) -> Rect {
        let (px, py) = self.pan.get();
        let zoom = self.zoom.get();
        let (w, h) = self.size.get();
        Rect { x: (-px - margin) / zoom, y: (-py - margin) / zoom, w: (w + 2.0 * margin) / zoom, h: (h + 2.0 * margin) / zoom }
    }

    /// A press on step `id` (from its view, or from hit-testing in the overview): shift toggles
    /// it in the selection; otherwise it is selected (keeping a selection it is part of) and a
    /// move starts.
    pub fn press_node(&self, id: &str, client: (f64, f64), shift: bool) {
        if shift {
            let mut ids = self.selected_nodes();
            journeys_core::editing::toggle(&mut ids, id);
            self.selection.set((!ids.is_empty()).then_some(Selection::Nodes(ids)));
            return;
        }
        if !self.selected_nodes().contains(id) {
            self.selection.set(Some(Selection::node(id)));
        }
        let Some((x, y)) = self.to_canvas(client) else { return };
        let Some(pos) = self.journey.with_untracked(|j| j.node(id).map(|n| n.position)) else { return };
        self.drag.set(Drag::Node { id: id.to_string(), grab: (x - pos.x, y - pos.y), recorded: false });
    }

    /// Whether a window point lies over the canvas.
    pub fn over_canvas(&self, client: (f64, f64)) -> bool {
        self.canvas.get_untracked().is_some_and(|el| {
            let r = el.get_bounding_client_rect();
            client.0 >= r.left() && client.0 <= r.right() && client.1 >= r.top() && client.1 <= r.bottom()
        })
    }
}

/// The node under a window point, found through the DOM (`data-node-id` on node groups).
fn node_at(client: (f64, f64)) -> Option<String> {
    let document = web_sys::window()?.document()?;
    let element = document.element_from_point(client.0 as f32, client.1 as f32)?;
    element.closest("[data-node-id]").ok()??.get_attribute("data-node-id")
}

/// Moves and releases are tracked on the window, so a drag keeps working when the pointer
/// leaves the element it started on (palette → canvas, fast node moves).
pub fn install_pointer_tracking(state: EditorState) {
    let moved = window_event_listener(leptos::ev::pointermove, move |ev| {
        let client = (ev.client_x() as f64, ev.client_y() as f64);
        match state.drag.get_untracked() {
            Drag::Idle => {}
            Drag::Node { id, grab, recorded } => {
                if let Some((x, y)) = state.to_canvas(client) {
                    let to = Position { x: snap(x - grab.0), y: snap(y - grab.1) };
                    let from = state.journey.with_untracked(|j| j.node(&id).map(|n| n.position));
                    if let Some(from) = from.filter(|from| *from != to) {
                        // The whole drag is one undo step, recorded when the node first moves.
                        if !recorded {
                            state.checkpoint();
                            state.drag.set(Drag::Node { id: id.clone(), grab, recorded: true });
                        }
                        // Every selected step moves with the one under the pointer.
                        let mut moving = state.selected_nodes();
                        moving.insert(id.clone());
                        state.continue_edit(|j| journeys_core::editing::move_nodes(j, &moving, to.x - from.x, to.y - from.y));
                    }
                }
            }
            Drag::Pan { from_client, from_pan } => {
                state.pan.set((from_pan.0 + client.0 - from_client.0, from_pan.1 + client.1 - from_client.1));
            }
            Drag::Connect { from, port, .. } => {
                if let Some(to) = state.to_canvas(client) {
                    state.drag.set(Drag::Connect { from, port, to });
                }
            }
            Drag::Palette { item, .. } => state.drag.set(Drag::Palette { item, client }),
            Drag::Marquee { from, .. } => {
                if let Some(to) = state.to_canvas(client) {
                    state.drag.set(Drag::Marquee { from, to });
                }
            }
        }
    });
    let released = window_event_listener(leptos::ev::pointerup, move |ev| {
        let client = (ev.client_x() as f64, ev.client_y() as f64);
        match state.drag.get_untracked() {
            Drag::Connect { from, port, .. } => {
                if let Some(target) = node_at(client) {
                    state.edit(|j| {
                        if let Some(edge) = j.connect(&from, &port, &target) {
                            state.selection.set(Some(Selection::Edge(edge)));
                        }
                    });
                }
            }
            Drag::Marquee { from, to } => state.select_in(Rect::from_corners(from, to), ev.shift_key()),
            Drag::Palette { item, .. } if state.over_canvas(client) => {
                if let Some(at) = state.to_canvas(client) {
                    palette::drop_item(state, &item, at);
                }
            }
            _ => {}
        }
        state.drag.set(Drag::Idle);
    });
    on_cleanup(move || {
        moved.remove();
        released.remove();
    });
}

#[component]
pub fn Canvas(state: EditorState) -> impl IntoView {
    let overview = Memo::new(move |_| state.zoom.get() < OVERVIEW_BELOW && state.journey.with(|j| j.nodes.len() > OVERVIEW_FROM_STEPS));
    let has_nodes = Memo::new(move |_| state.journey.with(|j| !j.nodes.is_empty()));
    let view_block = Memo::new(move |_| geometry::round_out(&state.viewport(VIEW_MARGIN), VIEW_BLOCK));
    // Only what is in view (and a margin) is drawn step by step: a large journey costs what a
    // screenful costs. Zoomed out, the overview layer draws everything as a few paths instead.
    let node_ids = Memo::new(move |_| {
        if overview.get() {
            return Vec::new();
        }
        let view = view_block.get();
        state.journey.with(|j| {
            j.nodes.iter().filter(|n| Rect::of_node(n.position).intersects(&view)).map(|n| n.id.clone()).collect::<Vec<_>>()
        })
    });
    let edge_ids = Memo::new(move |_| {
        if overview.get() {
            return Vec::new();
        }
        let view = view_block.get();
        state.journey.with(|j| {
            state.index.with(|ix| {
                j.edges
                    .iter()
                    .filter(|e| {
                        let (Some(a), Some(b)) = (ix.node(j, &e.from), ix.node(j, &e.to)) else { return false };
                        let span = Rect::from_corners((a.position.x, a.position.y), (b.position.x + NODE_W, b.position.y + NODE_H));
                        span.intersects(&view)
                    })
                    .map(|e| e.id.clone())
                    .collect::<Vec<_>>()
            })
        })
    });
    // Steps exactly under a later one (generated and pasted journeys stack them) show only what
    // sticks out of their box; see `.node.covered` in the styles.
    let covered = Memo::new(move |_| {
        let ids = node_ids.get();
        state.journey.with(|j| {
            state.index.with(|ix| geometry::covered(ids.iter().filter_map(|id| ix.node(j, id).map(|n| (id.as_str(), n.position, n.kind.accepts_input())))))
        })
    });
    // Without a GPU every pan frame repaints every visible element, and each costs much more
    // than its pixels: one path for all the drawn edges and one for their arrowheads paint in a
    // fraction of the time of hundreds of lines with markers. The selected edge, the edges of
    // steps being dragged (so a drag does not rewrite, and repaint, the whole path on every
    // move) and every edge while simulated flows set their widths still draw their own line.
    let merged_edges = Memo::new(move |_| {
        let ids = edge_ids.get();
        if state.sim.with(|s| s.report.is_some()) {
            return MergedEdges::default();
        }
        let selected = state.selection.with(|s| match s {
            Some(Selection::Edge(id)) => Some(id.clone()),
            _ => None,
        });
        let moving = match state.drag.get() {
            Drag::Node { id, .. } => {
                let mut moving = state.selected_nodes_tracked();
                moving.insert(id);
                moving
            }
            _ => Default::default(),
        };
        state.journey.with(|j| {
            state.index.with(|ix| {
                let mut merged = MergedEdges::default();
                for id in ids.iter().filter(|id| selected.as_ref() != Some(*id)) {
                    let Some(edge) = ix.edge(j, id).filter(|e| !moving.contains(&e.from) && !moving.contains(&e.to)) else { continue };
                    let (Some(from), Some(to)) = (ix.node(j, &edge.from).and_then(|n| geometry::port_position(n, &edge.port)), ix.node(j, &edge.to)) else { continue };
                    let (x, y) = input_port(to.position);
                    merged.lines.push_str(&curve(from, (x - 7.0, y)));
                    merged.heads.push_str(&geometry::arrowhead((x - 7.0, y)));
                    merged.ids.insert(id.clone());
                }
                merged
            })
        })
    });
    // On the background: shift + drag draws a selection rectangle, a plain drag pans.
    let start_pan = move |ev: leptos::ev::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        let client = (ev.client_x() as f64, ev.client_y() as f64);
        // The overview draws no step elements: find the step under the pointer by geometry.
        if state.zoom.get_untracked() < OVERVIEW_BELOW && state.journey.with_untracked(|j| j.nodes.len() > OVERVIEW_FROM_STEPS) {
            let hit = state.to_canvas(client).and_then(|at| state.journey.with_untracked(|j| journeys_core::editing::node_at(j, at).map(str::to_string)));
            if let Some(id) = hit {
                state.press_node(&id, client, ev.shift_key());
                return;
            }
        }
        if ev.shift_key() {
            if let Some(at) = state.to_canvas(client) {
                state.drag.set(Drag::Marquee { from: at, to: at });
            }
            return;
        }
        state.selection.set(None);
        state.drag.set(Drag::Pan { from_client: client, from_pan: state.pan.get_untracked() });
    };
    let pan_transform = move || {
        let (x, y) = state.pan.get();
        format!("transform: translate({x:.1}px, {y:.1}px) scale({:.3})", state.zoom.get())
    };
    let grid_style = move || {
        let (x, y) = state.pan.get();
        let cell = GRID_CELL * state.zoom.get();
        format!("background-size: {cell:.2}px {cell:.2}px; background-position: {:.1}px {:.1}px", x.rem_euclid(cell), y.rem_euclid(cell))
    };
    // The world SVG covers the journey and a wide margin (for edges being drawn, dropped steps).
    let world = Memo::new(move |_| {
        let (x, y, w, h) = state.journey.with(geometry::bounds).unwrap_or((0.0, 0.0, NODE_W, NODE_H));
        let pad = 3000.0;
        (x - pad, y - pad, w + 2.0 * pad, h + 2.0 * pad)
    });
    let wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        let factor = (-ev.delta_y() * 0.0015).exp();
        state.zoom_at(state.zoom.get_untracked() * factor, (ev.client_x() as f64, ev.client_y() as f64));
    };
    view! {
        <div class="canvas" id="canvas" node_ref=state.canvas on:pointerdown=start_pan on:wheel=wheel
            class:panning=move || matches!(state.drag.get(), Drag::Pan { .. })
            class:connecting=move || matches!(state.drag.get(), Drag::Connect { .. })>
            // The dot grid is the still background, shifted and scaled with the view: a huge grid
            // in the moving layer cost a third of the frame rate while panning under software
            // rendering (its tiles were painted as they came into view); one small tile image
            // repeated is cheap to paint again.
            <div class="canvas-bg" style=grid_style></div>
            // Pan and zoom move this layer with a CSS transform: with a GPU the compositor moves
            // what is already painted. Without one (the app then turns WebKit's accelerated
            // compositing off) every pan frame repaints the canvas, so what is drawn must be cheap:
            // only the steps, edges and frame pieces in view, no painted-but-invisible strokes.
            <div class="world" style=pan_transform>
                <svg class="world-svg"
                    style=move || { let (x, y, _, _) = world.get(); format!("left: {x:.0}px; top: {y:.0}px") }
                    width=move || world.get().2 height=move || world.get().3
                    viewBox=move || { let (x, y, w, h) = world.get(); format!("{x:.0} {y:.0} {w:.0} {h:.0}") }>
                    <defs>
                        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">
                            <path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b" />
                        </marker>
                    </defs>
                    {Stage::ALL.into_iter().map(|stage| view! { <StageFrame state=state stage=stage view_block=view_block /> }).collect_view()}
                    {move || overview.get().then(|| view! { <super::overview::Overview state=state /> })}
                    <path class="edges-merged" d=move || merged_edges.with(|m| m.lines.clone()) />
                    <path class="arrowheads" d=move || merged_edges.with(|m| m.heads.clone()) />
                    <For each=move || edge_ids.get() key=|id| id.clone() children=move |id| view! { <EdgeView state=state id=id merged=merged_edges /> } />
                    <RubberBand state=state />
                    <For each=move || node_ids.get() key=|id| id.clone() children=move |id| view! { <NodeView state=state id=id covered=covered /> } />
                </svg>
            </div>
            <div class="canvas-controls" on:pointerdown=|ev| ev.stop_propagation()>
                <button id="zoom-in" title="Zoom in (wheel)" on:click=move |_| state.zoom_centre(1.25)>"+"</button>
                <button id="zoom-out" title="Zoom out (wheel)" on:click=move |_| state.zoom_centre(0.8)>"−"</button>
                <button id="zoom-fit" title="Fit the journey in view" on:click=move |_| state.fit(true)>"Fit"</button>
                <button class="zoom-level" id="zoom-reset" title="Zoom to 100 %"
                    on:click=move |_| state.zoom_centre(1.0 / state.zoom.get_untracked())>{move || format!("{:.0}%", state.zoom.get() * 100.0)}</button>
            </div>
            {move || has_nodes.get().then(|| view! { <super::minimap::Minimap state=state /> })}
            {move || (!has_nodes.get()).then(|| view! {
                <p class="canvas-empty">"Drag a lifecycle stage or a step from the palette to start."</p>
            })}
        </div>
    }
}

#[component]
fn StageFrame(state: EditorState, stage: Stage, view_block: Memo<Rect>) -> impl IntoView {
    let frame = Memo::new(move |_| state.journey.with(|j| geometry::stage_frame(j, stage)));
    // Only the part in view (and a margin) is painted, in blocks (`view_block`) so a pan
    // redraws the frame every few hundred pixels rather than on every pointer move.
    let shown = Memo::new(move |_| {
        let (x, y, w, h) = frame.get()?;
        let block = view_block.get();
        let fill = geometry::clip_to((x, y, w, h), &block)?;
        Some((x, y, fill, geometry::frame_border_in_view((x, y, w, h), &block)))
    });
    move || {
        shown.get().map(|(x, y, (fx, fy, fw, fh), border)| {
            view! {
                <g class="stage-frame" data-stage=stage.key()>
                    <rect x=fx y=fy width=fw height=fh rx=geometry::FRAME_RADIUS fill=stage_colour(Some(stage)) fill-opacity="0.06" stroke="none" />
                    <path d=border fill="none" stroke=stage_colour(Some(stage)) stroke-opacity="0.45" stroke-dasharray="6 4" />
                    <text x=x + 12.0 y=y + 18.0 class="stage-label" fill=stage_colour(Some(stage))>{stage.label()}</text>
                </g>
            }
        })
    }
}

/// Node fields the node view draws; comparing them lets unchanged nodes skip redrawing.
#[derive(Clone, PartialEq)]
struct NodeLook {
    position: Position,
    kind: &'static str,
    label: String,
    stage: Option<Stage>,
    ports: Vec<String>,
    accepts_input: bool,
}

#[component]
fn NodeView(state: EditorState, id: String, covered: Memo<HashMap<String, bool>>) -> impl IntoView {
    let look = {
        let id = id.clone();
        Memo::new(move |_| {
            state.journey.with(|j| {
                state.index.with(|ix| ix.node(j, &id)).map(|n| NodeLook {
                    position: n.position,
                    kind: n.kind.name(),
                    label: n.display_name(),
                    stage: n.stage,
                    ports: n.kind.output_ports(),
                    accepts_input: n.kind.accepts_input(),
                })
            })
        })
    };
    let problems = {
        let id = id.clone();
        Memo::new(move |_| {
            state.diagnostics.with(|ds| {
                let mine: Vec<_> = ds.iter().filter(|d| d.node_ids.contains(&id)).collect();
                let errors = mine.iter().any(|d| d.severity == Severity::Error);
                (mine.len(), errors)
            })
        })
    };
    let selected = {
        let id = id.clone();
        move || state.is_node_selected(&id)
    };
    let start_move = {
        let id = id.clone();
        move |ev: leptos::ev::PointerEvent| {
            ev.stop_propagation();
            if ev.button() == 0 {
                state.press_node(&id, (ev.client_x() as f64, ev.client_y() as f64), ev.shift_key());
            }
        }
    };
    // A memo per step, so a change of what is drawn re-classes only the steps it concerns.
    let under = {
        let id = id.clone();
        Memo::new(move |_| covered.with(|c| c.get(&id).copied()))
    };
    let node_class = move || {
        let (count, errors) = problems.get();
        let mut class = String::from("node");
        if selected() {
            class.push_str(" selected");
        }
        match under.get() {
            Some(true) => class.push_str(" covered covered-in"),
            Some(false) => class.push_str(" covered"),
            None => {}
        }
        if errors {
            class.push_str(" has-error");
        } else if count > 0 {
            class.push_str(" has-warning");
        }
        class
    };
    move || {
        let id = id.clone();
        look.get().map(|look| {
            let ports = look.ports.clone();
            let count = ports.len();
            let (in_x, in_y) = input_port(Position::default());
            view! {
                <g class=node_class.clone() data-node-id=id.clone() data-kind=look.kind
                    transform=format!("translate({:.1},{:.1})", look.position.x, look.position.y)
                    on:pointerdown=start_move.clone()>
                    <rect class="node-box" width=NODE_W height=NODE_H rx="10" />
                    <rect class="node-stripe" width="6" height=NODE_H rx="3" fill=stage_colour(look.stage) />
                    <text class="node-kind" x="18" y="23">{look.kind.to_uppercase()}</text>
                    <text class="node-label" x="18" y="45">{truncate(&look.label, 22)}</text>
                    {look.accepts_input.then(|| view! { <circle class="port port-in" cx=in_x cy=in_y r="6" /> })}
                    {ports.into_iter().enumerate().map(|(i, port)| {
                        let (cx, cy) = output_port(Position::default(), i, count);
                        let from = id.clone();
                        let port_name = port.clone();
                        let start_connect = move |ev: leptos::ev::PointerEvent| {
                            ev.stop_propagation();
                            if let Some(to) = state.to_canvas((ev.client_x() as f64, ev.client_y() as f64)) {
                                state.drag.set(Drag::Connect { from: from.clone(), port: port_name.clone(), to });
                            }
                        };
                        view! {
                            <g class="port-out" data-port=port.clone() on:pointerdown=start_connect>
                                <circle class="port" cx=cx cy=cy r="7" />
                                {(port != "out").then(|| view! { <text class="port-label" x=cx + 10.0 y=cy - 6.0>{port.clone()}</text> })}
                            </g>
                        }
                    }).collect_view()}
                    {
                        let node = id.clone();
                        move || state.simulated_entries(&node).map(|n| view! {
                            <g class="sim-count">
                                <rect x="10" y=NODE_H + 6.0 width="88" height="20" rx="10" />
                                <text x="54" y=NODE_H + 20.0 text-anchor="middle">{format!("{n} in")}</text>
                            </g>
                        })
                    }
                    {move || (problems.get().0 > 0).then(|| view! {
                        <g class="badge">
                            <circle cx=NODE_W - 4.0 cy="4" r="10" />
                            <text x=NODE_W - 4.0 y="8" text-anchor="middle">{problems.get().0}</text>
                        </g>
                    })}
                </g>
            }
        })
    }
}

/// The edges drawn as one path of lines and one of arrowheads, and which they are.
#[derive(Clone, Default, PartialEq)]
struct MergedEdges {
    lines: String,
    heads: String,
    ids: HashSet<String>,
}

#[component]
fn EdgeView(state: EditorState, id: String, merged: Memo<MergedEdges>) -> impl IntoView {
    let path = {
        let id = id.clone();
        Memo::new(move |_| {
            state.journey.with(|j| {
                state.index.with(|ix| {
                    let edge = ix.edge(j, &id)?;
                    let from = geometry::port_position(ix.node(j, &edge.from)?, &edge.port)?;
                    let (x, y) = input_port(ix.node(j, &edge.to)?.position);
                    Some(curve(from, (x - 7.0, y)))
                })
            })
        })
    };
    let selected = {
        let id = id.clone();
        move || state.selection.get() == Some(Selection::Edge(id.clone()))
    };
    let select = {
        let id = id.clone();
        move |ev: leptos::ev::PointerEvent| {
            ev.stop_propagation();
            state.selection.set(Some(Selection::Edge(id.clone())));
        }
    };
    // Painted by the canvas's merged path, or by its own line.
    let merged = {
        let id = id.clone();
        Memo::new(move |_| merged.with(|m| m.ids.contains(&id)))
    };
    move || {
        path.get().map(|d| {
            let edge_id = id.clone();
            view! {
                <g class="edge" data-edge-id=id.clone() class:selected=selected.clone() on:pointerdown=select.clone()>
                    <path class="edge-hit" d=d.clone() />
                    <path class="edge-line" class:merged=merged d=d marker-end="url(#arrow)"
                        style=move || state.simulated_flow_share(&edge_id).map(|s| format!("stroke-width: {:.1}px", 1.5 + 8.0 * s)).unwrap_or_default() />
                </g>
            }
        })
    }
}

#[component]
fn RubberBand(state: EditorState) -> impl IntoView {
    move || match state.drag.get() {
        Drag::Marquee { from, to } => {
            let r = Rect::from_corners(from, to);
            Some(view! { <rect class="marquee" id="marquee" x=r.x y=r.y width=r.w height=r.h /> }.into_any())
        }
        Drag::Connect { from, port, to } => state
            .journey
            .with(|j| j.node(&from).and_then(|n| geometry::port_position(n, &port)))
            .map(|start| view! { <path class="rubber-band" d=curve(start, to) /> }.into_any()),
        _ => None,
    }
}
