//! The sign-in screen: local users with hashed passwords, checked by the store.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::User;

#[component]
pub fn SignIn(user: RwSignal<Option<User>>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (n, p) = (name.get_untracked(), password.get_untracked());
        spawn_local(async move {
            match crate::api::sign_in(&n, &p).await {
                Ok(signed_in) => user.set(Some(signed_in)),
                Err(e) => {
                    error.set(Some(e.message));
                    password.set(String::new());
                }
            }
            busy.set(false);
        });
    };
    view! {
        <main class="sign-in-screen">
            <form class="sign-in-card" on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <h1>"Sign in"</h1>
                <p class="muted">"Journeys shows what your role may do: designers edit and submit, reviewers approve and publish, analysts simulate."</p>
                <label>"User name"
                    <input id="sign-in-name" autocomplete="username" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <label>"Password"
                    <input id="sign-in-password" type="password" autocomplete="current-password" prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev)) />
                </label>
                {move || error.get().map(|e| view! { <p class="error-banner" id="sign-in-error">{e}</p> })}
                <button id="sign-in-submit" type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
                <p class="hint">"A new sample database has one demo user per role — dana (designer), rey (reviewer), ana (analyst), admin — with the password "<code>"demo"</code>"."</p>
            </form>
        </main>
    }
}
