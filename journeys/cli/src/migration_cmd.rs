//! `journeys migration plan|apply FROM TO`: move customers in flight to another version.

use std::process::ExitCode;

use clap::Subcommand;
use journeys_core::migration::Move;

use crate::db::with_store;
use crate::Format;

#[derive(Subcommand)]
pub enum MigrationCommand {
    /// Dry run: how many customers waiting in FROM would move to which step of TO (and who stays).
    Plan {
        from: String,
        to: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Move them (reviewers; TO must be live). Customers whose step is gone stay on FROM.
    Apply {
        from: String,
        to: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
}

fn print_plan(moves: &[Move]) {
    for m in moves {
        match &m.to_node {
            Some(to) => println!("{:>8}  {} → {}", m.customers, m.from_node, to),
            None => println!("{:>8}  {} stays ({})", m.customers, m.from_node, m.reason.as_deref().unwrap_or("")),
        }
    }
    let moving: i64 = moves.iter().filter(|m| m.to_node.is_some()).map(|m| m.customers).sum();
    let staying: i64 = moves.iter().filter(|m| m.to_node.is_none()).map(|m| m.customers).sum();
    println!("{moving} would move, {staying} stay on their version");
}

pub fn run(url: Option<String>, command: MigrationCommand) -> anyhow::Result<ExitCode> {
    with_store(url, |store| async move {
        match command {
            MigrationCommand::Plan { from, to, format } => {
                let moves = store.migration_plan(&from, &to).await?;
                match format {
                    Format::Json => crate::files::emit_line(&serde_json::to_string_pretty(&moves)?),
                    Format::Text => print_plan(&moves),
                }
            }
            MigrationCommand::Apply { from, to, actor } => {
                let (moves, moved) = store.migrate(&from, &to, &actor).await?;
                print_plan(&moves);
                println!("moved {moved} customers from {from} to {to}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
