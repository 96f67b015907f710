//! The engine trial: run the run-time engine locally on the embedded database, send sample
//! events, move the trial clock, and watch where customers are in every live version, node by
//! node (refreshed every second), with the customer page for any one of them.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::api::{self, TrialStatus, TrialVersion};
use crate::app::Screen;
use crate::editor::geometry::{stage_colour, truncate};

fn clock_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%a %d %b %Y %H:%M UTC").to_string()).unwrap_or_default()
}

#[component]
pub fn Trial(screen: RwSignal<Screen>) -> impl IntoView {
    let status = RwSignal::new(None::<TrialStatus>);
    let error = RwSignal::new(None::<String>);
    let note = RwSignal::new(None::<String>);
    let count = RwSignal::new(100_u32);
    let customer_id = RwSignal::new(String::new());
    let page = RwSignal::new(None::<Value>);

    let refresh = move || {
        spawn_local(async move {
            match api::trial_status().await {
                Ok(s) => status.set(Some(s)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    refresh();
    if let Ok(handle) = set_interval_with_handle(move || refresh(), Duration::from_secs(1)) {
        on_cleanup(move || handle.clear());
    }
    let act = move |work: &'static str| {
        error.set(None);
        spawn_local(async move {
            let result = match work {
                "start" => api::trial_start().await,
                "stop" => api::trial_stop().await,
                "hour" => api::trial_advance(60).await,
                "day" => api::trial_advance(24 * 60).await,
                _ => api::trial_advance(7 * 24 * 60).await,
            };
            match result {
                Ok(s) => status.set(Some(s)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let send = move || {
        error.set(None);
        spawn_local(async move {
            match api::trial_send_events(count.get_untracked()).await {
                Ok(n) => note.set(Some(format!("{n} events accepted"))),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let look_up = move || {
        error.set(None);
        let id = customer_id.get_untracked();
        spawn_local(async move {
            match api::trial_customer(&id).await {
                Ok(p) => page.set(Some(p)),
                Err(e) => {
                    page.set(None);
                    error.set(Some(e.message));
                }
            }
        });
    };
    let running = move || status.get().is_some_and(|s| s.running);

    view! {
        <div class="trial-screen">
            <div class="gallery-head">
                <button class="ghost" on:click=move |_| screen.set(Screen::List)>"← Journeys"</button>
                <h1>"Engine trial"</h1>
                <span class="trial-state" id="trial-state" class:on=running>{move || if running() { "running" } else { "stopped" }}</span>
                <span class="trial-clock" id="trial-clock">{move || status.get().and_then(|s| s.clock_ms).map(clock_text).unwrap_or_default()}</span>
                <span class="spacer"></span>
                {move || if running() {
                    view! {
                        <button class="ghost" id="trial-hour" on:click=move |_| act("hour")>"+1 hour"</button>
                        <button class="ghost" id="trial-day" on:click=move |_| act("day")>"+1 day"</button>
                        <button class="ghost" id="trial-week" on:click=move |_| act("week")>"+1 week"</button>
                        <input class="trial-count" id="trial-count" type="number" min="1" max="10000"
                            prop:value=move || count.get().to_string()
                            on:input=move |ev| count.set(event_target_value(&ev).parse().unwrap_or(100)) />
                        <button class="primary" id="trial-send" on:click=move |_| send()>"Send sample events"</button>
                        <button class="ghost danger" id="trial-stop" on:click=move |_| act("stop")>"Stop"</button>
                    }.into_any()
                } else {
                    view! { <button class="primary" id="trial-start" on:click=move |_| act("start")>"Start engine"</button> }.into_any()
                }}
            </div>
            {move || error.get().map(|e| view! { <div class="error-banner" id="trial-error">{e}</div> })}
            {move || note.get().map(|n| view! { <div class="ok-banner" id="trial-note">{n}</div> })}
            <div class="trial-body">
                <section class="trial-main">
                    {move || status.get().map(|s| view! { <Summary status=s /> })}
                    {move || {
                        let versions = status.get().map(|s| s.versions).unwrap_or_default();
                        if versions.is_empty() {
                            view! { <p class="muted" id="trial-empty">"No live journeys. Publish a version on its Review screen, then start the engine and send sample events."</p> }.into_any()
                        } else {
                            versions.into_iter().map(|v| view! { <VersionCounts version=v /> }).collect_view().into_any()
                        }
                    }}
                </section>
                <aside class="trial-side">
                    <h2>"Customer on a page"</h2>
                    <form class="trial-lookup" on:submit=move |ev| { ev.prevent_default(); look_up(); }>
                        <input id="trial-customer-id" placeholder="Customer id, e.g. TRIAL-000001"
                            prop:value=move || customer_id.get()
                            on:input=move |ev| customer_id.set(event_target_value(&ev)) />
                        <button class="ghost" id="trial-look-up" type="submit">"Show"</button>
                    </form>
                    {move || page.get().map(|p| view! { <CustomerPage page=p /> })}
                </aside>
            </div>
        </div>
    }
}

#[component]
fn Summary(status: TrialStatus) -> impl IntoView {
    let total = |outcome: &str| status.actions.iter().filter(|(o, _, _)| o == outcome).map(|(_, _, n)| n).sum::<i64>();
    let (sent, deferred, suppressed) = (total("sent"), total("deferred"), total("suppressed"));
    let reasons: Vec<(String, i64)> = status.actions.iter().filter(|(o, _, _)| o == "suppressed").map(|(_, r, n)| (r.clone(), *n)).collect();
    view! {
        <div class="trial-summary" id="trial-summary">
            <div class="stat"><span class="stat-value" id="trial-events">{status.events}</span><span class="stat-label">"events"</span></div>
            <div class="stat"><span class="stat-value" id="trial-sent">{sent}</span><span class="stat-label">"contacts sent"</span></div>
            <div class="stat"><span class="stat-value">{deferred}</span><span class="stat-label">"deferred (quiet hours)"</span></div>
            <div class="stat"><span class="stat-value" id="trial-suppressed">{suppressed}</span><span class="stat-label">"suppressed"</span></div>
            <div class="trial-reasons">
                {reasons.into_iter().map(|(r, n)| view! { <span class="chip">{format!("{r}: {n}")}</span> }).collect_view()}
            </div>
            {status.address.map(|a| view! { <span class="muted small">{format!("API {a} · actions to {}", status.sink_dir)}</span> })}
        </div>
    }
}

#[component]
fn VersionCounts(version: TrialVersion) -> impl IntoView {
    let most = version.nodes.iter().map(|n| n.waiting + n.exited).max().unwrap_or(0).max(1);
    let total: i64 = version.nodes.iter().map(|n| n.waiting + n.exited).sum();
    view! {
        <div class="trial-version" data-journey=version.journey_id.clone()>
            <h3>
                {format!("{} v{}", version.name, version.version)}
                {version.paused.then(|| view! { <span class="chip warn">"paused"</span> })}
                <span class="muted small">{format!(" · {total} customers")}</span>
            </h3>
            <div class="trial-nodes">
                {version.nodes.into_iter().map(|n| {
                    let colour = stage_colour(journeys_core::Stage::from_key(&n.stage));
                    let share = 100.0 * (n.waiting + n.exited) as f64 / most as f64;
                    view! {
                        <div class="trial-node" data-node=n.id.clone() title=format!("{} ({})", n.label, n.kind)>
                            <span class="trial-stripe" style=format!("background:{colour}")></span>
                            <span class="trial-label">{truncate(&n.label, 26)}</span>
                            <span class="trial-kind">{n.kind.clone()}</span>
                            <span class="trial-waiting" data-count=n.waiting>{n.waiting}</span>
                            <span class="trial-exited">{(n.exited > 0).then(|| format!("{} left here", n.exited))}</span>
                            <span class="trial-bar" style=format!("width:{share:.0}%;background:{colour}")></span>
                        </div>
                    }
                }).collect_view()}
            </div>
        </div>
    }
}

#[component]
fn CustomerPage(page: Value) -> impl IntoView {
    let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    let customer = page["customer"].clone();
    let facts = ["segment", "time_zone", "tenure_months", "balance", "products"]
        .iter()
        .filter(|k| !customer[**k].is_null())
        .map(|k| (k.to_string(), text(&customer[*k])))
        .collect::<Vec<_>>();
    let instances = page["instances"].as_array().cloned().unwrap_or_default();
    let actions = page["actions"].as_array().cloned().unwrap_or_default();
    let suppressions = page["suppressions"].as_array().cloned().unwrap_or_default();
    view! {
        <div class="customer-page" id="customer-page">
            <h3>{text(&customer["id"])}</h3>
            <dl class="facts">{facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}</dl>
            <h4>"Journeys"</h4>
            {if instances.is_empty() { view! { <p class="muted">"In no journey."</p> }.into_any() } else {
                instances.iter().map(|i| view! {
                    <div class="customer-instance">
                        <strong>{format!("{}@{}", text(&i["journey"]), i["version"])}</strong>
                        <span class="chip">{text(&i["status"])}</span>
                        " at " <code>{text(&i["node"])}</code>
                        <div class="muted small">{i["path"].as_array().map(|p| p.iter().map(text).collect::<Vec<_>>().join(" → ")).unwrap_or_default()}</div>
                    </div>
                }).collect_view().into_any()
            }}
            <h4>"Contacts"</h4>
            {if actions.is_empty() { view! { <p class="muted">"None yet."</p> }.into_any() } else {
                view! {
                    <table class="customer-actions">
                        <tr><th>"when"</th><th>"journey · step"</th><th>"channel"</th><th>"outcome"</th></tr>
                        {actions.iter().map(|a| {
                            let outcome = text(&a["outcome"]);
                            let reason = a["reason"].as_str().map(|r| format!(" ({r})")).unwrap_or_default();
                            view! {
                                <tr class=format!("outcome-{outcome}")>
                                    <td>{text(&a["at"]).chars().take(16).collect::<String>().replace('T', " ")}</td>
                                    <td>{format!("{} · {}", text(&a["journey"]), text(&a["node"]))}</td>
                                    <td>{text(&a["channel"])}</td>
                                    <td>{format!("{outcome}{reason}")}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </table>
                }.into_any()
            }}
            {(!suppressions.is_empty()).then(|| view! {
                <h4>"Suppression list"</h4>
                {suppressions.iter().map(|s| view! { <div class="chip warn">{format!("{}: {}", text(&s["channel"]), text(&s["reason"]))}</div> }).collect_view()}
            })}
        </div>
    }
}
