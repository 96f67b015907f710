//! Reading journey files with clear errors (writing is `journeys_output::write`).

use std::path::Path;

use journeys_core::{parse_journey, Journey, ParseError};
use serde::Serialize;

/// Files larger than this are refused before parsing: no journey is anywhere near it.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a file could not be read as a journey; printed as `FILE:LINE:COL: message`.
#[derive(Debug, Serialize)]
pub struct FileError {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl FileError {
    fn plain(message: String) -> Self {
        FileError { message, line: None, column: None }
    }

    pub fn display(&self, file: &str) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}: {}", self.message),
            _ => format!("{file}: {}", self.message),
        }
    }
}

pub fn read_journey(path: &Path) -> Result<Journey, FileError> {
    let size = std::fs::metadata(path).map_err(|e| FileError::plain(format!("cannot read: {}", io_reason(&e))))?.len();
    if size > MAX_FILE_BYTES {
        return Err(FileError::plain(format!("file is {size} bytes; journey files are limited to {MAX_FILE_BYTES}")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| FileError::plain(format!("cannot read: {}", io_reason(&e))))?;
    parse_journey(&text).map_err(|e| match e {
        ParseError::Json { line, column, path, message } => {
            let at = path.map(|p| format!("at {p}: ")).unwrap_or_default();
            FileError { message: format!("{at}{message}"), line: Some(line), column: Some(column) }
        }
        other => FileError::plain(other.to_string()),
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::InvalidData => "not UTF-8 text".into(),
        _ => e.to_string(),
    }
}


/// Print to standard output; a reader that went away (`journeys … | head`) ends the output
/// quietly instead of panicking, as Unix tools do.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write to standard output: {e}");
        }
    }
}

/// `emit` with a newline.
pub fn emit_line(text: &str) {
    emit(&format!("{text}\n"));
}
