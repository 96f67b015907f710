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
}

pub fn run(command: BenchCommand) -> ExitCode {
    match command {
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
