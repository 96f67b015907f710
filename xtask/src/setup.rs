//! Installing what the build and tests need, only when it is missing, so a warm machine
//! skips straight to building.

use std::path::PathBuf;
use std::process::Command;

use crate::run_cmd;

/// Debian packages the desktop app builds against (Tauri on WebKitGTK).
pub const APP_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "curl",
    "wget",
    "file",
    "libssl-dev",
    "libxdo-dev",
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
];

/// What the tests add: a display server, the WebKit WebDriver, a PostgreSQL server, an SMTP
/// server (Python's aiosmtpd) for the email connector, xdotool (types into the native GTK file
/// dialogs of import and export) and ImageMagick (`import` photographs the whole screen,
/// dialogs included, which WebDriver cannot).
pub const TEST_PACKAGES: &[&str] = &["xvfb", "xauth", "webkit2gtk-driver", "postgresql", "python3-aiosmtpd", "xdotool", "imagemagick"];

pub const WASM_BINDGEN_VERSION: &str = "0.2.130";

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn privileged(args: &[&str]) -> Command {
    let mut command = if is_root() {
        let mut c = Command::new(args[0]);
        c.args(&args[1..]);
        c
    } else {
        let mut c = Command::new("sudo");
        c.args(args);
        c
    };
    command.env("DEBIAN_FRONTEND", "noninteractive");
    command
}

pub fn ensure_system_packages(packages: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing missing system packages: {}", missing.join(" "));
    run_cmd(&mut privileged(&["apt-get", "update", "-q"]))?;
    let mut args = vec!["apt-get", "install", "-y", "-q", "--no-install-recommends"];
    args.extend(&missing);
    run_cmd(&mut privileged(&args))
}

fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn ensure_wasm_tools() -> Result<(), String> {
    let targets = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t.trim() == "wasm32-unknown-unknown") {
        run_cmd(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    // The CLI must match the `wasm-bindgen` crate exactly (pinned in Cargo.toml).
    let version = output_of("wasm-bindgen", &["--version"]).unwrap_or_default();
    if !version.contains(WASM_BINDGEN_VERSION) {
        run_cmd(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", WASM_BINDGEN_VERSION]))?;
    }
    Ok(())
}

pub fn ensure_tauri_driver() -> Result<PathBuf, String> {
    if output_of("tauri-driver", &["--help"]).is_none() {
        run_cmd(Command::new("cargo").args(["install", "tauri-driver", "--locked", "--version", "^2"]))?;
    }
    let found = output_of("sh", &["-c", "command -v tauri-driver"]).unwrap_or_default();
    let found = found.trim();
    if found.is_empty() {
        return Err("tauri-driver was installed but is not on PATH (add ~/.cargo/bin to PATH)".into());
    }
    Ok(PathBuf::from(found))
}
