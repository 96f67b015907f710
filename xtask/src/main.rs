//! Project chores, as `cargo xtask COMMAND` (see README):
//!
//! - `run`:  install what is missing, build the UI and the desktop app, open it on the
//!           embedded SQLite database (sample journeys load on first start).
//! - `test`: install what is missing, build, start a throw-away PostgreSQL on loopback and run
//!           every test (unit, store on both databases, CLI, desktop end-to-end under Xvfb).
//! - `ui`:   build the wasm UI into `ui/dist` only.
//!
//! Standard library only, so it compiles in seconds on a fresh machine.

mod postgres;
mod setup;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("pgtest") => pg_test(&args[1..]),
        Some("ui") => setup::ensure_wasm_tools().and_then(|_| build_ui()),
        _ => Err("usage: cargo xtask run | test [CARGO TEST ARGS] | pgtest [CARGO TEST ARGS] | ui".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root. `cargo run` says where xtask's manifest is at run time; the path baked
/// in at build time is only a fallback, because clones sharing one CARGO_TARGET_DIR share one
/// xtask binary, built from whichever clone built it last.
pub fn root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.parent().map(Path::to_path_buf).unwrap_or_default()
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// Run a command from the workspace root; fail with its name when it fails.
pub fn run_cmd(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    eprintln!("xtask: $ {shown}");
    let status = command.current_dir(root()).status().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Build the Leptos UI to wasm and lay out `ui/dist` (the desktop app embeds it).
fn build_ui() -> Result<(), String> {
    run_cmd(cargo().args(["build", "-p", "ui", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"]))?;
    let dist = root().join("ui/dist");
    std::fs::create_dir_all(&dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    let wasm = target_dir().join("wasm32-unknown-unknown/wasm-release/ui.wasm");
    run_cmd(
        Command::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-name", "ui", "--out-dir"])
            .arg(&dist)
            .arg(&wasm),
    )?;
    let statics = root().join("ui/static");
    for entry in std::fs::read_dir(&statics).map_err(|e| format!("cannot read {}: {e}", statics.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let to = dist.join(path.file_name().unwrap_or_default());
        std::fs::copy(&path, &to).map_err(|e| format!("cannot copy {} to {}: {e}", path.display(), to.display()))?;
    }
    Ok(())
}

fn build_app() -> Result<PathBuf, String> {
    run_cmd(cargo().args(["build", "-p", "journeys-app", "-p", "journeys-cli"]))?;
    Ok(target_dir().join("debug/journeys-app"))
}

fn run(extra: &[String]) -> Result<(), String> {
    setup::ensure_system_packages(setup::APP_PACKAGES)?;
    setup::ensure_wasm_tools()?;
    build_ui()?;
    let app = build_app()?;
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err(format!("built {}, but there is no display to open it on (DISPLAY is not set)", app.display()));
    }
    run_cmd(Command::new(app).args(extra))
}

/// The library and CLI tests against a throw-away PostgreSQL, without building the desktop app
/// (its tests then skip, saying why). For quick loops; `test` runs everything.
fn pg_test(extra: &[String]) -> Result<(), String> {
    setup::ensure_system_packages(setup::TEST_PACKAGES)?;
    let postgres = postgres::TestServer::start()?;
    let result = run_cmd(cargo().arg("test").args(extra).env("JOURNEYS_TEST_POSTGRES_URL", postgres.url()));
    drop(postgres);
    result
}

fn test(extra: &[String]) -> Result<(), String> {
    setup::ensure_system_packages(setup::APP_PACKAGES)?;
    setup::ensure_system_packages(setup::TEST_PACKAGES)?;
    setup::ensure_wasm_tools()?;
    let tauri_driver = setup::ensure_tauri_driver()?;
    build_ui()?;
    let app = build_app()?;
    if extra.is_empty() {
        // The UI crate is not a default member (it ships as wasm), but its editor logic has
        // plain unit tests that run natively.
        run_cmd(cargo().args(["test", "-p", "ui", "--bins"]))?;
    }
    let postgres = postgres::TestServer::start()?;
    let screenshots = root().join("target/e2e-screenshots");
    let mut command = Command::new("xvfb-run");
    command
        .args(["-a", "-s", "-screen 0 1600x1000x24"])
        .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .arg("test")
        .args(extra)
        .env("JOURNEYS_TEST_POSTGRES_URL", postgres.url())
        .env("JOURNEYS_APP_BIN", &app)
        .env("JOURNEYS_TAURI_DRIVER", &tauri_driver)
        .env("JOURNEYS_SCREENSHOT_DIR", &screenshots);
    let result = run_cmd(&mut command);
    drop(postgres);
    result?;
    eprintln!("xtask: all tests passed; screenshots in {}", screenshots.display());
    Ok(())
}
