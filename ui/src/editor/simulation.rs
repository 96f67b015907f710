//! The Simulation panel: run the journey as shown against generated customers (or a
//! population file, with an optional scenario), watch the progress, read the results
//! (totals, branches, funnel and daily charts, one customer's trace), and compare two saved
//! runs side by side. Counts also appear on the canvas. The simulator is
//! `journeys_core::simulate`, run by the desktop shell.

use journeys_core::simulate::Report;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::EditorState;
use crate::api::{self, RunParameters, RunSummary};

/// The simulation state of one editor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SimState {
    pub running: bool,
    pub done: u64,
    pub total: u64,
    pub report: Option<Report>,
    pub error: Option<String>,
    /// Bumped after each saved run, so the list of runs reloads.
    pub saved_runs: u32,
}

impl EditorState {
    /// Customers that entered `node` in the last simulation, if one has run.
    pub fn simulated_entries(&self, node: &str) -> Option<u64> {
        self.sim.with(|s| s.report.as_ref().and_then(|r| r.nodes.iter().find(|n| n.id == node).map(|n| n.entered)))
    }

    /// The flow over an edge relative to the busiest edge (0–1), if a simulation has run.
    pub fn simulated_flow_share(&self, edge: &str) -> Option<f64> {
        self.sim.with(|s| {
            let report = s.report.as_ref()?;
            let max = report.edges.iter().map(|e| e.flow).max().unwrap_or(0).max(1);
            report.edges.iter().find(|e| e.id == edge).map(|e| e.flow as f64 / max as f64)
        })
    }

    fn run_simulation(&self, parameters: RunParameters, trace: Option<String>) {
        let state = *self;
        let journey = state.journey.get_untracked();
        let revision = state.revision.get_untracked();
        state.sim.update(|s| *s = SimState { running: true, total: parameters.customers, saved_runs: s.saved_runs, ..SimState::default() });
        spawn_local(async move {
            let progress = move |done, total| state.sim.update(|s| (s.done, s.total) = (done, total));
            let result = api::simulate_journey(&journey, revision, &parameters, trace.as_deref(), progress).await;
            state.sim.update(|s| {
                s.running = false;
                match result {
                    Ok(result) => {
                        s.done = s.total;
                        s.report = Some(result.report);
                        s.saved_runs += 1;
                    }
                    Err(e) => s.error = Some(e.message),
                }
            });
        });
    }
}

fn text_input(id: &'static str, label: &'static str, placeholder: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label>{label}
            <input id=id placeholder=placeholder prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}

/// The trimmed text, or None when it is empty.
pub(crate) fn optional(text: String) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

