//! The Simulation panel: run the journey as shown against generated customers, watch the
//! progress, and read the results (totals, branches, daily chart); counts also appear on the
//! canvas. The simulator is `journeys_core::simulate`, run by the desktop shell.

use journeys_core::simulate::Report;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::EditorState;
use crate::api::{self, RunParameters};

/// The simulation state of one editor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SimState {
    pub running: bool,
    pub done: u64,
    pub total: u64,
    pub report: Option<Report>,
    pub run_id: Option<String>,
    pub error: Option<String>,
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

    fn run_simulation(&self, parameters: RunParameters) {
        let state = *self;
        let journey = state.journey.get_untracked();
        let revision = state.revision.get_untracked();
        state.sim.set(SimState { running: true, total: parameters.customers, ..SimState::default() });
        spawn_local(async move {
            let progress = move |done, total| state.sim.update(|s| (s.done, s.total) = (done, total));
            let result = api::simulate_journey(&journey, revision, &parameters, progress).await;
            state.sim.update(|s| {
                s.running = false;
                match result {
                    Ok(result) => {
                        s.done = s.total;
                        s.run_id = Some(result.run.id);
                        s.report = Some(result.report);
                    }
                    Err(e) => s.error = Some(e.message),
                }
            });
        });
    }
}

fn number_input(id: &'static str, label: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label>{label}
            <input id=id inputmode="numeric" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}

#[component]
pub fn SimulationPanel(state: EditorState) -> impl IntoView {
    let customers = RwSignal::new("10000".to_string());
    let seed = RwSignal::new("1".to_string());
    let days = RwSignal::new("90".to_string());
    let form_error = RwSignal::new(None::<String>);
    let run = move |_| {
        let parsed = (customers.get_untracked().trim().parse(), seed.get_untracked().trim().parse(), days.get_untracked().trim().parse());
        match parsed {
            (Ok(customers), Ok(seed), Ok(days)) => {
                form_error.set(None);
                state.run_simulation(RunParameters { customers, seed, days });
            }
            _ => form_error.set(Some("Customers, seed and days must be whole numbers.".into())),
        }
    };
    let cancel = move |_| spawn_local(async { let _ = api::cancel_simulation().await; });
    Effect::new(move |_| {
        if let Some(report) = state.sim.with(|s| s.report.clone()) {
            request_animation_frame(move || super::chart::draw_daily("sim-chart", &report));
        }
    });
    view! {
        <section class="panel simulation" id="simulation">
            <h3>"Simulate"</h3>
            <p class="muted">"Runs the journey as shown against generated customers on a virtual clock."</p>
            <div class="sim-form">
                {number_input("sim-customers", "Customers", customers)}
                {number_input("sim-seed", "Seed", seed)}
                {number_input("sim-days", "Days", days)}
            </div>
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
            {move || state.sim.with(|s| s.error.clone()).map(|e| view! { <p class="sim-error">{e}</p> })}
            {move || state.sim.with(|s| s.report.clone()).map(|r| results(&r))}
        </section>
    }
}

fn results(r: &Report) -> impl IntoView {
    let t = &r.totals;
    let pct = |x: f64| format!("{:.1} %", x * 100.0);
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
            <canvas id="sim-chart" width="268" height="180"></canvas>
        </div>
    }
}
