//! The app frame: sign-in, a header with the signed-in user, and the current screen.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::User;
use crate::{catalogue::Catalogue, dashboard::Dashboard, editor::Editor, gallery::Gallery, list::JourneyList, review::Review, settings::Settings, sign_in::SignIn, trial::Trial};

#[derive(Clone, PartialEq)]
pub enum Screen {
    List,
    Editor(String),
    /// A journey's versions, their diff and their review.
    Review(String),
    Gallery,
    /// The run-time engine running locally for a trial.
    Trial,
    /// Models and offers in the registry.
    Catalogue,
    /// Analytics of versions that ran in the engine.
    Dashboard,
    /// The bank's customer schema, read-only.
    Settings,
}

/// The signed-in user, provided to every screen.
pub fn signed_in() -> Option<User> {
    use_context::<RwSignal<Option<User>>>().and_then(|u| u.get())
}

#[component]
pub fn App() -> impl IntoView {
    let screen = RwSignal::new(Screen::List);
    let user = RwSignal::new(None::<User>);
    let checked = RwSignal::new(false);
    provide_context(user);
    spawn_local(async move {
        if let Ok(current) = crate::api::current_user().await {
            user.set(current);
        }
        checked.set(true);
    });
    let location = LocalResource::new(|| async { crate::api::database_location().await.unwrap_or_default() });
    let sign_out = move |_| {
        spawn_local(async move {
            let _ = crate::api::sign_out().await;
            user.set(None);
            screen.set(Screen::List);
        });
    };
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
                {move || user.get().map(|u| view! {
                    <span class="user-chip" id="user-chip" data-role=u.role.key()>
                        <span class="user-name">{u.name.clone()}</span>
                        <span class="role-badge">{u.role.key()}</span>
                    </span>
                    <button class="ghost" id="sign-out" on:click=sign_out>"Sign out"</button>
                })}
            </header>
            {move || match (checked.get(), user.get().is_some()) {
                (false, _) => ().into_any(),
                (true, false) => view! { <SignIn user=user /> }.into_any(),
                (true, true) => match screen.get() {
                    Screen::List => view! { <JourneyList screen=screen /> }.into_any(),
                    Screen::Editor(id) => view! { <Editor id=id screen=screen /> }.into_any(),
                    Screen::Review(id) => view! { <Review id=id screen=screen /> }.into_any(),
                    Screen::Gallery => view! { <Gallery screen=screen /> }.into_any(),
                    Screen::Trial => view! { <Trial screen=screen /> }.into_any(),
                    Screen::Catalogue => view! { <Catalogue screen=screen /> }.into_any(),
                    Screen::Dashboard => view! { <Dashboard screen=screen /> }.into_any(),
                    Screen::Settings => view! { <Settings screen=screen /> }.into_any(),
                },
            }}
        </div>
    }
}
