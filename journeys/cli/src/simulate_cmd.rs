//! `journeys population generate` and `journeys simulate`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use journeys_core::interpret::CompiledJourney;
use journeys_core::population::{self, Customer};
use journeys_core::simulate::{simulate, History, Options, Population, Report, Scenario};

use crate::files::read_journey;
use journeys_core::customer_schema::CustomerSchema;
use crate::Format;

#[derive(Subcommand)]
pub enum PopulationCommand {
    /// Write a seeded synthetic population of bank customers as CSV.
    Generate {
        #[arg(long)]
        customers: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args)]
pub struct SimulateArgs {
    /// The journey file to simulate.
    pub journey: PathBuf,
    /// Generated customers (ignored with --population).
    #[arg(long, default_value_t = 10_000)]
    pub customers: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// A CSV of customers (as written by `population generate`) instead of generated ones.
    #[arg(long)]
    pub population: Option<PathBuf>,
    /// Simulate the good rows of a population file that has bad ones (reported).
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// The bank's customer schema (the file `journeys attributes apply` takes): the journey is
    /// checked against it, and the population's other columns are its attributes.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Historical events to replay (NDJSON: customer_id, type, time).
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Behaviour: event rates, channel responses, conversion value (JSON).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Include the step-by-step trace of this customer id.
    #[arg(long)]
    pub trace: Option<String>,
    /// Worker threads (the report is the same for any number).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Print the run time to standard error (never in the report).
    #[arg(long)]
    pub timings: bool,
    /// Score customers with the store's approved models, as the engine does, instead of
    /// taking the scores in their profiles.
    #[arg(long)]
    pub approved_models: bool,
}

pub fn population(command: PopulationCommand) -> anyhow::Result<ExitCode> {
    let PopulationCommand::Generate { customers, seed, out } = command;
    let people = population::generate(customers, seed)?;
    let mut bytes = Vec::new();
    population::write_csv(&people, &mut bytes)?;
    journeys_output::write(&out, &bytes)?;
    // With `--out -` the CSV is standard output; the note goes beside it.
    if out.as_os_str() == "-" {
        eprintln!("wrote {customers} customers to standard output");
    } else {
        println!("wrote {customers} customers to {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn read_population(path: &Path, skip_bad_rows: bool, schema: Option<&CustomerSchema>) -> anyhow::Result<Vec<Customer>> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    match population::read_csv_with(std::io::BufReader::new(file), skip_bad_rows, schema) {
        Ok((customers, errors)) => {
            for e in &errors {
                eprintln!("warning: {}: {e} (skipped)", path.display());
            }
            Ok(customers)
        }
        Err(population::PopulationError::BadRows(rows)) => {
            for e in rows.iter().take(50) {
                eprintln!("error: {}: {e}", path.display());
            }
            bail!("{}: {} bad row(s); fix them or pass --skip-bad-rows", path.display(), rows.len())
        }
        Err(e) => bail!("{}: {e}", path.display()),
    }
}

pub fn simulate_cmd(args: SimulateArgs, database_url: Option<String>) -> anyhow::Result<ExitCode> {
    let file = args.journey.display().to_string();
    let journey = read_journey(&args.journey).map_err(|e| anyhow::anyhow!("{}", e.display(&file)))?;
    let schema = match &args.schema {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            Some(CustomerSchema::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?)
        }
        None => None,
    };
    let compiled = CompiledJourney::with_schema(journey, &schema.clone().unwrap_or_default()).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let scenario = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str::<Scenario>(&text).with_context(|| format!("{}: not a valid scenario", path.display()))?
        }
        None => Scenario::default(),
    };
    let given;
    let people = match &args.population {
        Some(path) => {
            given = read_population(path, args.skip_bad_rows, schema.as_ref())?;
            Population::Given(&given)
        }
        None => {
            population::check_size(args.customers)?;
            Population::Generated { customers: args.customers, seed: args.seed }
        }
    };
    let history = match &args.events {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            match History::parse_ndjson(&text) {
                Ok(history) => Some(std::sync::Arc::new(history)),
                Err(errors) => {
                    for e in errors.iter().take(50) {
                        eprintln!("error: {}: line {}", path.display(), e.to_string().trim_start_matches("row "));
                    }
                    bail!("{}: {} bad line(s)", path.display(), errors.len())
                }
            }
        }
        None => None,
    };
    // Catalogue offers and approved models come from the store, as in the engine; the store is
    // opened only when the journey or the flags need it.
    let needs_catalogue = !compiled.journey().catalogue_offers.is_empty();
    let (catalogue, models) = if needs_catalogue || args.approved_models {
        crate::db::with_store(database_url, |store| async move {
            let catalogue = if needs_catalogue { Some(std::sync::Arc::new(store.live_catalogue().await?)) } else { None };
            let models = if args.approved_models { store.live_models().await?.into_iter().map(|m| m.model).collect() } else { Vec::new() };
            Ok((catalogue, models))
        })?
    } else {
        (None, Vec::new())
    };
    let options = Options { seed: args.seed, days: args.days, threads: args.threads, trace: args.trace.clone(), history, catalogue, models };
    let started = std::time::Instant::now();
    let report = simulate(&compiled, &people, &scenario, &options, &AtomicBool::new(false), &|_, _| {})?;
    if args.timings {
        eprintln!("simulated {} customers over {} days in {:.2} s", report.customers, report.days, started.elapsed().as_secs_f64());
    }
    let text = match args.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
        Format::Text => render_text(&report),
    };
    match &args.out {
        Some(path) => journeys_output::write(path, text.as_bytes())?,
        None => crate::files::emit(&text),
    }
    Ok(ExitCode::SUCCESS)
}

