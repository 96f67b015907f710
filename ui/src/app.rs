//! The app frame: a header and the current screen.

use leptos::prelude::*;

use crate::{editor::Editor, list::JourneyList};

#[derive(Clone, PartialEq)]
pub enum Screen {
    List,
    Editor(String),
}

#[component]
pub fn App() -> impl IntoView {
    let screen = RwSignal::new(Screen::List);
    let location = LocalResource::new(|| async { crate::api::database_location().await.unwrap_or_default() });
    view! {
        <div class="app">
            <header class="app-header">
                <button class="brand" on:click=move |_| screen.set(Screen::List) title="All journeys">
                    <span class="brand-mark">"J"</span>
                    <span class="brand-name">"Journeys"</span>
                </button>
                <span class="header-db" title="Database in use">
                    {move || location.get().map(|l| l.to_string()).unwrap_or_default()}
                </span>
            </header>
            {move || match screen.get() {
                Screen::List => view! { <JourneyList screen=screen /> }.into_any(),
                Screen::Editor(id) => view! { <Editor id=id screen=screen /> }.into_any(),
            }}
        </div>
    }
}