#[component]
pub fn SimulationPanel(state: EditorState) -> impl IntoView {
    let customers = RwSignal::new("10000".to_string());
    let seed = RwSignal::new("1".to_string());
    let days = RwSignal::new("90".to_string());
    let population = RwSignal::new(String::new());
    let scenario = RwSignal::new(String::new());
    let trace = RwSignal::new(String::new());
    let form_error = RwSignal::new(None::<String>);
    let run = move |_| {
        let parsed = (customers.get_untracked().trim().parse(), seed.get_untracked().trim().parse(), days.get_untracked().trim().parse());
        match parsed {
            (Ok(customers), Ok(seed), Ok(days)) => {
                form_error.set(None);
                let parameters = RunParameters {
                    customers,
                    seed,
                    days,
                    population: optional(population.get_untracked()),
                    scenario: optional(scenario.get_untracked()),
                };
                state.run_simulation(parameters, optional(trace.get_untracked()));
            }
            _ => form_error.set(Some("Customers, seed and days must be whole numbers.".into())),
        }
    };
    let cancel = move |_| spawn_local(async { let _ = api::cancel_simulation().await; });
    Effect::new(move |_| {
        if let Some(report) = state.sim.with(|s| s.report.clone()) {
            request_animation_frame(move || {
                super::chart::draw_funnel("sim-funnel", &report);
                super::chart::draw_daily("sim-chart", &report);
            });
        }
    });
    view! {
        <section class="panel simulation" id="simulation">
            <h3>"Simulate"</h3>
            <p class="muted">"Runs the journey as shown on a virtual clock."</p>
            <div class="sim-form">
                {text_input("sim-customers", "Customers", "10000", customers)}
                {text_input("sim-seed", "Seed", "1", seed)}
                {text_input("sim-days", "Days", "90", days)}
            </div>
            {text_input("sim-population", "Population CSV (optional)", "/path/to/customers.csv", population)}
            <label>"Scenario JSON (optional)"
                <textarea id="sim-scenario" rows="2" placeholder=r#"{"goal_base_rate": 0.002}"#
                    prop:value=move || scenario.get() on:input=move |ev| scenario.set(event_target_value(&ev))></textarea>
            </label>
            {text_input("sim-trace", "Trace customer (optional)", "C00000002", trace)}
            <div class="sim-actions">
                <button id="sim-run" class="primary" on:click=run disabled=move || state.sim.with(|s| s.running)>"Run"</button>
                <button id="sim-cancel" class="ghost" on:click=cancel disabled=move || !state.sim.with(|s| s.running)>"Cancel"</button>
            </div>
            {move || form_error.get().map(|e| view! { <p class="sim-error">{e}</p> })}
            {move || state.sim.with(|s| s.running.then(|| {
                let pct = if s.total == 0 { 0.0 } else { s.done as f64 * 100.0 / s.total as f64 };
                view! {
                    <div class="progress" id="sim-progress"><div class="bar" style=format!("width: {pct:.0}%")></div></div>
                    <p class="muted">{format!("{} of {} customers", s.done, s.total)}</p>
                }
            }))}
            {move || state.sim.with(|s| s.error.clone()).map(|e| view! { <p class="sim-error" id="sim-error">{e}</p> })}
            {move || state.sim.with(|s| s.report.clone()).map(|r| results(&r))}
            <SavedRuns state=state />
        </section>
    }
}

/// A share as a percentage with one decimal, e.g. `12.5 %`.
pub(crate) fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

