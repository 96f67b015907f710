//! `journeys bench`: measured performance of the parts with targets.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Subcommand;
use journeys_core::generate::random_journey;
use journeys_core::validate;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Validate a generated journey (expression compilation included) repeatedly.
    Validate {
        #[arg(long, default_value_t = 500)]
        nodes: usize,
        #[arg(long, default_value_t = 200)]
        iterations: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Engine throughput: in-memory evaluation, durable processing on SQLite, and a raw batched insert of the same events.
    Engine {
        #[arg(long, default_value_t = 5_000)]
        events: u64,
        /// Events per second offered in the latency run (default: half the durable rate
        /// measured first); fix it to compare builds at the same load.
        #[arg(long)]
        offered: Option<f64>,
        /// Give every customer the sample bank's eight own attributes too (36 profile fields).
        #[arg(long)]
        bank_profile: bool,
    },
    /// Scale-out: durable throughput of several `journeys serve` processes sharing the (empty)
    /// PostgreSQL database given by --database-url, and a raw insert of the same rows.
    Engines {
        #[arg(long, default_value_t = 2)]
        engines: usize,
        #[arg(long, default_value_t = 40_000)]
        events: u64,
    },
    /// Report query time: bulk-load recorded steps of one version (and the per-day counters beside
    /// them) into the database given by --database-url, then time `journeys report` on it.
    Report {
        #[arg(long, default_value_t = 10_000_000)]
        steps: u64,
        /// How many times the report query is timed.
        #[arg(long, default_value_t = 5)]
        repeats: usize,
    },
    /// Next best action: decisions per second on one thread over a catalogue of offers.
    Decide {
        #[arg(long, default_value_t = 20)]
        offers: usize,
        #[arg(long, default_value_t = 1_000_000)]
        decisions: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Simulate generated customers through a template over 90 days.
    Sim {
        #[arg(long, default_value_t = 1_000_000)]
        customers: u64,
        #[arg(long, default_value_t = 2)]
        threads: usize,
        #[arg(long, default_value = "churn-early-warning")]
        template: String,
    },
}

pub fn run(command: BenchCommand, database_url: Option<String>) -> ExitCode {
    match command {
        BenchCommand::Report { steps, repeats } => crate::report(crate::bench_report::run(database_url, steps, repeats)),
        BenchCommand::Engine { events, offered, bank_profile } => crate::report(crate::bench_engine::run(events, offered, bank_profile)),
        BenchCommand::Engines { engines, events } => crate::report(crate::bench_scale_out::run(database_url, engines, events)),
        BenchCommand::Decide { offers, decisions, seed } => crate::report(crate::bench_decide::run(offers, decisions, seed)),
        BenchCommand::Sim { customers, threads, template } => {
            use journeys_core::simulate::{simulate, Options, Population, Scenario};
            let Some(journey) = journeys_core::catalog::sample_journeys().into_iter().find(|j| j.id == template) else {
                eprintln!("error: no template '{template}'");
                return ExitCode::from(2);
            };
            let nodes = journey.nodes.len();
            let compiled = match journeys_core::interpret::CompiledJourney::new(journey) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let options = Options { seed: 1, days: 90, threads, trace: None, history: None, ..Options::default() };
            let population = Population::Generated { customers, seed: 1 };
            let start = Instant::now();
            let result = simulate(&compiled, &population, &Scenario::default(), &options, &std::sync::atomic::AtomicBool::new(false), &|_, _| {});
            let elapsed = start.elapsed().as_secs_f64();
            match result {
                Ok(report) => {
                    println!("sim: {template} ({nodes} nodes), {customers} customers, 90 days, {threads} threads");
                    println!("  {elapsed:.2} s  ({:.0} customers/s), entered {}, contacts {}, converted {}", customers as f64 / elapsed, report.totals.entered, report.totals.contacts, report.totals.converted);
                    if let Some(kb) = peak_memory_kb() {
                        println!("  peak memory {:.0} MB", kb as f64 / 1024.0);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        BenchCommand::Validate { nodes, iterations, seed } => {
            let journey = random_journey(seed, nodes);
            let expressions: usize = journey.nodes.iter().map(|n| n.kind.expressions().len()).sum();
            let findings = validate(&journey).len();
            let mut times: Vec<Duration> = (0..iterations.max(1))
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(validate(std::hint::black_box(&journey)));
                    start.elapsed()
                })
                .collect();
            times.sort();
            let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
            println!(
                "validate: {} nodes, {} edges, {} expressions, {findings} diagnostics, {} runs",
                journey.nodes.len(),
                journey.edges.len(),
                expressions,
                times.len()
            );
            println!("  min {:.3} ms  median {:.3} ms  p95 {:.3} ms  max {:.3} ms", at(0.0), at(0.5), at(0.95), at(1.0));
            ExitCode::SUCCESS
        }
    }
}

/// Peak resident memory of this process (Linux), in KiB.
fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
