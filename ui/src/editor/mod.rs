//! The canvas editor screen: toolbar, palette, SVG canvas, inspector and diagnostics.
//! All journey edits go through `journeys_core` (connect, insert fragment, validate); this
//! module only wires pointer and keyboard input to them.

mod canvas;
pub mod chart;
mod diagnostics;
mod fields;
pub mod geometry;
mod inspector;
mod minimap;
mod overview;
mod palette;
mod ranking;
pub(crate) mod simulation;

use std::collections::BTreeSet;

use journeys_core::editing::{self, Rect};
use journeys_core::history::History;
use journeys_core::customer_schema::CustomerSchema;
use journeys_core::{validate_with, Diagnostic, Journey, Severity, StoredDraft};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::Screen;

/// What is selected on the canvas: some steps, or one edge.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    Nodes(BTreeSet<String>),
    Edge(String),
}

impl Selection {
    pub fn node(id: &str) -> Selection {
        Selection::Nodes(BTreeSet::from([id.to_string()]))
    }
}

/// What the pointer is doing while a button is held.
#[derive(Clone, Debug, PartialEq)]
pub enum Drag {
    Idle,
    /// Moving the selected steps by one of them, `id`; `grab` is the pointer's offset from that
    /// step's top-left corner; `recorded` once the move is in the history (on its first real step).
    Node { id: String, grab: (f64, f64), recorded: bool },
    /// Drawing a selection rectangle (shift + drag on the background), in canvas coordinates.
    Marquee { from: (f64, f64), to: (f64, f64) },
    /// Panning the canvas from where the pointer went down.
    Pan { from_client: (f64, f64), from_pan: (f64, f64) },
    /// Drawing a new edge from an output port; `to` is the pointer in canvas coordinates.
    Connect { from: String, port: String, to: (f64, f64) },
    /// Carrying a palette item; `client` is the pointer in window coordinates.
    Palette { item: palette::PaletteItem, client: (f64, f64) },
}

/// Positions of nodes and edges in `journey.nodes` / `journey.edges` by id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JourneyIndex {
    nodes: std::collections::HashMap<String, usize>,
    edges: std::collections::HashMap<String, usize>,
}

impl JourneyIndex {
    fn of(journey: &Journey) -> JourneyIndex {
        JourneyIndex {
            nodes: journey.nodes.iter().enumerate().map(|(i, n)| (n.id.clone(), i)).collect(),
            edges: journey.edges.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect(),
        }
    }

    pub fn node<'j>(&self, journey: &'j Journey, id: &str) -> Option<&'j journeys_core::Node> {
        self.nodes.get(id).and_then(|&i| journey.nodes.get(i))
    }

    pub fn edge<'j>(&self, journey: &'j Journey, id: &str) -> Option<&'j journeys_core::Edge> {
        self.edges.get(id).and_then(|&i| journey.edges.get(i))
    }
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
    /// The canvas element's size in screen pixels (kept current on window resize).
    pub size: RwSignal<(f64, f64)>,
    pub diagnostics: Memo<Vec<Diagnostic>>,
    /// Where each node and edge sits in the journey's lists, rebuilt once per change, so the
    /// hundreds of node and edge views each find theirs in O(1) rather than by a scan.
    pub index: Memo<JourneyIndex>,
    pub canvas: NodeRef<leptos::html::Div>,
    /// Undo/redo of every edit (whole-journey snapshots); survives saves.
    pub history: RwSignal<History<Journey>>,
    /// Whether the side panel shows the simulation instead of the inspector.
    pub simulating: RwSignal<bool>,
    pub sim: RwSignal<simulation::SimState>,
    /// Copied steps, pasted with Ctrl+V.
    pub clipboard: RwSignal<Option<Journey>>,
    /// The keyboard shortcut sheet is open.
    pub show_shortcuts: RwSignal<bool>,
    /// The signed-in role may look and simulate but not change the draft (reviewers, analysts).
    pub read_only: bool,
    /// The outcome of the last import or export: `Ok` a note, `Err` an error to show.
    pub file_note: RwSignal<Option<Result<String, String>>>,
}