fn render_text(r: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let t = &r.totals;
    let _ = writeln!(s, "journey {} · {} customers · {} days · seed {}", r.journey, r.customers, r.days, r.seed);
    let _ = writeln!(
        s,
        "entered {} · converted {} ({:.2} %, 95 % CI {:.2}–{:.2} %) · contacts {} · cost {:.2} · value {:.2} · ROI {}",
        t.entered,
        t.converted,
        t.conversion_rate * 100.0,
        t.conversion_ci95.0 * 100.0,
        t.conversion_ci95.1 * 100.0,
        t.contacts,
        t.cost,
        t.value,
        t.roi.map(|x| format!("{x:.2}")).unwrap_or_else(|| "n/a".into())
    );
    let _ = writeln!(s, "\n{:<22} {:<10} {:>9} {:>9} {:>9} {:>7}", "node", "kind", "entered", "exited", "waiting", "goals");
    for n in &r.nodes {
        let _ = writeln!(s, "{:<22} {:<10} {:>9} {:>9} {:>9} {:>7}", n.id, n.kind, n.entered, n.exited, n.waiting, n.goals);
    }
    if !r.branches.is_empty() {
        let _ = writeln!(s, "\n{:<22} {:<12} {:>9} {:>9} {:>8}  95 % CI", "branch node", "port", "customers", "converted", "rate");
        for b in &r.branches {
            let _ = writeln!(s, "{:<22} {:<12} {:>9} {:>9} {:>7.2}%  {:.2}–{:.2} %", b.node, b.port, b.customers, b.converted, b.rate * 100.0, b.ci95.0 * 100.0, b.ci95.1 * 100.0);
        }
    }
    if let Some(u) = &r.holdout_uplift {
        let _ = writeln!(s, "\nholdout {}: treated {:.2} % vs control {:.2} % → uplift {:+.2} pp (95 % CI {:+.2} to {:+.2})", u.node, u.treated_rate * 100.0, u.control_rate * 100.0, u.uplift * 100.0, u.ci95.0 * 100.0, u.ci95.1 * 100.0);
    }
    let _ = writeln!(s, "\ncontacts by channel: {:?}", r.contacts_by_channel);
    let _ = writeln!(s, "suppressed: {:?} · deferred for quiet hours: {}", r.suppressions, r.deferred_for_quiet_hours);
    if let Some(trace) = &r.trace {
        let _ = writeln!(s, "\ntrace of {}:", trace.customer);
        for step in &trace.steps {
            let _ = writeln!(s, "  day {:>3} {:02}:{:02}  {}", step.minute / 1440, step.minute % 1440 / 60, step.minute % 60, step.what);
        }
    }
    s
}
