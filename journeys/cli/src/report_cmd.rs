//! `journeys report JOURNEY_ID@N` and `journeys portfolio`: analytics of live and past
//! versions from the engine's recorded steps, as JSON or CSV.

use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::{Args, ValueEnum};
use journeys_core::analytics;
use journeys_store::parse_reference;

use crate::db::with_store;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    /// The report as JSON (the simulator's report type under `report`, plus funnel and A/B tests).
    Json,
    /// One number per line: section,key,port,metric,value (parses back to the same numbers).
    Csv,
}

#[derive(Args)]
pub struct Range {
    /// First UTC day included (YYYY-MM-DD) [default: the first day with data]
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last UTC day included (YYYY-MM-DD) [default: the last day with data]
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
}

impl Range {
    fn days(&self) -> anyhow::Result<(Option<i64>, Option<i64>)> {
        let day = |d: &Option<String>, what: &str| -> anyhow::Result<Option<i64>> {
            d.as_deref().map(|d| analytics::day_of_date(d).ok_or_else(|| anyhow!("--{what} '{d}' is not a date (YYYY-MM-DD)"))).transpose()
        };
        let (from, to) = (day(&self.from, "from")?, day(&self.to, "to")?);
        if let (Some(f), Some(t)) = (from, to) {
            anyhow::ensure!(f <= t, "--from is after --to");
        }
        Ok((from, to))
    }
}

#[derive(Args)]
pub struct ReportArgs {
    /// The version: JOURNEY_ID@N
    reference: String,
    #[command(flatten)]
    range: Range,
    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    format: ReportFormat,
}

#[derive(Args)]
pub struct PortfolioArgs {
    #[command(flatten)]
    range: Range,
    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    format: ReportFormat,
}

pub fn report(url: Option<String>, args: ReportArgs) -> anyhow::Result<ExitCode> {
    let (journey_id, version) = parse_reference(&args.reference)?;
    let (from, to) = args.range.days()?;
    with_store(url, |store| async move {
        let live = store.live_report(&journey_id, version, from, to).await.with_context(|| format!("report of {}", args.reference))?;
        match args.format {
            ReportFormat::Json => crate::files::emit_line(&serde_json::to_string_pretty(&live)?),
            ReportFormat::Csv => print!("{}", analytics::to_csv(&live)?),
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn portfolio(url: Option<String>, args: PortfolioArgs) -> anyhow::Result<ExitCode> {
    let (from, to) = args.range.days()?;
    with_store(url, |store| async move {
        let portfolio = store.portfolio(from, to).await?;
        match args.format {
            ReportFormat::Json => crate::files::emit_line(&serde_json::to_string_pretty(&portfolio)?),
            ReportFormat::Csv => print!("{}", analytics::portfolio_csv(&portfolio)?),
        }
        Ok(ExitCode::SUCCESS)
    })
}
