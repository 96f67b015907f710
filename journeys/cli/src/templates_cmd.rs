//! `journeys templates …`: the gallery from a terminal. List it (filtered), or start a new
//! journey file or draft from a template.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use clap::Subcommand;
use journeys_core::catalog::{template, templates};
use journeys_core::model::{slugify, Stage};
use journeys_core::template::instantiate;
use journeys_core::to_pretty_json;

use crate::db::with_store;
use crate::Format;

#[derive(Subcommand)]
pub enum TemplatesCommand {
    /// List the templates: id, stage, industry, name.
    List {
        /// Only this lifecycle stage (acquire, activate, cross_sell, retain, reactivate).
        #[arg(long)]
        stage: Option<String>,
        /// Only this industry (banking, cards, insurance).
        #[arg(long)]
        industry: Option<String>,
        /// Only templates whose name, use case, KPI or description contain this text.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Start a journey from a template: a file (default `NEW_ID.json`) or, with `--as`, a draft.
    New {
        template_id: String,
        /// Id of the new journey (a slug: lower-case letters, digits and dashes).
        #[arg(long)]
        id: String,
        /// Its name (default: the template's).
        #[arg(long)]
        name: Option<String>,
        /// Where to write the file; refuses to overwrite.
        #[arg(long, conflicts_with = "actor")]
        out: Option<PathBuf>,
        /// Create a draft in the database instead, as this designer or admin.
        #[arg(long = "as", value_name = "USER")]
        actor: Option<String>,
    },
}

pub fn run(database_url: Option<String>, command: TemplatesCommand) -> anyhow::Result<ExitCode> {
    match command {
        TemplatesCommand::List { stage, industry, search, format } => list(stage, industry, search, format),
        TemplatesCommand::New { template_id, id, name, out, actor } => {
            let source = template(&template_id).ok_or_else(|| anyhow!("no template '{template_id}' (see `journeys templates list`)"))?;
            if id.is_empty() || slugify(&id) != id {
                bail!("'{id}' is not a usable journey id: use lower-case letters, digits and dashes, e.g. '{}'", slugify(&id));
            }
            let mut journey = instantiate(&source, &id);
            if let Some(name) = name {
                journey.name = name;
            }
            match actor {
                Some(actor) => with_store(database_url, |store| async move {
                    store.create_draft(&journey, &actor).await?;
                    println!("created draft {} from {template_id}", journey.id);
                    Ok(ExitCode::SUCCESS)
                }),
                None => {
                    let path = out.unwrap_or_else(|| PathBuf::from(format!("{id}.json")));
                    if path.exists() {
                        bail!("{} exists; not overwriting it", path.display());
                    }
                    journeys_output::write(&path, to_pretty_json(&journey).as_bytes())?;
                    println!("wrote {} from {template_id}", path.display());
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
    }
}

fn list(stage: Option<String>, industry: Option<String>, search: Option<String>, format: Format) -> anyhow::Result<ExitCode> {
    let stage = stage
        .map(|s| Stage::from_key(&s).ok_or_else(|| anyhow!("unknown stage '{s}': use acquire, activate, cross_sell, retain or reactivate")))
        .transpose()?;
    let industry = industry
        .map(|i| {
            journeys_core::template::Industry::ALL
                .into_iter()
                .find(|x| x.key() == i)
                .ok_or_else(|| anyhow!("unknown industry '{i}': use banking, cards or insurance"))
        })
        .transpose()?;
    let needle = search.map(|s| s.to_lowercase());
    let shown: Vec<_> = templates()
        .into_iter()
        .filter(|t| {
            let Some(meta) = &t.template else { return false };
            stage.is_none_or(|s| meta.stage == s)
                && industry.is_none_or(|i| meta.industry == i)
                && needle.as_ref().is_none_or(|n| {
                    [&t.name, &meta.use_case, &meta.kpi, &t.description].iter().any(|text| text.to_lowercase().contains(n.as_str()))
                })
        })
        .collect();
    match format {
        Format::Json => {
            let rows: Vec<_> = shown
                .iter()
                .map(|t| serde_json::json!({ "id": t.id, "name": t.name, "description": t.description, "template": t.template, "nodes": t.nodes.len() }))
                .collect();
            crate::files::emit_line(&serde_json::to_string_pretty(&rows)?);
        }
        Format::Text => {
            for t in &shown {
                let meta = t.template.as_ref().map(|m| (m.stage.key(), m.industry.key())).unwrap_or_default();
                println!("{:<40} {:<11} {:<10} {}", t.id, meta.0, meta.1, t.name);
            }
            eprintln!("{} template{}", shown.len(), if shown.len() == 1 { "" } else { "s" });
        }
    }
    Ok(ExitCode::SUCCESS)
}
