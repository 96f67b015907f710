//! The canvas editor screen: toolbar, palette, SVG canvas, inspector and diagnostics.
//! All journey edits go through `journeys_core` (connect, insert fragment, validate); this
//! module only wires pointer and keyboard input to them.

mod canvas;
pub mod chart;
mod diagnostics;
pub mod geometry;
mod inspector;
mod palette;
mod simulation;

use journeys_core::history::History;
use journeys_core::{validate, Diagnostic, Journey, Severity, StoredDraft};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::Screen;

/// What is selected on the canvas.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    Node(String),
    Edge(String),
}

/// What the pointer is doing while a button is held.
#[derive(Clone, Debug, PartialEq)]
pub enum Drag {
    Idle,
    /// Moving a node; `grab` is the pointer's offset from the node's top-left corner;
    /// `recorded` once the move has been put in the history (on its first real step).
    Node { id: String, grab: (f64, f64), recorded: bool },
    /// Panning the canvas from where the pointer went down.
    Pan { from_client: (f64, f64), from_pan: (f64, f64) },
    /// Drawing a new edge from an output port; `to` is the pointer in canvas coordinates.
    Connect { from: String, port: String, to: (f64, f64) },
    /// Carrying a palette item; `client` is the pointer in window coordinates.
    Palette { item: palette::PaletteItem, client: (f64, f64) },
}

#[derive(Clone, Debug, PartialEq)]
pub enum SaveStatus {
    Saved(i64),
    Unsaved,
    Saving,
    Failed(String),
}

/// The editor's state: signals are `Copy`, so this is handed to every part by value.
#[derive(Clone, Copy)]
pub struct EditorState {
    pub journey: RwSignal<Journey>,
    pub revision: RwSignal<i64>,
    pub status: RwSignal<SaveStatus>,
    pub selection: RwSignal<Option<Selection>>,
    pub drag: RwSignal<Drag>,
    pub pan: RwSignal<(f64, f64)>,
    /// Canvas scale: 1.0 is 100 %.
    pub zoom: RwSignal<f64>,
    pub diagnostics: Memo<Vec<Diagnostic>>,
    pub canvas: NodeRef<leptos::html::Div>,
    /// Undo/redo of every edit (whole-journey snapshots); survives saves.
    pub history: RwSignal<History<Journey>>,
    /// Whether the side panel shows the simulation instead of the inspector.
    pub simulating: RwSignal<bool>,
    pub sim: RwSignal<simulation::SimState>,
    /// The signed-in role may look and simulate but not change the draft (reviewers, analysts).
    pub read_only: bool,
}

impl EditorState {
    fn new(draft: StoredDraft, read_only: bool) -> Self {
        let journey = RwSignal::new(draft.journey);
        // What validation reads: the journey without node positions, so moving a node (every
        // pointer move of a drag) does not re-run validation.
        let structure = Memo::new(move |_| {
            journey.with(|j| {
                let mut j = j.clone();
                j.nodes.iter_mut().for_each(|n| n.position = Default::default());
                j
            })
        });
        EditorState {
            journey,
            revision: RwSignal::new(draft.revision),
            status: RwSignal::new(SaveStatus::Saved(draft.revision)),
            selection: RwSignal::new(None),
            drag: RwSignal::new(Drag::Idle),
            pan: RwSignal::new((0.0, 0.0)),
            zoom: RwSignal::new(1.0),
            // Validation runs in the browser (core compiled to wasm) on every change.
            diagnostics: Memo::new(move |_| structure.with(validate)),
            canvas: NodeRef::new(),
            history: RwSignal::new(History::default()),
            simulating: RwSignal::new(false),
            sim: RwSignal::new(simulation::SimState::default()),
            read_only,
        }
    }

    /// Apply an edit to the journey as one undoable step and mark the draft unsaved.
    pub fn edit(&self, change: impl FnOnce(&mut Journey)) {
        if self.read_only {
            return;
        }
        self.checkpoint();
        self.continue_edit(change);
    }

    /// Put the journey as it is now in the history (the start of a multi-step gesture).
    pub fn checkpoint(&self) {
        if self.read_only {
            return;
        }
        let before = self.journey.get_untracked();
        self.history.update(|h| h.record(before));
    }

    /// Apply a further step of a gesture already in the history (a node drag's moves).
    pub fn continue_edit(&self, change: impl FnOnce(&mut Journey)) {
        if self.read_only {
            return;
        }
        self.journey.update(change);
        self.status.set(SaveStatus::Unsaved);
    }

    pub fn undo(&self) {
        let current = self.journey.get_untracked();
        let mut previous = None;
        self.history.update(|h| previous = h.undo(current));
        self.restore(previous);
    }

    pub fn redo(&self) {
        let current = self.journey.get_untracked();
        let mut next = None;
        self.history.update(|h| next = h.redo(current));
        self.restore(next);
    }

    fn restore(&self, state: Option<Journey>) {
        if let Some(state) = state {
            self.journey.set(state);
            self.selection.set(None);
            self.status.set(SaveStatus::Unsaved);
        }
    }

    pub fn save(&self) {
        let state = *self;
        if state.read_only || state.status.get_untracked() == SaveStatus::Saving {
            return;
        }
        state.status.set(SaveStatus::Saving);
        let journey = state.journey.get_untracked();
        let revision = state.revision.get_untracked();
        spawn_local(async move {
            match crate::api::save_journey(&journey, revision).await {
                Ok(new_revision) => {
                    state.revision.set(new_revision);
                    // Edits made while the save was in flight keep the draft unsaved.
                    let unchanged = state.journey.with_untracked(|j| *j == journey);
                    state.status.set(if unchanged { SaveStatus::Saved(new_revision) } else { SaveStatus::Unsaved });
                }
                Err(e) if e.kind == "conflict" => state.status.set(SaveStatus::Failed(format!("Not saved: {}", e.message))),
                Err(e) => state.status.set(SaveStatus::Failed(e.message)),
            }
        });
    }