thread_local! {
    /// A note for the next editor to open (an import opens its new draft in a new editor).
    static NOTE_FOR_NEXT_EDITOR: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

impl EditorState {
    fn new(draft: StoredDraft, schema: CustomerSchema, read_only: bool) -> Self {
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
            size: RwSignal::new((1200.0, 800.0)),
            // Validation runs in the browser (core compiled to wasm) on every change, against
            // the bank's customer schema as submit does.
            diagnostics: Memo::new(move |_| structure.with(|j| validate_with(j, &schema))),
            index: Memo::new(move |_| journey.with(JourneyIndex::of)),
            canvas: NodeRef::new(),
            history: RwSignal::new(History::default()),
            simulating: RwSignal::new(false),
            sim: RwSignal::new(simulation::SimState::default()),
            clipboard: RwSignal::new(None),
            show_shortcuts: RwSignal::new(false),
            read_only,
            file_note: RwSignal::new(NOTE_FOR_NEXT_EDITOR.with(|n| n.borrow_mut().take()).map(Ok)),
        }
    }

    /// Read the canvas element's size.
    pub fn measure(&self) {
        if let Some(el) = self.canvas.get_untracked() {
            self.size.set((el.client_width() as f64, el.client_height() as f64));
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
        spawn_local(async move {
            let _ = state.save_now().await;
        });
    }

    /// Save the journey as it is now and show the outcome in the status; the error's message
    /// when it was not saved.
    async fn save_now(self) -> Result<(), String> {
        self.status.set(SaveStatus::Saving);
        let journey = self.journey.get_untracked();
        match crate::api::save_journey(&journey, self.revision.get_untracked()).await {
            Ok(new_revision) => {
                self.revision.set(new_revision);
                // Edits made while the save was in flight keep the draft unsaved.
                let unchanged = self.journey.with_untracked(|j| *j == journey);
                self.status.set(if unchanged { SaveStatus::Saved(new_revision) } else { SaveStatus::Unsaved });
                Ok(())
            }
            Err(e) => {
                let shown = if e.kind == "conflict" { format!("Not saved: {}", e.message) } else { e.message.clone() };
                self.status.set(SaveStatus::Failed(shown));
                Err(e.message)
            }
        }
    }

    /// Write the journey as shown (saved or not) to a file chosen in the native Save dialog.
    pub fn export_json(&self) {
        let state = *self;
        let journey = state.journey.get_untracked();
        spawn_local(async move {
            match crate::api::export_journey(&journey).await {
                Ok(Some(path)) => state.file_note.set(Some(Ok(format!("Exported to {path}")))),
                Ok(None) => {}
                Err(e) => state.file_note.set(Some(Err(format!("Not exported: {}", e.message)))),
            }
        });
    }

    /// Read a journey file chosen in the native Open dialog into a new draft and open it. A file
    /// that is not a journey changes nothing; its error (file, line, column) is shown here.
    pub fn import_json(&self, screen: RwSignal<Screen>) {
        let state = *self;
        spawn_local(async move {
            // The import opens another draft: first keep what was edited in this one.
            if state.status.get_untracked() == SaveStatus::Unsaved {
                if let Err(message) = state.save_now().await {
                    state.file_note.set(Some(Err(format!("Not imported: this draft could not be saved first: {message}"))));
                    return;
                }
            }
            match crate::api::import_journey().await {
                Ok(Some(imported)) => {
                    let id = imported.draft.journey.id.clone();
                    NOTE_FOR_NEXT_EDITOR.with(|n| *n.borrow_mut() = Some(format!("Imported {} as a new draft ({id})", imported.file)));
                    screen.set(Screen::Editor(id));
                }
                Ok(None) => {}
                Err(e) => state.file_note.set(Some(Err(format!("Not imported: {}", e.message)))),
            }
        });
    }

    /// The selected steps (none when an edge or nothing is selected).
    pub fn selected_nodes(&self) -> BTreeSet<String> {
        match self.selection.get_untracked() {
            Some(Selection::Nodes(ids)) => ids,
            _ => BTreeSet::new(),
        }
    }

    /// The selected steps, tracked (for views that redraw when the selection changes).
    pub fn selected_nodes_tracked(&self) -> BTreeSet<String> {
        match self.selection.get() {
            Some(Selection::Nodes(ids)) => ids,
            _ => BTreeSet::new(),
        }
    }

    /// Whether step `id` is selected (tracked, for views).
    pub fn is_node_selected(&self, id: &str) -> bool {
        self.selection.with(|s| matches!(s, Some(Selection::Nodes(ids)) if ids.contains(id)))
    }

    /// The one selected step, if exactly one is (the inspector shows it).
    pub fn single_node(&self) -> Option<String> {
        self.selection.with(|s| match s {
            Some(Selection::Nodes(ids)) if ids.len() == 1 => ids.iter().next().cloned(),
            _ => None,
        })
    }

    fn select_nodes(&self, ids: BTreeSet<String>) {
        self.selection.set((!ids.is_empty()).then_some(Selection::Nodes(ids)));
    }

    pub fn delete_selection(&self) {
        match self.selection.get_untracked() {
            Some(Selection::Nodes(ids)) => self.edit(|j| editing::remove_nodes(j, &ids)),
            Some(Selection::Edge(id)) => self.edit(|j| j.edges.retain(|e| e.id != id)),
            None => return,
        }
        self.selection.set(None);
    }

    pub fn select_all(&self) {
        self.select_nodes(self.journey.with_untracked(|j| j.nodes.iter().map(|n| n.id.clone()).collect()));
    }

    pub fn select_in(&self, band: Rect, add: bool) {
        let mut ids = if add { self.selected_nodes() } else { BTreeSet::new() };
        ids.extend(self.journey.with_untracked(|j| editing::nodes_in_rect(j, band)));
        self.select_nodes(ids);
    }

    pub fn copy_selection(&self) {
        let ids = self.selected_nodes();
        if !ids.is_empty() {
            self.clipboard.set(Some(self.journey.with_untracked(|j| editing::copy(j, &ids))));
        }
    }

    /// Paste the clipboard down and right of where it was copied from, selecting the copies.
    pub fn paste(&self) {
        let Some(fragment) = self.clipboard.get_untracked() else { return };
        let Some(corner) = editing::top_left(&fragment) else { return };
        let mut pasted = BTreeSet::new();
        self.edit(|j| pasted = editing::paste(j, &fragment, journeys_core::Position { x: corner.x + 40.0, y: corner.y + 40.0 }));
        // A second paste lands further on, not on top of the first.
        self.clipboard.set(Some(self.journey.with_untracked(|j| editing::copy(j, &pasted))));
        self.select_nodes(pasted);
    }

    pub fn duplicate_selection(&self) {
        let ids = self.selected_nodes();
        if ids.is_empty() {
            return;
        }
        let mut copies = BTreeSet::new();
        self.edit(|j| copies = editing::duplicate(j, &ids));
        self.select_nodes(copies);
    }

    /// Lay out the whole journey (or, with several steps selected, just those) left to right.
    pub fn auto_layout(&self) {
        let ids = self.selected_nodes();
        let only = (ids.len() > 1).then_some(&ids);
        let placed = self.journey.with_untracked(|j| journeys_core::layout::auto_layout(j, only));
        if placed.is_empty() {
            return;
        }
        self.edit(|j| {
            for node in j.nodes.iter_mut() {
                if let Some(p) = placed.get(&node.id) {
                    node.position = *p;
                }
            }
        });
        if only.is_none() {
            self.fit(true);
        }
    }
}

#[component]
pub fn Editor(id: String, screen: RwSignal<Screen>) -> impl IntoView {
    let draft = LocalResource::new(move || {
        let id = id.clone();
        async move {
            let draft = crate::api::load_journey(&id).await?;
            let schema = crate::api::customer_schema().await?.schema;
            Ok::<_, crate::api::ApiError>((draft, schema))
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted pad">"Opening journey…"</p> }>
            {move || draft.get().map(|result| match result {
                Ok((draft, schema)) => view! { <EditorView draft=draft schema=schema screen=screen /> }.into_any(),
                Err(e) => view! { <p class="error-banner">{e.message}</p> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn EditorView(draft: StoredDraft, schema: CustomerSchema, screen: RwSignal<Screen>) -> impl IntoView {
    let read_only = !crate::app::signed_in().is_some_and(|u| u.role.edits());
    let state = EditorState::new(draft, schema, read_only);
    let journey_id = StoredValue::new(state.journey.with_untracked(|j| j.id.clone()));
    install_keyboard_shortcuts(state);
    install_autosave(state);
    canvas::install_pointer_tracking(state);
    // Once the canvas has a size: note it, and bring a journey larger than the view into sight.
    request_animation_frame(move || {
        state.measure();
        state.fit(false);
    });
    let resized = window_event_listener(leptos::ev::resize, move |_| state.measure());
    on_cleanup(move || resized.remove());

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
                {(!read_only).then(|| view! {
                    <button id="auto-layout" class="ghost" title="Auto-layout left to right; with several steps selected, tidy just those (Ctrl+L)"
                        on:click=move |_| state.auto_layout()>
                        {move || if state.selection.with(|s| matches!(s, Some(Selection::Nodes(ids)) if ids.len() > 1)) { "Tidy selection" } else { "Auto-layout" }}
                    </button>
                })}
                <button id="shortcuts" class="ghost icon" title="Keyboard shortcuts (?)" on:click=move |_| state.show_shortcuts.update(|s| *s = !*s)>"?"</button>
                <button id="simulate-toggle" class="ghost" class:active=move || state.simulating.get()
                    title="Simulate this journey against sample customers"
                    on:click=move |_| state.simulating.update(|s| *s = !*s)>"Simulate"</button>
                {(!read_only).then(|| view! {
                    <button id="import-json" class="ghost" title="Import a journey JSON file as a new draft"
                        on:click=move |_| state.import_json(screen)>"Import JSON…"</button>
                })}
                <button id="export-json" class="ghost" title="Export this journey as a JSON file"
                    on:click=move |_| state.export_json()>"Export JSON…"</button>
                <button id="open-review" class="ghost" title="Versions, diff and review"
                    on:click=move |_| screen.set(Screen::Review(journey_id.get_value()))>"Versions & review"</button>
                {read_only.then(|| view! { <span class="read-only-chip" id="read-only" title="Your role may look and simulate, not edit">"Read only"</span> })}
                <span id="status" class="status" class:hidden=read_only title="Drafts also save themselves 30 s after the last edit">
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
            {move || state.file_note.get().map(|note| {
                let (class, text) = match note {
                    Ok(text) => ("file-note", text),
                    Err(text) => ("file-note error", text),
                };
                view! {
                    <div class=class id="file-note" role="status">
                        <span id="file-note-text">{text}</span>
                        <button class="ghost icon" id="file-note-close" title="Dismiss" on:click=move |_| state.file_note.set(None)>"×"</button>
                    </div>
                }
            })}
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
            <ShortcutSheet state=state />
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

/// How long the draft may sit unsaved after the last edit before it saves itself.
const AUTOSAVE_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

/// Save the draft once edits pause for `AUTOSAVE_AFTER`; each edit restarts the wait.
fn install_autosave(state: EditorState) {
    if state.read_only {
        return;
    }
    let edits = StoredValue::new(0_u64);
    Effect::new(move |_| {
        state.journey.track();
        if state.status.get_untracked() != SaveStatus::Unsaved {
            return;
        }
        edits.update_value(|n| *n += 1);
        let this_edit = edits.get_value();
        set_timeout(
            move || {
                let still_idle = edits.try_get_value() == Some(this_edit);
                if still_idle && state.status.try_get_untracked() == Some(SaveStatus::Unsaved) {
                    state.save();
                }
            },
            AUTOSAVE_AFTER,
        );
    });
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
            return;
        }
        if typing {
            return;
        }
        let handled = match (command, key.as_str()) {
            (true, "z") if ev.shift_key() => {
                state.redo();
                true
            }
            (true, "y") => {
                state.redo();
                true
            }
            (true, "z") => {
                state.undo();
                true
            }
            (true, "a") => {
                state.select_all();
                true
            }
            (true, "c") => {
                state.copy_selection();
                true
            }
            (true, "v") => {
                state.paste();
                true
            }
            (true, "d") => {
                state.duplicate_selection();
                true
            }
            (true, "l") => {
                state.auto_layout();
                true
            }
            (false, "delete" | "backspace") => {
                state.delete_selection();
                true
            }
            (false, "escape") => {
                state.selection.set(None);
                state.show_shortcuts.set(false);
                true
            }
            (false, "?") => {
                state.show_shortcuts.update(|s| *s = !*s);
                true
            }
            _ => false,
        };
        if handled {
            ev.prevent_default();
        }
    });
    on_cleanup(move || handle.remove());
}

/// Every keyboard shortcut, one sheet (opened with ? or the toolbar's ? button).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Ctrl+S", "Save"),
    ("Ctrl+Z", "Undo"),
    ("Ctrl+Shift+Z / Ctrl+Y", "Redo"),
    ("Ctrl+A", "Select every step"),
    ("Shift+click", "Add a step to the selection, or take it out"),
    ("Shift+drag on the background", "Select the steps a rectangle touches"),
    ("Ctrl+C / Ctrl+V", "Copy and paste the selected steps"),
    ("Ctrl+D", "Duplicate the selected steps"),
    ("Ctrl+L", "Auto-layout (the selection, if several steps are selected)"),
    ("Delete / Backspace", "Delete the selection"),
    ("Escape", "Clear the selection"),
    ("Drag the background", "Pan"),
    ("Wheel", "Zoom"),
    ("?", "Show or hide this sheet"),
];

#[component]
fn ShortcutSheet(state: EditorState) -> impl IntoView {
    move || {
        state.show_shortcuts.get().then(|| {
            view! {
                <div class="sheet-backdrop" on:click=move |_| state.show_shortcuts.set(false)>
                    <div class="shortcut-sheet" id="shortcut-sheet" on:click=|ev| ev.stop_propagation()>
                        <h2>"Keyboard shortcuts"</h2>
                        <table>
                            {SHORTCUTS.iter().map(|(keys, what)| view! {
                                <tr><td><kbd>{*keys}</kbd></td><td>{*what}</td></tr>
                            }).collect_view()}
                        </table>
                        <button class="ghost" on:click=move |_| state.show_shortcuts.set(false)>"Close"</button>
                    </div>
                </div>
            }
        })
    }
}
