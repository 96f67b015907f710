//! `journeys models`: train propensity models from a CSV file or from outcomes in the store,
//! review them in the registry, and watch their drift.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::Subcommand;
use journeys_core::scoring::{drift, DriftBand, DriftReport, TrainedModel, FEATURES, PSI_RETRAIN, PSI_WATCH};
use journeys_models::Dataset;

use crate::db::with_store;
use crate::Format;

/// Most stored customers read to train on or to check for drift.
const MAX_STORE_ROWS: i64 = 1_000_000;

#[derive(Subcommand)]
pub enum ModelsCommand {
    /// Train a model and register it as the next version of its kind (not live until approved).
    Train {
        /// churn, activation or cross_sell_PRODUCT.
        #[arg(long)]
        kind: String,
        /// CSV with a header: feature columns (see `models features`) and `label` (0/1).
        #[arg(long, conflicts_with = "outcome_event", required_unless_present = "outcome_event")]
        data: Option<PathBuf>,
        /// Train on the customers in the store instead: label 1 for those with an event of this type (e.g. account_closed).
        #[arg(long)]
        outcome_event: Option<String>,
        /// With --data: the bank's own file, this column the outcome (1/0, yes/no, true/false);
        /// numbers are standardised, text one-hot encoded, gaps imputed with the mean.
        #[arg(long, requires = "data", value_name = "COLUMN")]
        label: Option<String>,
        /// With --label: the columns to train on (default: all but the label and id columns).
        #[arg(long, requires = "label", value_delimiter = ',', value_name = "A,B,C")]
        features: Vec<String>,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        /// Seed of the 75/25 train/held-out split.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The model versions in the registry, with status and held-out AUC.
    List {
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Approve KIND@N: it becomes the live model of its kind (reviewers; never who registered it).
    Approve {
        reference: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        #[arg(long)]
        comment: String,
    },
    /// Reject KIND@N.
    Reject {
        reference: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        #[arg(long)]
        comment: String,
    },
    /// Population stability index of each feature and of the score against the live model's
    /// training population (0.1 watch, 0.25 retrain). Exit 1 when retraining is due.
    Drift {
        #[arg(long)]
        kind: String,
        /// The current population as CSV (feature columns; `label` optional). Default: the customers in the store.
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write a seeded synthetic training set with a known signal (churn, or with `--kind clv`
    /// an amount), to try training and drift.
    Sample {
        /// `churn` (0/1 outcomes) or `clv` (amounts).
        #[arg(long, default_value = "churn")]
        kind: String,
        #[arg(long, default_value_t = 5_000)]
        rows: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Move the population (0 = like training, 1 = far off) to see drift.
        #[arg(long, default_value_t = 0.0)]
        shift: f64,
        #[arg(long)]
        out: PathBuf,
    },
    /// The features a model may use (CSV column names).
    Features,
}

pub fn run(url: Option<String>, command: ModelsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ModelsCommand::Features => {
            FEATURES.iter().for_each(|f| println!("{f}"));
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Sample { kind, rows, seed, shift, out } => {
            if !(0.0..=1.0).contains(&shift) {
                return Err(anyhow!("--shift {shift} must be between 0 and 1"));
            }
            let data = match kind.as_str() {
                "churn" => journeys_models::synthetic(rows, seed, shift),
                "clv" if shift == 0.0 => journeys_models::synthetic_clv(rows, seed),
                "clv" => return Err(anyhow!("--shift applies to the churn sample only")),
                other => return Err(anyhow!("--kind {other}: the samples are churn and clv")),
            };
            let mut bytes = Vec::new();
            journeys_models::write_csv(&data, &mut bytes)?;
            journeys_output::write(&out, &bytes)?;
            println!("wrote {rows} rows to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Train { kind, data, outcome_event, label, features, actor, seed, format } => with_store(url, |store| async move {
            let dataset = match (data, outcome_event) {
                (Some(path), _) if label.is_some() => {
                    let file = std::fs::File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
                    let column = label.clone().unwrap_or_default();
                    let (dataset, encoding) = journeys_models::read_bank_csv(std::io::BufReader::new(file), &path.display().to_string(), &column, &features)?;
                    for (column, values) in &encoding.one_hot {
                        eprintln!("{column}: one-hot, {} values", values.len());
                    }
                    for (column, n) in &encoding.imputed {
                        eprintln!("{column}: {n} missing values imputed with the mean");
                    }
                    dataset
                }
                (Some(path), _) => read_csv(&path, true)?,
                (None, Some(event)) => {
                    let customers = store.customer_profiles(MAX_STORE_ROWS).await?;
                    let positives = store.customers_with_event(&event).await?;
                    from_customers(&customers, Some(&positives), &format!("store (outcome {event})"))
                }
                (None, None) => return Err(anyhow!("give --data FILE or --outcome-event EVENT")),
            };
            let trained = journeys_models::train(&kind, &dataset, seed)?;
            let version = store.register_model(&trained, &actor).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&version)?),
                Format::Text => print_report(&version.entry.reference(), &trained),
            }
            Ok(ExitCode::SUCCESS)
        }),
        ModelsCommand::List { kind, format } => with_store(url, |store| async move {
            let versions = store.model_versions(kind.as_deref()).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&versions)?),
                Format::Text => {
                    for v in &versions {
                        let r = &v.model.report;
                        let decided = v.entry.decided_by.as_deref().map(|d| format!(" by {d}")).unwrap_or_default();
                        println!("{}\t{}{decided}\t{}\t{} rows from {}\tregistered by {}", v.entry.reference(), v.entry.status.key(), quality(r), r.rows, r.source, v.entry.submitted_by);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
        ModelsCommand::Approve { reference, actor, comment } => with_store(url, |store| async move {
            let entry = store.approve_model(&reference, &actor, &comment).await?;
            println!("{} approved: live", entry.reference());
            Ok(ExitCode::SUCCESS)
        }),
        ModelsCommand::Reject { reference, actor, comment } => with_store(url, |store| async move {
            let entry = store.reject_model(&reference, &actor, &comment).await?;
            println!("{} rejected", entry.reference());
            Ok(ExitCode::SUCCESS)
        }),
        ModelsCommand::Drift { kind, data, format } => with_store(url, |store| async move {
            let live = store.live_model(&kind).await?.ok_or_else(|| anyhow!("no live {kind} model: train one and have a reviewer approve it"))?;
            let population = match data {
                Some(path) => read_csv(&path, false)?,
                None => from_customers(&store.customer_profiles(MAX_STORE_ROWS).await?, None, "store"),
            };
            let rows = in_model_order(&live.model, &population)?;
            if rows.is_empty() {
                return Err(anyhow!("the population is empty: nothing to compare"));
            }
            let report = drift(&live.model, &rows)?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                Format::Text => print_drift(&live.entry.reference(), &population.source, &report),
            }
            Ok(if report.band == DriftBand::Retrain { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }),
    }
}

fn read_csv(path: &PathBuf, need_label: bool) -> anyhow::Result<Dataset> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(journeys_models::read_csv(std::io::BufReader::new(file), &path.display().to_string(), need_label)?)
}

/// Every feature of every stored customer; labelled when `positives` is given.
fn from_customers(customers: &[journeys_core::population::Customer], positives: Option<&HashSet<String>>, source: &str) -> Dataset {
    let features: Vec<String> = FEATURES.iter().map(|f| f.to_string()).collect();
    let rows = journeys_core::scoring::customer_rows(customers, &features);
    let labels: Vec<bool> = positives.map(|p| customers.iter().map(|c| p.contains(&c.id)).collect()).unwrap_or_default();
    let amounts = labels.iter().map(|l| if *l { 1.0 } else { 0.0 }).collect();
    Dataset { features, rows, labels, amounts, source: source.to_string() }
}

/// The population's columns in the model's feature order; every model feature must be there.
fn in_model_order(trained: &TrainedModel, population: &Dataset) -> anyhow::Result<Vec<Vec<f64>>> {
    let columns = trained
        .model
        .features
        .iter()
        .map(|f| population.features.iter().position(|p| p == f).ok_or_else(|| anyhow!("{}: no '{f}' column, which the model uses", population.source)))
        .collect::<anyhow::Result<Vec<usize>>>()?;
    Ok(population.rows.iter().map(|r| columns.iter().map(|&i| r[i]).collect()).collect())
}

/// How good the model was on held-out rows: AUC for a propensity, R² and MAE for an amount.
fn quality(r: &journeys_core::scoring::TrainingReport) -> String {
    match (r.auc, r.fit) {
        (Some(auc), _) => format!("held-out AUC {auc:.3}"),
        (None, Some(fit)) => format!("held-out R² {:.3}, MAE {:.2}", fit.r2, fit.mae),
        (None, None) => "not measured".into(),
    }
}

fn print_report(reference: &str, trained: &TrainedModel) {
    let r = &trained.report;
    println!("{reference} registered (submitted: a reviewer must approve it before it scores)");
    match r.fit {
        Some(fit) => {
            println!("  data: {} rows from {} (mean amount {:.2}); trained on {}, held out {}", r.rows, r.source, r.positive_rate, r.train_rows, r.test_rows);
            println!("  held-out R² {:.3}, mean absolute error {:.2}", fit.r2, fit.mae);
        }
        None => {
            println!("  data: {} rows from {} ({:.1} % positive); trained on {}, held out {}", r.rows, r.source, r.positive_rate * 100.0, r.train_rows, r.test_rows);
            println!("  {}", quality(r));
        }
    }
    if !r.calibration.is_empty() {
        println!("  calibration (held out):  predicted  observed  rows");
    }
    for bin in &r.calibration {
        println!("    {:.1}–{:.1}               {:>6.3}    {:>6.3}  {:>4}", bin.from, bin.to, bin.mean_predicted, bin.observed_rate, bin.count);
    }
    println!("  coefficients (per standard deviation): intercept {:+.3}", trained.model.intercept);
    for (f, w) in trained.model.features.iter().zip(&trained.model.coefficients) {
        println!("    {f:<24} {w:+.3}");
    }
}

fn print_drift(reference: &str, source: &str, report: &DriftReport) {
    println!("drift of {source} ({} rows) against the training population of {reference}", report.rows);
    println!("  PSI < {PSI_WATCH} stable, {PSI_WATCH}–{PSI_RETRAIN} watch, > {PSI_RETRAIN} retrain");
    for f in report.features.iter().chain(std::iter::once(&report.score)) {
        println!("  {:<24} {:>7.4}  {}", f.name, f.psi, f.band.key());
    }
    println!("  overall: {}", report.band.key());
}
