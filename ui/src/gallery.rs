//! The template gallery: every template grouped by lifecycle stage, filtered by stage and
//! industry and searched by text; a card shows the graph's thumbnail, and the selected one its
//! goal, KPI, what it needs from the bank's systems and its simulated funnel. "Use template"
//! makes a new draft from it.

use journeys_core::catalog::templates;
use journeys_core::template::{requirements, Industry};
use journeys_core::{Journey, Stage};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{signed_in, Screen};
use crate::editor::geometry::stage_colour;
use crate::graph_view::GraphView;

fn matches(t: &Journey, stage: Option<Stage>, industry: Option<Industry>, needle: &str) -> bool {
    let Some(meta) = &t.template else { return false };
    let needle = needle.trim().to_lowercase();
    stage.is_none_or(|s| meta.stage == s)
        && industry.is_none_or(|i| meta.industry == i)
        && (needle.is_empty()
            || [&t.name, &meta.use_case, &meta.kpi, &t.description].iter().any(|text| text.to_lowercase().contains(&needle)))
}

fn percent(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

#[component]
pub fn Gallery(screen: RwSignal<Screen>) -> impl IntoView {
    let all = StoredValue::new(templates());
    let stage = RwSignal::new(None::<Stage>);
    let industry = RwSignal::new(None::<Industry>);
    let search = RwSignal::new(String::new());
    let selected = RwSignal::new(None::<String>);
    let shown = Memo::new(move |_| {
        let (s, i, q) = (stage.get(), industry.get(), search.get());
        all.with_value(|ts| ts.iter().filter(|t| matches(t, s, i, &q)).cloned().collect::<Vec<_>>())
    });

    let stage_chip = move |value: Option<Stage>, label: &'static str| {
        let key = value.map(|s| s.key()).unwrap_or("all");
        view! {
            <button class="chip stage-chip" data-stage=key class:active=move || stage.get() == value
                style=format!("--stage: {}", stage_colour(value))
                on:click=move |_| stage.set(value)>{label}</button>
        }
    };
    let industry_chip = move |value: Option<Industry>, label: &'static str| {
        let key = value.map(|i| i.key()).unwrap_or("all");
        view! {
            <button class="chip industry-chip" data-industry=key class:active=move || industry.get() == value
                on:click=move |_| industry.set(value)>{label}</button>
        }
    };

    view! {
        <main class="gallery-screen">
            <div class="gallery-head">
                <button class="ghost" id="gallery-back" on:click=move |_| screen.set(Screen::List)>"← Journeys"</button>
                <h1>"Template gallery"</h1>
                <input id="gallery-search" type="search" placeholder="Search templates (e.g. renewal, salary, dormant)"
                    prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev)) />
            </div>
            <div class="gallery-filters">
                <span class="filter-label">"Stage"</span>
                {stage_chip(None, "All")}
                {Stage::ALL.into_iter().map(|s| stage_chip(Some(s), s.label())).collect_view()}
                <span class="filter-label">"Industry"</span>
                {industry_chip(None, "All")}
                {Industry::ALL.into_iter().map(|i| industry_chip(Some(i), i.label())).collect_view()}
                <span class="muted" id="gallery-count">{move || match shown.with(Vec::len) {
                    1 => "1 template".to_string(),
                    n => format!("{n} templates"),
                }}</span>
            </div>
            <div class="gallery-body">
                <div class="gallery-grid">
                    {move || {
                        let list = shown.get();
                        Stage::ALL.into_iter().filter_map(|s| {
                            let group: Vec<Journey> = list.iter().filter(|t| t.template.as_ref().is_some_and(|m| m.stage == s)).cloned().collect();
                            (!group.is_empty()).then(|| view! {
                                <section class="gallery-group" data-stage=s.key()>
                                    <h2 style=format!("color: {}", stage_colour(Some(s)))>{s.label()}</h2>
                                    <ul class="template-cards">
                                        {group.into_iter().map(|t| view! { <TemplateCard journey=t selected=selected /> }).collect_view()}
                                    </ul>
                                </section>
                            })
                        }).collect_view()
                    }}
                    {move || shown.with(Vec::is_empty).then(|| view! { <p class="muted pad">"No template matches."</p> })}
                </div>
                {move || selected.get().and_then(|id| all.with_value(|ts| ts.iter().find(|t| t.id == id).cloned())).map(|t| view! {
                    <TemplateDetail journey=t screen=screen />
                })}
            </div>
        </main>
    }
}

