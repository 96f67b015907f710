//! The journeys list: every draft, and a way to start a new one.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::Screen;

#[component]
pub fn JourneyList(screen: RwSignal<Screen>) -> impl IntoView {
    let journeys = LocalResource::new(crate::api::list_journeys);
    let new_name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);

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

    view! {
        <main class="list-screen">
            <div class="list-head">
                <h1>"Journeys"</h1>
                <form class="new-journey" on:submit=move |ev| { ev.prevent_default(); create(); }>
                    <input id="new-journey-name" placeholder="New journey name"
                        prop:value=move || new_name.get()
                        on:input=move |ev| new_name.set(event_target_value(&ev)) />
                    <button id="new-journey" type="submit" class="primary">"New journey"</button>
                </form>
            </div>
            {move || error.get().map(|e| view! { <p class="error-banner">{e}</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading journeys…"</p> }>
                {move || journeys.get().map(|result| match result {
                    Err(e) => view! { <p class="error-banner">{e.message}</p> }.into_any(),
                    Ok(drafts) if drafts.is_empty() => view! { <p class="muted">"No journeys yet."</p> }.into_any(),
                    Ok(drafts) => view! {
                        <ul class="journey-cards">
                            {drafts.into_iter().map(|d| {
                                let id = d.id.clone();
                                let card_id = d.id.clone();
                                view! {
                                    <li class="journey-card" data-journey-id=card_id
                                        on:click=move |_| screen.set(Screen::Editor(id.clone()))>
                                        <h2>{d.name}</h2>
                                        <p class="muted">{d.id}</p>
                                        <p class="card-meta">"Draft · revision " {d.revision}</p>
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
