//! The Journeys front end: Leptos (client-side rendered) in the Tauri window.

mod api;
mod app;
mod catalogue;
mod dashboard;
mod editor;
mod gallery;
mod graph_view;
mod list;
mod review;
mod settings;
mod sign_in;
mod trial;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
