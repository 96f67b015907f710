//! `journeys`: the command-line face of Journeys.

mod attributes_cmd;
mod bench;
mod customers_cmd;
mod bench_decide;
mod bench_engine;
mod bench_scale_out;
mod bench_report;
mod db;
mod diff_cmd;
mod drafts;
mod engine_cmd;
mod files;
mod format_cmd;
mod import_cmd;
mod review_cmd;
mod migration_cmd;
mod report_cmd;
mod models_cmd;
mod offers_cmd;
mod simulate_cmd;
mod templates_cmd;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "journeys", version, about = "Design, check and run customer-lifecycle journeys")]
struct Cli {
    /// Database to use: sqlite://PATH or postgres://…  [default: the desktop app's SQLite file]
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check journey files; exit 0 when valid (warnings allowed), 1 on any error, 2 when a file cannot be read or parsed.
    Validate {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Check against this customer schema (the file `journeys attributes apply` takes).
        #[arg(long, value_name = "FILE")]
        schema: Option<std::path::PathBuf>,
    },
    /// List the validation rules with their codes, severities and rationales.
    Rules {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The semantic changes from one journey to another (files or JOURNEY_ID@N), compliance-relevant ones flagged.
    Diff {
        old: String,
        new: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Rewrite journey files in canonical form (stable key and node order).
    Fmt {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<std::path::PathBuf>,
        /// Change nothing; exit 1 if a file is not in canonical form.
        #[arg(long)]
        check: bool,
    },
    /// Run the engine: HTTP API, timers, and the outbox relay to the file sink. Ctrl-C stops it gracefully.
    Serve(engine_cmd::ServeArgs),
    /// Process an NDJSON file of events through the engine (no HTTP); actions wait in the outbox for `serve`.
    Ingest { file: std::path::PathBuf },
    /// Import customer profiles for the engine from CSV (the `population generate` columns, or
    /// the bank's own through --mapping) or NDJSON, all or none: every bad row is reported with
    /// its line and column.
    ImportCustomers {
        file: std::path::PathBuf,
        /// How the CSV's columns map onto profile attributes (JSON: `{"columns": {"Col": "attribute", …}}`);
        /// rows update stored profiles, keeping what the file does not name.
        #[arg(long, value_name = "MAPPING")]
        mapping: Option<std::path::PathBuf>,
        /// Check everything and report what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Sample customer populations.
    #[command(subcommand)]
    Population(simulate_cmd::PopulationCommand),
    /// Simulate a journey against sample customers on a virtual clock.
    Simulate(simulate_cmd::SimulateArgs),
    /// Print the JSON Schema of the journey file format.
    Schema,
    /// Measure performance against the targets.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Manage users and their roles.
    #[command(subcommand)]
    Users(review_cmd::UsersCommand),
    /// A customer's data: export everything held (subject access), erase (admins).
    #[command(subcommand)]
    Customers(customers_cmd::CustomersCommand),
    /// The bank's customer schema: the attributes profiles carry, with their types.
    #[command(subcommand)]
    Attributes(attributes_cmd::AttributesCommand),
    /// Submit a journey file as the next version; prints JOURNEY_ID@N.
    Submit {
        file: std::path::PathBuf,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Approve a submitted version (reviewers; never the submitter).
    Approve {
        reference: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        #[arg(long)]
        comment: String,
    },
    /// Reject a submitted version (reviewers; never the submitter).
    Reject {
        reference: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        #[arg(long)]
        comment: String,
    },
    /// Make an approved version the live one (the previous live version is retired).
    Publish {
        reference: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Stop a live version at once.
    Pause {
        reference: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Make a paused version live again.
    Resume {
        reference: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Take a live or paused version out of service.
    Retire {
        reference: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// List a journey's versions.
    Versions { journey_id: String },
    /// Verify or export the hash-chained audit log.
    #[command(subcommand)]
    Audit(review_cmd::AuditCommand),
    /// Inspect and import journey drafts in the database.
    #[command(subcommand)]
    Drafts(drafts::DraftsCommand),
    /// Move customers in flight between versions: a dry run, then (reviewers) the move.
    #[command(subcommand)]
    Migration(migration_cmd::MigrationCommand),
    /// Analytics of a live or past version (JOURNEY_ID@N) from the engine's recorded steps: the
    /// simulator's report (per-node entered/exited/waiting/goals, edge flows, branch conversion
    /// with Wilson 95 % intervals, holdout uplift, contacts per channel, suppressions by reason,
    /// cost/value/ROI, daily series), the funnel per node and per lifecycle stage (entered,
    /// progressed, dropped, converted) and A/B/n chi-square tests for splits and holdouts.
    /// Conversion is the journey's goal event within its window after entry, as in simulation.
    Report(report_cmd::ReportArgs),
    /// Portfolio metrics over every version with recorded activity: CAC (cost of acquire-stage
    /// journeys ÷ their converted customers), activation rate (converted ÷ entered in
    /// activate-stage journeys), cross-sell ratio (products held per stored customer) and churn
    /// rate (customers of retain-stage journeys not retained ÷ entered); a journey's stage is its
    /// first trigger's. A metric with nothing to divide by is left out.
    Portfolio(report_cmd::PortfolioArgs),
    /// The template gallery: list templates, start a journey from one.
    #[command(subcommand)]
    Templates(templates_cmd::TemplatesCommand),
    /// Propensity models: train, review in the registry, watch drift.
    #[command(subcommand)]
    Models(models_cmd::ModelsCommand),
    /// The offers catalogue: submit, review, list.
    #[command(subcommand)]
    Offers(offers_cmd::OffersCommand),
    /// Why did this customer get this offer, or not: the logged decisions with their rankings and reasons.
    Explain {
        customer_id: String,
        /// Explain this offer at each decision.
        #[arg(long)]
        offer: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("JOURNEYS_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { files, format, schema } => validate::run(&files, format, schema.as_deref()),
        Command::Rules { format } => validate::print_rules(format),
        Command::Fmt { files, check } => format_cmd::run(&files, check),
        Command::Diff { old, new, format } => diff_cmd::run(&old, &new, format, cli.database_url),
        Command::Schema => {
            files::emit(&journeys_core::schema::journey_schema());
            ExitCode::SUCCESS
        }
        Command::Bench(command) => bench::run(command, cli.database_url),
        Command::Population(command) => report(simulate_cmd::population(command)),
        Command::Simulate(args) => report(simulate_cmd::simulate_cmd(args, cli.database_url)),
        Command::Serve(args) => report(engine_cmd::serve(cli.database_url, args)),
        Command::Ingest { file } => report(engine_cmd::ingest(cli.database_url, file)),
        Command::ImportCustomers { file, mapping: None, dry_run: false } => report(engine_cmd::import_customers(cli.database_url, file)),
        Command::ImportCustomers { file, mapping, dry_run } => report(import_cmd::import_mapped(cli.database_url, file, mapping, dry_run)),
        Command::Drafts(command) => report(drafts::run(cli.database_url, command)),
        Command::Templates(command) => report(templates_cmd::run(cli.database_url, command)),
        Command::Report(args) => report(report_cmd::report(cli.database_url, args)),
        Command::Portfolio(args) => report(report_cmd::portfolio(cli.database_url, args)),
        Command::Migration(command) => report(migration_cmd::run(cli.database_url, command)),
        Command::Users(command) => report(review_cmd::users(cli.database_url, command)),
        Command::Attributes(command) => report(attributes_cmd::run(cli.database_url, command)),
        Command::Customers(command) => report(customers_cmd::run(cli.database_url, command)),
        Command::Submit { file, actor } => report(review_cmd::submit(cli.database_url, file, actor)),
        Command::Approve { reference, actor, comment } => {
            report(review_cmd::decide(cli.database_url, reference, actor, comment, review_cmd::Decision::Approve))
        }
        Command::Reject { reference, actor, comment } => {
            report(review_cmd::decide(cli.database_url, reference, actor, comment, review_cmd::Decision::Reject))
        }
        Command::Publish { reference, actor } => report(review_cmd::lifecycle(cli.database_url, reference, actor, review_cmd::Lifecycle::Publish)),
        Command::Pause { reference, actor } => report(review_cmd::lifecycle(cli.database_url, reference, actor, review_cmd::Lifecycle::Pause)),
        Command::Resume { reference, actor } => report(review_cmd::lifecycle(cli.database_url, reference, actor, review_cmd::Lifecycle::Resume)),
        Command::Retire { reference, actor } => report(review_cmd::lifecycle(cli.database_url, reference, actor, review_cmd::Lifecycle::Retire)),
        Command::Versions { journey_id } => report(review_cmd::versions(cli.database_url, journey_id)),
        Command::Audit(command) => report(review_cmd::audit(cli.database_url, command)),
        Command::Models(command) => report(models_cmd::run(cli.database_url, command)),
        Command::Offers(command) => report(offers_cmd::run(cli.database_url, command)),
        Command::Explain { customer_id, offer, format } => report(offers_cmd::explain(cli.database_url, customer_id, offer, format)),
    }
}

/// A command's failure as one clear line on standard error, exit status 2.
fn report(result: anyhow::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::from(2)
    })
}
