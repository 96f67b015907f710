//! The Journeys desktop shell: opens the store, seeds sample journeys on first start, and
//! exposes thin commands to the UI. No business logic lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod catalogue;
mod customer_data;
mod commands;
mod dashboard;
mod files;
mod gallery;
mod review;
mod session;
mod simulation;
mod trial;

use journeys_store::{default_database_url, Store};

fn main() {
    // Before anything starts a thread: the environment is read by WebKit's processes.
    #[cfg(target_os = "linux")]
    prefer_cpu_painting_without_gpu();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JOURNEYS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let store = match tauri::async_runtime::block_on(open_store()) {
        Ok(store) => store,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(store)
        .manage(simulation::Running::default())
        .manage(session::Session::default())
        .manage(gallery::Funnels::default())
        .manage(trial::Trial::default())
        .invoke_handler(tauri::generate_handler![
            commands::list_journeys,
            commands::load_journey,
            commands::save_journey,
            commands::create_journey,
            commands::database_location,
            files::export_journey,
            files::import_journey,
            simulation::simulate_journey,
            simulation::cancel_simulation,
            simulation::list_runs,
            simulation::load_run,
            session::sign_in,
            session::sign_out,
            session::current_user,
            review::list_versions,
            review::all_versions,
            review::load_version,
            review::submit_draft,
            review::decide_version,
            review::operate_version,
            review::migration_plan,
            review::migrate,
            gallery::template_funnel,
            gallery::use_template,
            trial::trial_status,
            trial::trial_start,
            trial::trial_stop,
            trial::trial_advance,
            trial::trial_send_events,
            trial::trial_customer,
            catalogue::catalogue,
            catalogue::model_drift,
            catalogue::decide_catalogue,
            dashboard::reported_versions,
            dashboard::live_report,
            dashboard::export_report_csv,
            dashboard::portfolio,
            dashboard::save_chart_png,
            customer_data::customer_schema,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: the desktop app failed: {e}");
        std::process::exit(1);
    }
}

async fn open_store() -> Result<Store, String> {
    let url = default_database_url().map_err(|e| e.to_string())?;
    let store = Store::open(&url).await.map_err(|e| e.to_string())?;
    store.seed_samples_if_empty().await.map_err(|e| e.to_string())?;
    tracing::info!(backend = ?store.backend(), "store ready");
    Ok(store)
}

/// Without a GPU render node (a virtual machine, a remote X display, Xvfb) WebKitGTK's defaults
/// are slow: Skia paints through Mesa's software GL, and the DMA-BUF renderer, falling back to
/// shared memory, costs 35-50 ms for every changed frame however little changes. Under Xvfb here
/// (desktop e2e `a_500_step_journey_stays_smooth_to_drag_and_pan`) CPU painting took a 500-step
/// canvas from 11-12 to 15-22 frames/s panning and 16 to 26-45 dragging; dropping the DMA-BUF
/// renderer on X11 as well took it to ~40 panning and ~60 dragging (a 100 px box moving: 26 → 62).
/// So, unless the user set them, choose both when there is no render node.
#[cfg(target_os = "linux")]
fn prefer_cpu_painting_without_gpu() {
    let has_render_node = std::fs::read_dir("/dev/dri")
        .map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
        .unwrap_or(false);
    if has_render_node {
        return;
    }
    let mut defaults = vec!["WEBKIT_SKIA_ENABLE_CPU_RENDERING"];
    // Only X11 has the other renderer to fall back to.
    if std::env::var_os("WAYLAND_DISPLAY").is_none() {
        defaults.push("WEBKIT_DISABLE_DMABUF_RENDERER");
    }
    for name in defaults {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, "1");
        }
    }
}
