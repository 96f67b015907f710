//! `journeys drafts …`: the drafts the desktop app edits, from a terminal.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use journeys_core::{parse_journey, to_pretty_json};
use crate::db::with_store;

#[derive(Subcommand)]
pub enum DraftsCommand {
    /// List drafts: id, revision, name.
    List,
    /// Print a draft as journey JSON.
    Show { id: String },
    /// Create drafts from journey files.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The designer or admin creating the drafts.
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
}

pub fn run(database_url: Option<String>, command: DraftsCommand) -> anyhow::Result<ExitCode> {
    with_store(database_url, |store| async move {
        match command {
            DraftsCommand::List => {
                for d in store.list_drafts().await? {
                    println!("{}\tr{}\t{}", d.id, d.revision, d.name);
                }
            }
            DraftsCommand::Show { id } => crate::files::emit_line(&to_pretty_json(&store.load_draft(&id).await?.journey)),
            DraftsCommand::Import { files, actor } => {
                // Parse everything first so a bad file imports nothing.
                let mut journeys = Vec::new();
                for file in &files {
                    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
                    journeys.push(parse_journey(&text).with_context(|| format!("{}", file.display()))?);
                }
                for journey in journeys {
                    store.create_draft(&journey, &actor).await?;
                    println!("imported {} ({})", journey.id, journey.name);
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