#[component]
fn TemplateCard(journey: Journey, selected: RwSignal<Option<String>>) -> impl IntoView {
    let id = journey.id.clone();
    let is_selected = {
        let id = id.clone();
        move || selected.get().as_deref() == Some(id.as_str())
    };
    let meta = journey.template.clone();
    let (industry, kpi) = meta.as_ref().map(|m| (m.industry.label(), m.kpi.clone())).unwrap_or_default();
    let stage = meta.map(|m| m.stage);
    view! {
        <li class="template-card" data-template-id=id.clone() class:selected=is_selected
            style=format!("--stage: {}", stage_colour(stage))
            on:click=move |_| selected.set(Some(id.clone()))>
            <div class="thumb"><GraphView journey=journey.clone() compact=true /></div>
            <h3>{journey.name.clone()}</h3>
            <p class="muted small kpi" title="KPI">{kpi}</p>
            <p class="card-tags">
                <span class="tag stage-tag">{stage.map(|s| s.label()).unwrap_or_default()}</span>
                <span class="tag">{industry}</span>
                <span class="tag">{format!("{} steps", journey.nodes.len())}</span>
            </p>
        </li>
    }
}

#[component]
fn TemplateDetail(journey: Journey, screen: RwSignal<Screen>) -> impl IntoView {
    let meta = journey.template.clone();
    let needs = requirements(&journey);
    let id = StoredValue::new(journey.id.clone());
    let name = RwSignal::new(journey.name.clone());
    let error = RwSignal::new(None::<String>);
    let may_edit = signed_in().is_some_and(|u| u.role.edits());
    let funnel = LocalResource::new(move || async move { crate::api::template_funnel(&id.get_value()).await });
    // Draw once the report is here and the canvas is in the page.
    Effect::new(move |_| {
        if let Some(Ok(report)) = funnel.get() {
            request_animation_frame(move || crate::editor::chart::draw_funnel("template-funnel", &report));
        }
    });
    let use_it = move |_| {
        error.set(None);
        spawn_local(async move {
            match crate::api::use_template(&id.get_value(), &name.get_untracked()).await {
                Ok(draft) => screen.set(Screen::Editor(draft.journey.id)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let goal = journey.settings.goal.clone().map(|g| format!("{} within {}", g.event, g.window)).unwrap_or_default();
    let list = |items: std::collections::BTreeSet<String>| {
        if items.is_empty() {
            return view! { <span class="muted">"none"</span> }.into_any();
        }
        items.into_iter().map(|i| view! { <code class="req">{i}</code> }).collect_view().into_any()
    };
    view! {
        <aside class="template-detail" id="template-detail" data-template-id=journey.id.clone()>
            <h2>{journey.name.clone()}</h2>
            <p>{journey.description.clone()}</p>
            <dl>
                <dt>"Goal"</dt><dd>{goal}</dd>
                <dt>"KPI"</dt><dd>{meta.as_ref().map(|m| m.kpi.clone())}</dd>
                <dt>"Expected conversion"</dt>
                <dd>{meta.as_ref().map(|m| format!("{} – {}", percent(m.expected_conversion.min), percent(m.expected_conversion.max)))}</dd>
                <dt>"Events it needs"</dt><dd class="reqs">{list(needs.events)}</dd>
                <dt>"Customer attributes"</dt><dd class="reqs">{list(needs.attributes)}</dd>
                <dt>"Model scores"</dt><dd class="reqs">{list(needs.scores)}</dd>
            </dl>
            <h3>"Simulated on 10,000 sample customers, 90 days"</h3>
            <p id="template-sim-summary" class="small">
                {move || match funnel.get() {
                    None => "Simulating…".to_string(),
                    Some(Ok(r)) => format!("{} entered · {} converted ({})", r.totals.entered, r.totals.converted, percent(r.totals.conversion_rate)),
                    Some(Err(e)) => e.message,
                }}
            </p>
            <canvas id="template-funnel" width="380" height="260"></canvas>
            {may_edit.then(|| view! {
                <div class="use-template">
                    <input id="template-draft-name" aria-label="Name of the new journey" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                    <button class="primary" id="use-template" on:click=use_it>"Use template"</button>
                </div>
            })}
            {move || error.get().map(|e| view! { <p class="error-banner">{e}</p> })}
        </aside>
    }
}
