//! `journeys validate` and `journeys rules`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use journeys_core::customer_schema::CustomerSchema;
use journeys_core::{Diagnostic, Severity, RULES};
use serde::Serialize;

use crate::files::{read_journey, FileError};
use crate::Format;

#[derive(Serialize)]
struct FileReport {
    file: String,
    /// Set when the file could not be read or parsed; then there are no diagnostics.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<FileError>,
    diagnostics: Vec<Diagnostic>,
}

impl FileReport {
    fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
    }
    fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

pub fn run(files: &[PathBuf], format: Format, schema: Option<&Path>) -> ExitCode {
    let schema = match schema.map(read_schema).transpose() {
        Ok(schema) => schema.unwrap_or_default(),
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let reports: Vec<FileReport> = files.iter().map(|f| check_file(f, &schema)).collect();
    match format {
        Format::Json => crate::files::emit_line(&serde_json::to_string_pretty(&reports).unwrap_or_default()),
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

fn read_schema(path: &Path) -> Result<CustomerSchema, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    CustomerSchema::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn check_file(path: &Path, schema: &CustomerSchema) -> FileReport {
    let file = path.display().to_string();
    match read_journey(path) {
        Ok(journey) => FileReport { file, error: None, diagnostics: journeys_core::validate_with(&journey, schema) },
        Err(error) => FileReport { file, error: Some(error), diagnostics: Vec::new() },
    }
}

fn print_text(reports: &[FileReport]) {
    let (mut errors, mut warnings, mut unreadable) = (0, 0, 0);
    for report in reports {
        if let Some(error) = &report.error {
            unreadable += 1;
            eprintln!("error: {}", error.display(&report.file));
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
            if let Some(field) = &d.field {
                place.push(format!("field {field}"));
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
        Format::Json => crate::files::emit_line(&serde_json::to_string_pretty(RULES).unwrap_or_default()),
        Format::Text => {
            for rule in RULES {
                println!("{} {:<8} {:<22} {}", rule.code, rule.severity.as_str(), rule.name, rule.rationale);
            }
        }
    }
    ExitCode::SUCCESS
}