pub(crate) fn results(r: &Report) -> impl IntoView {
    let t = &r.totals;
    view! {
        <div class="sim-results">
            <dl class="sim-totals" id="sim-totals">
                <dt>"Entered"</dt><dd id="sim-entered">{t.entered}</dd>
                <dt>"Converted"</dt><dd>{format!("{} ({}, CI {}–{})", t.converted, pct(t.conversion_rate), pct(t.conversion_ci95.0), pct(t.conversion_ci95.1))}</dd>
                <dt>"Contacts"</dt><dd>{t.contacts}</dd>
                <dt>"Cost · value"</dt><dd>{format!("{:.2} · {:.2}", t.cost, t.value)}</dd>
                <dt>"Suppressed"</dt><dd>{r.suppressions.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")}</dd>
            </dl>
            {r.holdout_uplift.as_ref().map(|u| view! {
                <p class="sim-uplift">{format!("Holdout uplift {:+.1} pp (CI {:+.1} to {:+.1})", u.uplift * 100.0, u.ci95.0 * 100.0, u.ci95.1 * 100.0)}</p>
            })}
            <table class="sim-branches">
                <thead><tr><th>"Branch"</th><th>"Customers"</th><th>"Conversion (95 % CI)"</th></tr></thead>
                <tbody>
                    {r.branches.iter().map(|b| view! {
                        <tr><td>{format!("{} → {}", b.node, b.port)}</td><td>{b.customers}</td>
                            <td>{format!("{} ({}–{})", pct(b.rate), pct(b.ci95.0), pct(b.ci95.1))}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <canvas id="sim-funnel" width="268" height="200"></canvas>
            <canvas id="sim-chart" width="268" height="180"></canvas>
            {r.trace.as_ref().map(|trace| view! {
                <h4>{format!("Trace of {}", trace.customer)}</h4>
                {trace.steps.is_empty().then(|| view! { <p class="muted">"This customer never entered."</p> })}
                <ol class="sim-trace" id="sim-trace-steps">
                    {trace.steps.iter().map(|s| view! {
                        <li><span class="when">{format!("day {} {:02}:{:02}", s.minute / 1440, s.minute % 1440 / 60, s.minute % 60)}</span>{s.what.clone()}</li>
                    }).collect_view()}
                </ol>
            })}
        </div>
    }
}

/// The journey's saved runs; tick two to compare them side by side.
#[component]
fn SavedRuns(state: EditorState) -> impl IntoView {
    let journey_id = state.journey.with_untracked(|j| j.id.clone());
    let runs = LocalResource::new(move || {
        state.sim.with(|s| s.saved_runs);
        let id = journey_id.clone();
        async move { api::list_runs(&id).await.unwrap_or_default() }
    });
    let picked = RwSignal::new(Vec::<RunSummary>::new());
    let compared = RwSignal::new(None::<Vec<(RunSummary, Report)>>);
    Effect::new(move |_| {
        let chosen = picked.get();
        if chosen.len() != 2 {
            compared.set(None);
            return;
        }
        spawn_local(async move {
            let mut loaded = Vec::new();
            for run in chosen {
                if let Ok(report) = api::load_run(&run.id).await {
                    loaded.push((run, report));
                }
            }
            compared.set((loaded.len() == 2).then_some(loaded));
        });
    });
    let toggle = move |run: RunSummary| {
        picked.update(|p| {
            if let Some(i) = p.iter().position(|r| r.id == run.id) {
                p.remove(i);
            } else {
                p.push(run);
                if p.len() > 2 {
                    p.remove(0);
                }
            }
        })
    };
    view! {
        <h4>"Saved runs"</h4>
        <ul class="sim-runs" id="sim-runs">
            {move || runs.get().unwrap_or_default().into_iter().map(|run| {
                let id = run.id.clone();
                let checked = move || picked.with(|p| p.iter().any(|r| r.id == id));
                let label = format!("r{} · {} customers · seed {} · {} days", run.revision, run.parameters.customers, run.parameters.seed, run.parameters.days);
                let chosen = run.clone();
                view! {
                    <li><label class="run"><input type="checkbox" prop:checked=checked on:change=move |_| toggle(chosen.clone()) />{label}</label></li>
                }
            }).collect_view()}
        </ul>
        {move || compared.get().map(|pair| comparison(&pair))}
    }
}

fn comparison(pair: &[(RunSummary, Report)]) -> impl IntoView {
    let (a, b) = (&pair[0], &pair[1]);
    let row = |label: &'static str, f: &dyn Fn(&Report) -> String| view! { <tr><td>{label}</td><td>{f(&a.1)}</td><td>{f(&b.1)}</td></tr> };
    let title = |r: &RunSummary| format!("r{} seed {}", r.revision, r.parameters.seed);
    view! {
        <table class="sim-compare" id="sim-compare">
            <thead><tr><th></th><th>{title(&a.0)}</th><th>{title(&b.0)}</th></tr></thead>
            <tbody>
                {row("Customers", &|r| r.customers.to_string())}
                {row("Entered", &|r| r.totals.entered.to_string())}
                {row("Conversion", &|r| format!("{} ({}–{})", pct(r.totals.conversion_rate), pct(r.totals.conversion_ci95.0), pct(r.totals.conversion_ci95.1)))}
                {row("Contacts", &|r| r.totals.contacts.to_string())}
                {row("Cost", &|r| format!("{:.2}", r.totals.cost))}
                {row("ROI", &|r| r.totals.roi.map(|x| format!("{x:.2}")).unwrap_or_else(|| "n/a".into()))}
            </tbody>
        </table>
    }
}
