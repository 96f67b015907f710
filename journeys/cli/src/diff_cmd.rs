//! `journeys diff OLD NEW`: the semantic changes between two journey files.

use std::path::Path;
use std::process::ExitCode;

use journeys_core::diff::{diff, ChangeKind};

use crate::files::read_journey;
use crate::Format;

pub fn run(old: &Path, new: &Path, format: Format) -> ExitCode {
    let read = |path: &Path| read_journey(path).map_err(|e| eprintln!("error: {}", e.display(&path.display().to_string())));
    let (Ok(a), Ok(b)) = (read(old), read(new)) else { return ExitCode::from(2) };
    let changes = diff(&a, &b);
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&changes).unwrap_or_default()),
        Format::Text => {
            for c in &changes {
                let mark = match c.kind {
                    ChangeKind::Added => "+",
                    ChangeKind::Removed => "-",
                    ChangeKind::Changed => "~",
                };
                let field = c.field.as_deref().map(|f| format!(" {f}")).unwrap_or_default();
                let values = if c.kind == ChangeKind::Changed && (!c.before.is_null() || !c.after.is_null()) {
                    format!(": {} → {}", c.before, c.after)
                } else {
                    String::new()
                };
                let flag = if c.compliance { "  [compliance]" } else { "" };
                println!("{mark} {} {}{field}{values}{flag}", c.subject, c.id);
            }
            let flagged = changes.iter().filter(|c| c.compliance).count();
            println!("{} change{}, {flagged} compliance-relevant", changes.len(), if changes.len() == 1 { "" } else { "s" });
        }
    }
    ExitCode::SUCCESS
}
