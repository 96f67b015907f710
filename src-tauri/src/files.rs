//! Journey JSON in and out through the native file dialogs (tauri-plugin-dialog, called from
//! Rust: the UI gets no file-system or dialog permission). Parsing is core's `parse_journey`,
//! storing is the store's `import_draft`; this module only asks for a path and reads or writes.

use std::path::PathBuf;

use journeys_core::{parse_journey, to_pretty_json, Journey};
use journeys_store::{Store, StoredDraft};
use serde::Serialize;
use tauri::{State, WebviewWindow};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};

use crate::commands::{CommandError, Result};
use crate::session::Session;

/// Largest journey file read (a 500-step journey is about 300 KB).
const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

fn dialog(window: &WebviewWindow, title: &str) -> FileDialogBuilder<tauri::Wry> {
    window.dialog().file().set_parent(window).set_title(title).add_filter("Journey JSON", &["json"])
}

/// Wait for the dialog's answer without blocking a runtime thread; `None` when cancelled.
async fn answer(open: impl FnOnce(Box<dyn FnOnce(Option<FilePath>) + Send>)) -> Result<Option<PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    open(Box::new(move |path| {
        let _ = tx.send(path);
    }));
    match rx.await.ok().flatten() {
        None => Ok(None),
        Some(path) => path.into_path().map(Some).map_err(|e| CommandError::new("io", format!("the chosen file is not a local path: {e}"))),
    }
}

/// Ask where to save `journey` and write it as pretty journey JSON (the format of `templates/`
/// and `journeys drafts show`). Returns the path written, or `None` when the user cancelled.
#[tauri::command]
pub async fn export_journey(window: WebviewWindow, journey: Journey) -> Result<Option<String>> {
    let file_name = format!("{}.json", journey.id);
    let chosen = answer(|reply| dialog(&window, "Export journey JSON").set_file_name(file_name).save_file(reply)).await?;
    let Some(path) = chosen else { return Ok(None) };
    let mut text = to_pretty_json(&journey);
    text.push('\n');
    journeys_output::write(&path, text.as_bytes()).map_err(|e| CommandError::new("io", e.to_string()))?;
    Ok(Some(path.display().to_string()))
}

/// What an import made.
#[derive(Serialize)]
pub struct Imported {
    pub draft: StoredDraft,
    pub file: String,
}

/// Ask for a journey file, parse it with core and store it as a new draft (the file's id, or
/// `id-2`, … when taken). A file that does not parse changes nothing; the error names the file,
/// line and column. `None` when the user cancelled.
#[tauri::command]
pub async fn import_journey(window: WebviewWindow, store: State<'_, Store>, session: State<'_, Session>) -> Result<Option<Imported>> {
    let actor = session.actor()?;
    let chosen = answer(|reply| dialog(&window, "Import journey JSON").pick_file(reply)).await?;
    let Some(path) = chosen else { return Ok(None) };
    let file = path.display().to_string();
    let size = std::fs::metadata(&path).map_err(|e| CommandError::new("io", format!("cannot read {file}: {e}")))?.len();
    if size > MAX_FILE_BYTES {
        return Err(CommandError::new("invalid", format!("{file} is {size} bytes, more than a journey file can be ({MAX_FILE_BYTES})")));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| CommandError::new("io", format!("cannot read {file}: {e}")))?;
    let journey = parse_journey(&text).map_err(|e| CommandError::new("invalid", format!("{file}: {e}")))?;
    let draft = store.import_draft(&journey, &actor).await?;
    Ok(Some(Imported { draft, file }))
}
