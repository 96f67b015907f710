//! `journeys validate` and `journeys rules`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use journeys_core::{parse_journey, validate, Diagnostic, ParseError, Severity, RULES};
use serde::Serialize;

use crate::Format;

/// Files larger than this are refused before parsing: no journey is anywhere near it.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Serialize)]
struct FileReport {
    file: String,
    /// Set when the file could not be read or parsed; then there are no diagnostics.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<FileError>,
    diagnostics: Vec<Diagnostic>,
}

#[derive(Serialize)]
struct FileError {
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

impl FileReport {
    fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
    }
    fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

pub fn run(files: &[PathBuf], format: Format) -> ExitCode {
    let reports: Vec<FileReport> = files.iter().map(|f| check_file(f)).collect();
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&reports).unwrap_or_default()),
        Format::Text => print_text(&reports),
    }
    if reports.iter().any(|r| r.error.is_some()) {
        ExitCode::from(2)
    } else if reports.iter().any(|r| r.errors() > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn check_file(path: &Path) -> FileReport {
    let file = path.display().to_string();
    match read_and_parse(path) {
        Ok(journey) => FileReport { file, error: None, diagnostics: validate(&journey) },
        Err(error) => FileReport { file, error: Some(error), diagnostics: Vec::new() },
    }
}

fn read_and_parse(path: &Path) -> Result<journeys_core::Journey, FileError> {
    let plain = |message: String| FileError { message, line: None, column: None };
    let size = std::fs::metadata(path).map_err(|e| plain(format!("cannot read: {}", io_reason(&e))))?.len();
    if size > MAX_FILE_BYTES {
        return Err(plain(format!("file is {size} bytes; journey files are limited to {MAX_FILE_BYTES}")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| plain(format!("cannot read: {}", io_reason(&e))))?;
    parse_journey(&text).map_err(|e| match e {
        ParseError::Json { line, column, message } => FileError { message, line: Some(line), column: Some(column) },
        other => plain(other.to_string()),
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::InvalidData => "not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

fn print_text(reports: &[FileReport]) {
    let (mut errors, mut warnings, mut unreadable) = (0, 0, 0);
    for report in reports {
        if let Some(error) = &report.error {
            unreadable += 1;
            match (error.line, error.column) {
                (Some(l), Some(c)) => eprintln!("error: {}:{l}:{c}: {}", report.file, error.message),
                _ => eprintln!("error: {}: {}", report.file, error.message),
            }
            continue;
        }
        errors += report.errors();
        warnings += report.warnings();
        if report.diagnostics.is_empty() {
            println!("{}: ok", report.file);
        }
        for d in &report.diagnostics {
            let mut place = Vec::new();
            if !d.node_ids.is_empty() {
                place.push(format!("node {}", d.node_ids.join(", ")));
            }
            if !d.edge_ids.is_empty() {
                place.push(format!("edge {}", d.edge_ids.join(", ")));
            }
            let place = if place.is_empty() { String::new() } else { format!(" [{}]", place.join("; ")) };
            println!("{}: {}[{}]{place}: {}", report.file, d.severity.as_str(), d.code, d.message);
            println!("    hint: {}", d.hint);
        }
    }
    let mut summary = format!(
        "{} file{} checked: {errors} error{}, {warnings} warning{}",
        reports.len(),
        plural(reports.len()),
        plural(errors),
        plural(warnings)
    );
    if unreadable > 0 {
        summary.push_str(&format!(", {unreadable} unreadable"));
    }
    println!("{summary}");
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub fn print_rules(format: Format) -> ExitCode {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(RULES).unwrap_or_default()),
        Format::Text => {
            for rule in RULES {
                println!("{} {:<8} {:<22} {}", rule.code, rule.severity.as_str(), rule.name, rule.rationale);
            }
        }
    }
    ExitCode::SUCCESS
}
