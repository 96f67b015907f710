//! The journeys list: every draft with its versions' status, and a way to start a new one.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{VersionStatus, VersionSummary};
use crate::app::{signed_in, Screen};

/// What a card says about a journey's versions: the live one, and the newest if different.
fn version_badges(versions: &[VersionSummary]) -> Vec<(String, &'static str)> {
    let live = versions.iter().rev().find(|v| matches!(v.status, VersionStatus::Published | VersionStatus::Paused));
    let newest = versions.last();
    let mut badges = Vec::new();
    if let Some(v) = live {
        let label = if v.status == VersionStatus::Published { "live" } else { "paused" };
        badges.push((format!("v{} {label}", v.number), v.status.key()));
    }
    if let Some(v) = newest.filter(|n| live.is_none_or(|l| l.number != n.number)) {
        badges.push((format!("v{} {}", v.number, v.status.key()), v.status.key()));
    }
    badges
}

#[component]
pub fn JourneyList(screen: RwSignal<Screen>) -> impl IntoView {
    let journeys = LocalResource::new(crate::api::list_journeys);
    let versions = LocalResource::new(crate::api::all_versions);
    let new_name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let may_edit = signed_in().is_some_and(|u| u.role.edits());

    let create = move || {
        let name = new_name.get_untracked();
        let name = if name.trim().is_empty() { "Untitled journey".to_string() } else { name };
        spawn_local(async move {
            match crate::api::create_journey(&name).await {
                Ok(draft) => screen.set(Screen::Editor(draft.journey.id)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let versions_of = move |id: &str| -> Vec<VersionSummary> {
        versions.get().and_then(|r| r.ok()).unwrap_or_default().into_iter().filter(|v| v.journey_id == id).collect()
    };

    view! {
        <main class="list-screen">
            <div class="list-head">
                <h1>"Journeys"</h1>
                <span class="spacer"></span>
                <button class="ghost" id="open-gallery" on:click=move |_| screen.set(Screen::Gallery)>"Template gallery"</button>
                <button class="ghost" id="open-dashboard" on:click=move |_| screen.set(Screen::Dashboard)>"Dashboard"</button>
                <button class="ghost" id="open-catalogue" on:click=move |_| screen.set(Screen::Catalogue)>"Models & offers"</button>
                <button class="ghost" id="open-trial" on:click=move |_| screen.set(Screen::Trial)>"Engine trial"</button>
                <button class="ghost" id="open-settings" on:click=move |_| screen.set(Screen::Settings)>"Settings"</button>
                {may_edit.then(|| view! {
                    <form class="new-journey" on:submit=move |ev| { ev.prevent_default(); create(); }>
                        <input id="new-journey-name" placeholder="New journey name"
                            prop:value=move || new_name.get()
                            on:input=move |ev| new_name.set(event_target_value(&ev)) />
                        <button id="new-journey" type="submit" class="primary">"New journey"</button>
                    </form>
                })}
            </div>
            {move || error.get().map(|e| view! { <p class="error-banner">{e}</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading journeys…"</p> }>
                {move || journeys.get().map(|result| match result {
                    Err(e) => view! { <p class="error-banner">{e.message}</p> }.into_any(),
                    Ok(drafts) if drafts.is_empty() => view! { <p class="muted">"No journeys yet."</p> }.into_any(),
                    Ok(drafts) => view! {
                        <ul class="journey-cards">
                            {drafts.into_iter().map(|d| {
                                let open = d.id.clone();
                                let review = d.id.clone();
                                let card_id = d.id.clone();
                                let badges_id = d.id.clone();
                                view! {
                                    <li class="journey-card" data-journey-id=card_id
                                        on:click=move |_| screen.set(Screen::Editor(open.clone()))>
                                        <h2>{d.name}</h2>
                                        <p class="muted">{d.id}</p>
                                        <p class="card-meta">
                                            "Draft · revision " {d.revision}
                                            {move || version_badges(&versions_of(&badges_id)).into_iter().map(|(text, status)| view! {
                                                <span class=format!("status-badge status-{status}")>{text}</span>
                                            }).collect_view()}
                                        </p>
                                        <button class="ghost small open-review" title="Versions, diff and review"
                                            on:click=move |ev| { ev.stop_propagation(); screen.set(Screen::Review(review.clone())); }>
                                            "Versions & review"
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Suspense>
        </main>
    }
}
