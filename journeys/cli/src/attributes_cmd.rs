//! `journeys attributes`: the bank's customer schema (apply a file as the next version, list
//! what is in force).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::Subcommand;
use journeys_core::customer_schema::{CustomerSchema, BUILT_IN};

use crate::db::with_store;
use crate::Format;

#[derive(Subcommand)]
pub enum AttributesCommand {
    /// Apply a customer schema file (JSON: `{"attributes": [{"name", "type", …}]}`) as the
    /// next version (admins; audited). Refused when it removes or retypes an attribute a
    /// published or paused version reads.
    Apply {
        file: PathBuf,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// The attributes in force: the built-in ones, then the schema's.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

pub fn run(url: Option<String>, command: AttributesCommand) -> anyhow::Result<ExitCode> {
    match command {
        AttributesCommand::Apply { file, actor } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let schema = CustomerSchema::parse(&text).map_err(|e| anyhow!("{}: {e}", file.display()))?;
            with_store(url, |store| async move {
                let version = store.apply_customer_schema(&schema, &actor).await?;
                println!("customer schema {version} applied: {} attributes", schema.attributes.len());
                Ok(ExitCode::SUCCESS)
            })
        }
        AttributesCommand::List { format } => with_store(url, |store| async move {
            let applied = store.customer_schema().await?;
            match format {
                Format::Json => {
                    let value = serde_json::json!({
                        "version": applied.version,
                        "applied_by": applied.applied_by,
                        "applied_at": applied.applied_at,
                        "built_in": BUILT_IN.iter().map(|(name, kind)| serde_json::json!({ "name": name, "type": kind })).collect::<Vec<_>>(),
                        "attributes": applied.schema.attributes,
                    });
                    crate::files::emit_line(&serde_json::to_string_pretty(&value)?);
                }
                Format::Text => {
                    let mut out = format!("customer schema version {}\n", applied.version);
                    for (name, kind) in BUILT_IN {
                        out.push_str(&format!("{name:<28} {:<10} built in\n", kind.key()));
                    }
                    for a in &applied.schema.attributes {
                        let mut notes = Vec::new();
                        if a.required {
                            notes.push("required".to_string());
                        }
                        if a.pii {
                            notes.push("pii".to_string());
                        }
                        if !a.values.is_empty() {
                            notes.push(format!("values {}", a.values.join("|")));
                        }
                        if !a.description.is_empty() {
                            notes.push(a.description.clone());
                        }
                        out.push_str(&format!("{:<28} {:<10} {}\n", a.name, a.kind.key(), notes.join(" · ")));
                    }
                    crate::files::emit(&out);
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
    }
}
