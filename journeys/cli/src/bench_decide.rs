//! `journeys bench decide`: next-best-action decisions per second on one thread, over a
//! catalogue of offers with eligibility rules, contact policies and levers, for generated
//! customers (the decision code the interpreter, so the engine and the simulator, runs).

use std::time::Instant;

use journeys_core::interpret::CompiledOffers;
use journeys_core::kinds::{Channel, Objective};
use journeys_core::offers::ContactPolicy;
use journeys_core::settings::Offer;

/// Typical eligibility rules; `{n}` is replaced per offer, so no two offers share a rule.
const RULES: &[Option<&str>] = &[
    Some("customer.tenure_months >= {n}"),
    Some("customer.age >= 17 + {n} && customer.segment != \"mass\""),
    None,
    Some("customer.has_product(\"savings\") || customer.balance > {n}00.0"),
    Some("scores.churn < 0.{n}"),
];
const SCORES: &[&str] = &["cross_sell_credit_card", "cross_sell_savings", "cross_sell_personal_loan", "cross_sell_insurance", "cross_sell_investments"];

/// `count` offers cycling through typical rules and scores; the first is mandatory.
pub fn catalogue(count: usize) -> Vec<Offer> {
    (0..count)
        .map(|i| Offer {
            id: format!("offer_{i:02}"),
            name: format!("Offer {i}"),
            product: SCORES[i % SCORES.len()].trim_start_matches("cross_sell_").into(),
            channel: Channel::Email,
            cost: 0.05 + 0.1 * (i % 7) as f64,
            value: 40.0 + 13.0 * i as f64,
            propensity_score: Some(SCORES[i % SCORES.len()].into()),
            eligibility: RULES[i % RULES.len()].map(|rule| rule.replace("{n}", &(i + 1).to_string())),
            mandatory: i == 0,
            value_score: None,
            lever: (i % 4 == 0).then_some(1.5),
            contact_policy: (i % 3 == 0).then_some(ContactPolicy { max_ignores: 3, window_days: 30 }),
            valid_from: None,
            valid_until: None,
        })
        .collect()
}

pub fn run(offers: usize, decisions: u64, seed: u64) -> anyhow::Result<std::process::ExitCode> {
    let catalogue = CompiledOffers::new(catalogue(offers))?;
    let ids = catalogue.ids();
    let customers = journeys_core::population::generate(1_000, seed)?;
    let mut contexts: Vec<_> = customers.iter().map(|c| c.context(journeys_core::simulate::START_MS)).collect();
    let population = contexts.len() as u64;
    let (mut eligible, mut chosen) = (0_u64, 0_u64);
    let (start, cpu_start) = (Instant::now(), thread_cpu_ns());
    for i in 0..decisions {
        let ctx = &mut contexts[(i % population) as usize];
        let outcome = catalogue.decide(&ids, Objective::Profit, ctx);
        eligible += outcome.ranking.len() as u64;
        chosen += u64::from(outcome.chosen.is_some());
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_ns().zip(cpu_start).map(|(end, begin)| end.saturating_sub(begin) as f64 / 1e9);
    println!("decide: {offers} offers, {decisions} decisions over {} customers, one thread", contexts.len());
    println!("  {elapsed:.2} s  ({:.0} decisions/s), {:.1} eligible per decision, {chosen} chose an offer", decisions as f64 / elapsed, eligible as f64 / decisions.max(1) as f64);
    if let Some(cpu) = cpu.filter(|c| *c > 0.0) {
        // On a shared machine wall time includes waiting for a core; CPU time is the per-core figure.
        println!("  {cpu:.2} s on the CPU  ({:.0} decisions per CPU-second)", decisions as f64 / cpu);
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// This thread's time on a CPU so far (Linux), in nanoseconds.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}
