//! The Dashboard: a live (or past) version's analytics over a date range — the same totals,
//! branches and charts as a simulation, the funnel per step and per lifecycle stage, A/B and
//! holdout tests — beside the latest saved simulation of the journey ("did it behave as
//! simulated?"), with the numbers exported as CSV.

use leptos::prelude::*;
use leptos::task::spawn_local;

use journeys_core::analytics::{FunnelRow, LiveReport, Portfolio};
use wasm_bindgen::JsCast;
use journeys_core::simulate::Report;

use crate::api;
use crate::app::Screen;
use crate::editor::{chart, simulation::{optional, pct, results}};

#[component]
pub fn Dashboard(screen: RwSignal<Screen>) -> impl IntoView {
    let versions = LocalResource::new(|| async { api::reported_versions().await.unwrap_or_default() });
    let chosen = RwSignal::new(None::<(String, i64)>);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let live = RwSignal::new(None::<LiveReport>);
    let simulated = RwSignal::new(None::<(String, Report)>);
    let error = RwSignal::new(None::<String>);
    let exported = RwSignal::new(None::<String>);
    let portfolio = RwSignal::new(None::<Portfolio>);
    let load_portfolio = move || {
        let (f, t) = (optional(from.get_untracked()), optional(to.get_untracked()));
        spawn_local(async move {
            match api::portfolio(f.as_deref(), t.as_deref()).await {
                Ok(p) => portfolio.set(Some(p)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    load_portfolio();
    let load = move || {
        load_portfolio();
        let Some((journey, version)) = chosen.get_untracked() else { return };
        let (f, t) = (optional(from.get_untracked()), optional(to.get_untracked()));
        error.set(None);
        spawn_local(async move {
            match api::live_report(&journey, version, f.as_deref(), t.as_deref()).await {
                Ok(report) => live.set(Some(report)),
                Err(e) => error.set(Some(e.message)),
            }
            // The latest saved simulation of the journey, for the side-by-side.
            let latest = api::list_runs(&journey).await.ok().and_then(|runs| runs.into_iter().next());
            simulated.set(None);
            if let Some(run) = latest {
                if let Ok(report) = api::load_run(&run.id).await {
                    simulated.set(Some((format!("{} customers, seed {}", run.parameters.customers, run.parameters.seed), report)));
                }
            }
        });
    };
    let export = move || {
        let Some((journey, version)) = chosen.get_untracked() else { return };
        let (f, t) = (optional(from.get_untracked()), optional(to.get_untracked()));
        spawn_local(async move {
            match api::export_report_csv(&journey, version, f.as_deref(), t.as_deref()).await {
                Ok(path) => exported.set(Some(path)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let export_charts = move || {
        let Some((journey, version)) = chosen.get_untracked() else { return };
        spawn_local(async move {
            let mut saved = Vec::new();
            for (canvas, what) in [("sim-funnel", "funnel"), ("sim-chart", "daily")] {
                let data = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id(canvas))
                    .and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok())
                    .and_then(|c| c.to_data_url().ok());
                let Some(data) = data else { continue };
                match api::save_chart_png(&format!("{journey}@{version}-{what}"), &data).await {
                    Ok(path) => saved.push(path),
                    Err(e) => error.set(Some(e.message)),
                }
            }
            exported.set(Some(saved.join(", ")));
        });
    };
    // Charts are drawn once the canvases of the live report are on the page.
    Effect::new(move |_| {
        if let Some(report) = live.get() {
            request_animation_frame(move || {
                chart::draw_funnel("sim-funnel", &report.report);
                chart::draw_daily("sim-chart", &report.report);
            });
        }
    });
    view! {
        <div class="gallery-screen dashboard-screen">
            <div class="gallery-head">
                <button class="ghost" on:click=move |_| screen.set(Screen::List)>"← Journeys"</button>
                <h1>"Dashboard"</h1>
                <select id="dashboard-version" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    chosen.set(value.rsplit_once('@').and_then(|(j, v)| Some((j.to_string(), v.parse().ok()?))));
                    load();
                }>
                    <option value="">"Choose a journey version"</option>
                    {move || versions.get().unwrap_or_default().into_iter().map(|(j, v)| {
                        let reference = format!("{j}@{v}");
                        view! { <option value=reference.clone()>{reference.clone()}</option> }
                    }).collect_view()}
                </select>
                <label class="small">"from " <input type="date" id="dashboard-from" on:change=move |ev| { from.set(event_target_value(&ev)); load(); } /></label>
                <label class="small">"to " <input type="date" id="dashboard-to" on:change=move |ev| { to.set(event_target_value(&ev)); load(); } /></label>
                <span class="spacer"></span>
                <button class="ghost" id="dashboard-export" on:click=move |_| export() disabled=move || live.get().is_none()>"Export CSV"</button>
                <button class="ghost" id="dashboard-charts" on:click=move |_| export_charts() disabled=move || live.get().is_none()>"Save charts (PNG)"</button>
            </div>
            {move || error.get().map(|e| view! { <div class="error-banner" id="dashboard-error">{e}</div> })}
            {move || exported.get().map(|p| view! { <div class="ok-banner" id="dashboard-exported">{format!("Saved {p}")}</div> })}
            {move || portfolio.get().map(|p| view! { <PortfolioStrip portfolio=p /> })}
            {move || match live.get() {
                None => view! { <p class="muted dashboard-empty">"Choose a version that has run in the engine to see its analytics."</p> }.into_any(),
                Some(report) => view! { <LiveView live=report simulated=simulated.get() /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn LiveView(live: LiveReport, simulated: Option<(String, Report)>) -> impl IntoView {
    let range = if live.from.is_empty() { "nothing recorded yet".to_string() } else { format!("{} to {}", live.from, live.to) };
    view! {
        <div class="dashboard-body" id="dashboard-report" data-reference=format!("{}@{}", live.journey_id, live.version)>
            <section class="dashboard-column">
                <h2>{format!("Live · {}@{} · {range}", live.journey_id, live.version)}</h2>
                {results(&live.report)}
            </section>
            <section class="dashboard-column">
                <h2>"Funnel by stage"</h2>
                <FunnelTable rows=live.funnel.stages.clone() id="funnel-stages" />
                <h2>"Funnel by step"</h2>
                <FunnelTable rows=live.funnel.nodes.clone() id="funnel-nodes" />
                <h2>"A/B and holdout tests"</h2>
                {if live.ab_tests.is_empty() { view! { <p class="muted">"No split or holdout with customers."</p> }.into_any() } else {
                    view! {
                        <table class="registry" id="ab-tests">
                            <tr><th>"step"</th><th>"arms: conversion (95 % CI)"</th><th>"χ² p-value"</th></tr>
                            {live.ab_tests.iter().map(|t| view! {
                                <tr class:significant=t.significant>
                                    <td>{format!("{} ({})", t.node, t.kind)}</td>
                                    <td>{t.arms.iter().map(|a| format!("{}: {} ({}–{}) of {}", a.port, pct(a.rate), pct(a.ci95.0), pct(a.ci95.1), a.customers)).collect::<Vec<_>>().join(" · ")}</td>
                                    <td>{t.test.as_ref().map(|c| format!("{:.4}{}", c.p_value, if t.significant { " significant" } else { "" })).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </table>
                    }.into_any()
                }}
            </section>
            <section class="dashboard-column">
                <h2>"As simulated?"</h2>
                {match simulated {
                    None => view! { <p class="muted" id="no-simulation">"No saved simulation of this journey: run one in the editor to compare."</p> }.into_any(),
                    Some((name, sim)) => view! { <Comparison live=live.report.clone() name=name simulated=sim /> }.into_any(),
                }}
            </section>
        </div>
    }
}

#[component]
fn FunnelTable(rows: Vec<FunnelRow>, id: &'static str) -> impl IntoView {
    view! {
        <table class="registry" id=id>
            <tr><th></th><th>"entered"</th><th>"progressed"</th><th>"dropped"</th><th>"converted"</th><th>"waiting"</th></tr>
            {rows.into_iter().map(|r| view! {
                <tr data-key=r.key.clone()><td>{r.key.clone()}</td><td>{r.entered}</td><td>{r.progressed}</td><td>{r.dropped}</td><td>{r.converted}</td><td>{r.waiting}</td></tr>
            }).collect_view()}
        </table>
    }
}

/// Rates side by side: counts differ with population size, rates should not.
#[component]
fn Comparison(live: Report, name: String, simulated: Report) -> impl IntoView {
    let per = |r: &Report, n: u64| if r.totals.entered == 0 { 0.0 } else { n as f64 / r.totals.entered as f64 };
    let rows = vec![
        ("customers entered".to_string(), live.totals.entered.to_string(), simulated.totals.entered.to_string()),
        ("conversion".to_string(), pct(live.totals.conversion_rate), pct(simulated.totals.conversion_rate)),
        ("contacts per customer".to_string(), format!("{:.2}", per(&live, live.totals.contacts)), format!("{:.2}", per(&simulated, simulated.totals.contacts))),
    ];
    let steps: Vec<(String, String, String)> = live
        .nodes
        .iter()
        .map(|n| {
            let sim = simulated.nodes.iter().find(|s| s.id == n.id).map_or(0, |s| s.entered);
            (format!("reached {}", n.id), pct(per(&live, n.entered)), pct(per(&simulated, sim)))
        })
        .collect();
    view! {
        <table class="registry" id="live-vs-simulated">
            <tr><th></th><th>"live"</th><th>{format!("simulated ({name})")}</th></tr>
            {rows.into_iter().chain(steps).map(|(what, a, b)| view! { <tr><td>{what}</td><td>{a}</td><td>{b}</td></tr> }).collect_view()}
        </table>
    }
}

fn option_pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), pct)
}

/// Portfolio KPIs across every version that ran in the range.
#[component]
fn PortfolioStrip(portfolio: Portfolio) -> impl IntoView {
    let stat = |id: &'static str, value: String, label: &'static str| view! {
        <div class="stat"><span class="stat-value" id=id>{value}</span><span class="stat-label">{label}</span></div>
    };
    view! {
        <div class="trial-summary portfolio" id="portfolio">
            {stat("portfolio-cac", portfolio.cac.map_or_else(|| "—".into(), |c| format!("{c:.2}")), "CAC (acquisition cost per converted customer)")}
            {stat("portfolio-activation", option_pct(portfolio.activation_rate), "activation rate")}
            {stat("portfolio-cross-sell", portfolio.cross_sell_ratio.map_or_else(|| "—".into(), |r| format!("{r:.2}")), "products per customer")}
            {stat("portfolio-churn", option_pct(portfolio.churn_rate), "churn rate (retain journeys)")}
            {stat("portfolio-roi", option_pct(portfolio.roi), "ROI")}
            <span class="muted small">{
                let range = if portfolio.from.is_empty() { "all recorded days".to_string() } else { format!("{} to {}", portfolio.from, portfolio.to) };
                format!("{} version(s) · {range}", portfolio.versions.len())
            }</span>
        </div>
    }
}
