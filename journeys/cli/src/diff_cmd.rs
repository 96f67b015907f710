//! `journeys diff OLD NEW`: the semantic changes between two journeys, each a file or a
//! stored version `JOURNEY_ID@N`.

use std::path::Path;
use std::process::ExitCode;

use journeys_core::diff::{diff, ChangeKind};
use journeys_core::Journey;
use journeys_store::parse_reference;

use crate::db::with_store;
use crate::files::read_journey;
use crate::Format;

/// A file if one exists at `source`, else a version reference looked up in the store.
fn load(source: &str, database_url: &Option<String>) -> Result<Journey, String> {
    let path = Path::new(source);
    if path.exists() || parse_reference(source).is_err() {
        return read_journey(path).map_err(|e| e.display(source));
    }
    let (id, number) = parse_reference(source).map_err(|e| e.to_string())?;
    with_store(database_url.clone(), |store| async move { Ok(store.load_version(&id, number).await?) })
        .map_err(|e| format!("{source}: {e:#}"))
}

pub fn run(old: &str, new: &str, format: Format, database_url: Option<String>) -> ExitCode {
    let read = |source: &str| load(source, &database_url).map_err(|e| eprintln!("error: {e}"));
    let (Ok(a), Ok(b)) = (read(old), read(new)) else { return ExitCode::from(2) };
    let changes = diff(&a, &b);
    match format {
        Format::Json => crate::files::emit_line(&serde_json::to_string_pretty(&changes).unwrap_or_default()),
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