    pub fn delete_selection(&self) {
        match self.selection.get_untracked() {
            Some(Selection::Node(id)) => self.edit(|j| j.remove_node(&id)),
            Some(Selection::Edge(id)) => self.edit(|j| j.edges.retain(|e| e.id != id)),
            None => return,
        }
        self.selection.set(None);
    }
}

#[component]
pub fn Editor(id: String, screen: RwSignal<Screen>) -> impl IntoView {
    let draft = LocalResource::new(move || {
        let id = id.clone();
        async move { crate::api::load_journey(&id).await }
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted pad">"Opening journey…"</p> }>
            {move || draft.get().map(|result| match result {
                Ok(draft) => view! { <EditorView draft=draft screen=screen /> }.into_any(),
                Err(e) => view! { <p class="error-banner">{e.message}</p> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn EditorView(draft: StoredDraft, screen: RwSignal<Screen>) -> impl IntoView {
    let read_only = !crate::app::signed_in().is_some_and(|u| u.role.edits());
    let state = EditorState::new(draft, read_only);
    let journey_id = StoredValue::new(state.journey.with_untracked(|j| j.id.clone()));
    install_keyboard_shortcuts(state);
    canvas::install_pointer_tracking(state);
    // Once the canvas has a size: bring a journey larger than the view into sight.
    request_animation_frame(move || state.fit(false));

    let counts = move || {
        state.diagnostics.with(|ds| {
            let errors = ds.iter().filter(|d| d.severity == Severity::Error).count();
            (errors, ds.len() - errors)
        })
    };
    view! {
        <div class="editor">
            <div class="toolbar">
                <button class="ghost" id="back" on:click=move |_| screen.set(Screen::List)>"← Journeys"</button>
                <input class="journey-name" aria-label="Journey name"
                    prop:value=move || state.journey.with(|j| j.name.clone())
                    on:change=move |ev| { let name = event_target_value(&ev); state.edit(|j| j.name = name); } />
                <span class="validity" id="validity">
                    {move || match counts() {
                        (0, 0) => view! { <span class="ok">"✓ Valid"</span> }.into_any(),
                        (e, w) => view! { <span class=severity_class(e)>
                            {format!("{e} error{}, {w} warning{}", if e == 1 { "" } else { "s" }, if w == 1 { "" } else { "s" })}
                        </span> }.into_any(),
                    }}
                </span>
                <button id="undo" class="ghost icon" title="Undo (Ctrl+Z)" on:click=move |_| state.undo()
                    disabled=move || !state.history.with(|h| h.can_undo())>"↶"</button>
                <button id="redo" class="ghost icon" title="Redo (Ctrl+Shift+Z)" on:click=move |_| state.redo()
                    disabled=move || !state.history.with(|h| h.can_redo())>"↷"</button>
                <span class="spacer"></span>
                <button id="simulate-toggle" class="ghost" class:active=move || state.simulating.get()
                    title="Simulate this journey against sample customers"
                    on:click=move |_| state.simulating.update(|s| *s = !*s)>"Simulate"</button>
                <button id="open-review" class="ghost" title="Versions, diff and review"
                    on:click=move |_| screen.set(Screen::Review(journey_id.get_value()))>"Versions & review"</button>
                {read_only.then(|| view! { <span class="read-only-chip" id="read-only" title="Your role may look and simulate, not edit">"Read only"</span> })}
                <span id="status" class="status" class:hidden=read_only>
                    {move || match state.status.get() {
                        SaveStatus::Saved(r) => format!("Saved · revision {r}"),
                        SaveStatus::Unsaved => "Unsaved changes".to_string(),
                        SaveStatus::Saving => "Saving…".to_string(),
                        SaveStatus::Failed(m) => m,
                    }}
                </span>
                {(!read_only).then(|| view! {
                    <button id="save" class="primary" title="Save (Ctrl+S)" on:click=move |_| state.save()>"Save"</button>
                })}
            </div>
            <div class="editor-body">
                {(!read_only).then(|| view! { <palette::Palette state=state /> })}
                <canvas::Canvas state=state />
                <aside class="side-panel">
                    {move || if state.simulating.get() {
                        view! { <simulation::SimulationPanel state=state /> }.into_any()
                    } else {
                        view! { <inspector::Inspector state=state /> }.into_any()
                    }}
                    <diagnostics::DiagnosticsPanel state=state />
                </aside>
            </div>
            <palette::DragGhost state=state />
        </div>
    }
}

fn severity_class(errors: usize) -> &'static str {
    if errors > 0 {
        "bad"
    } else {
        "warn"
    }
}

fn install_keyboard_shortcuts(state: EditorState) {
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let typing = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let command = ev.ctrl_key() || ev.meta_key();
        let key = ev.key().to_lowercase();
        if command && key == "s" {
            ev.prevent_default();
            state.save();
        } else if command && !typing && ((key == "z" && ev.shift_key()) || key == "y") {
            ev.prevent_default();
            state.redo();
        } else if command && !typing && key == "z" {
            ev.prevent_default();
            state.undo();
        } else if !typing && (ev.key() == "Delete" || ev.key() == "Backspace") {
            state.delete_selection();
        }
    });
    on_cleanup(move || handle.remove());
}
