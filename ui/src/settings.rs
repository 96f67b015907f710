//! Settings: the bank's customer schema in force, read-only (admins apply a new version with
//! `journeys attributes apply`; the store audits it and refuses changes that would break a
//! running version).

use leptos::prelude::*;
use leptos::task::spawn_local;

use journeys_core::customer_schema::{AppliedSchema, BUILT_IN};

use crate::api;
use crate::app::Screen;

fn applied_when(at: Option<i64>) -> String {
    at.and_then(chrono::DateTime::from_timestamp_millis).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

#[component]
pub fn Settings(screen: RwSignal<Screen>) -> impl IntoView {
    let applied = RwSignal::new(None::<AppliedSchema>);
    let error = RwSignal::new(None::<String>);
    spawn_local(async move {
        match api::customer_schema().await {
            Ok(schema) => applied.set(Some(schema)),
            Err(e) => error.set(Some(e.message)),
        }
    });
    view! {
        <div class="gallery-screen settings-screen">
            <div class="gallery-head">
                <button class="ghost" id="settings-back" on:click=move |_| screen.set(Screen::List)>"← Journeys"</button>
                <h1>"Settings"</h1>
            </div>
            {move || error.get().map(|e| view! { <div class="error-banner" id="settings-error">{e}</div> })}
            <section class="settings-section">
                <h2>"Customer schema"</h2>
                <p class="muted small" id="schema-version">{move || applied.get().map(|a| match a.version {
                    0 => "No schema applied yet: profiles have the standard attributes only.".to_string(),
                    v => format!("Version {v}, applied by {} on {}. Admins apply a new version with journeys attributes apply.", a.applied_by.unwrap_or_default(), applied_when(a.applied_at)),
                })}</p>
                <table class="registry" id="schema-table">
                    <tr><th>"attribute"</th><th>"type"</th><th>"required"</th><th>"personal data"</th><th>"values and description"</th></tr>
                    {BUILT_IN.iter().map(|(name, kind)| view! {
                        <tr class="schema-row built-in" data-name=*name>
                            <td><code>{*name}</code></td><td>{kind.key()}</td><td></td><td></td><td class="muted">"built in"</td>
                        </tr>
                    }).collect_view()}
                    {move || applied.get().map(|a| a.schema.attributes.into_iter().map(|attribute| {
                        let detail = match (attribute.values.is_empty(), attribute.description.is_empty()) {
                            (false, false) => format!("{} — {}", attribute.values.join(" · "), attribute.description),
                            (false, true) => attribute.values.join(" · "),
                            _ => attribute.description.clone(),
                        };
                        view! {
                            <tr class="schema-row" data-name=attribute.name.clone() data-type=attribute.kind.key()>
                                <td><code>{attribute.name.clone()}</code></td>
                                <td>{attribute.kind.key()}</td>
                                <td>{attribute.required.then_some("required")}</td>
                                <td>{attribute.pii.then(|| view! { <span class="chip warn">"PII"</span> })}</td>
                                <td>{detail}</td>
                            </tr>
                        }
                    }).collect_view())}
                </table>
            </section>
        </div>
    }
}
