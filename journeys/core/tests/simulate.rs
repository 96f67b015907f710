//! The simulator: determinism, conservation, statistics and exact hand-computed counts.

use std::sync::atomic::AtomicBool;

use journeys_core::catalog::sample_journeys;
use journeys_core::interpret::CompiledJourney;
use journeys_core::parse_journey;
use journeys_core::population::{generate_customer, Customer};
use journeys_core::simulate::{simulate, Options, Population, Report, Scenario, SimulateError};

fn template(id: &str) -> CompiledJourney {
    CompiledJourney::new(sample_journeys().into_iter().find(|j| j.id == id).expect("template")).expect("compiles")
}

fn run(journey: &CompiledJourney, population: &Population, threads: usize, days: u32) -> Report {
    let options = Options { seed: 7, days, threads, trace: None, history: None, ..Options::default() };
    simulate(journey, population, &Scenario::default(), &options, &AtomicBool::new(false), &|_, _| {}).expect("simulates")
}

#[test]
fn same_inputs_give_identical_bytes_whatever_the_thread_count() {
    let journey = template("loan-application-abandonment");
    let population = Population::Generated { customers: 5_000, seed: 3 };
    let one = serde_json::to_string(&run(&journey, &population, 1, 60)).expect("json");
    let four = serde_json::to_string(&run(&journey, &population, 4, 60)).expect("json");
    let again = serde_json::to_string(&run(&journey, &population, 2, 60)).expect("json");
    assert_eq!(one, four);
    assert_eq!(one, again);
    let other_seed = Population::Generated { customers: 5_000, seed: 4 };
    assert_ne!(one, serde_json::to_string(&run(&journey, &other_seed, 2, 60)).expect("json"));
}

#[test]
fn every_customer_is_in_exactly_one_place() {
    for id in ["loan-application-abandonment", "credit-card-activation", "dormant-account-winback"] {
        let journey = template(id);
        let report = run(&journey, &Population::Generated { customers: 4_000, seed: 1 }, 2, 45);
        let mut entries = 0;
        for node in &report.nodes {
            let out: u64 = report.edges.iter().filter(|e| e.from == node.id).map(|e| e.flow).sum();
            assert_eq!(node.entered, node.exited + node.waiting + out, "{id}: node {} does not add up", node.id);
            if node.kind == "trigger" {
                entries += node.entered;
            }
        }
        let ended: u64 = report.nodes.iter().map(|n| n.exited + n.waiting).sum();
        assert_eq!(ended, entries, "{id}: every entry ends exited or waiting");
        assert!(report.totals.entered > 0 && report.totals.entered <= entries);
        let per_customer: u64 = report.contacts_per_customer.values().sum();
        assert_eq!(per_customer, report.totals.entered);
    }
}

#[test]
fn a_fifty_fifty_split_lands_within_tolerance() {
    let journey = template("dormant-account-winback");
    let report = run(&journey, &Population::Generated { customers: 100_000, seed: 2 }, 2, 30);
    let flow = |port: &str| report.edges.iter().find(|e| e.from == "ab" && e.port == port).map(|e| e.flow).unwrap_or(0);
    let (a, b) = (flow("a") as f64, flow("b") as f64);
    let share = a / (a + b);
    // 5 standard deviations of a binomial share at this size.
    let tolerance = 5.0 * (0.25 / (a + b)).sqrt();
    assert!((share - 0.5).abs() < tolerance, "share {share} (a {a}, b {b})");
}

#[test]
fn a_small_journey_gives_exactly_the_expected_counts() {
    // Everyone enters at once (audience); one email; exit. Email consent decides delivery.
    let journey = CompiledJourney::new(
        parse_journey(
            r#"{"format_version":1,"id":"hand","name":"Hand","nodes":[
              {"id":"t","stage":"retain","kind":"trigger","audience":"all"},
              {"id":"mail","stage":"retain","kind":"action","channel":"email","purpose":"marketing","cost":0.25},
              {"id":"x","stage":"retain","kind":"exit"}],
              "edges":[{"id":"e1","from":"t","to":"mail"},{"id":"e2","from":"mail","to":"x"}]}"#,
        )
        .expect("parses"),
    )
    .expect("compiles");
    let customers: Vec<Customer> = (0..10)
        .map(|i| Customer { consent_email: i % 3 != 0, ..generate_customer(1, i) })
        .collect();
    let report = run(&journey, &Population::Given(&customers), 1, 10);
    // Customers 0, 3, 6, 9 have no email consent.
    assert_eq!(report.totals.entered, 10);
    assert_eq!(report.totals.contacts, 6);
    assert_eq!(report.suppressions.get("no_consent"), Some(&4));
    assert_eq!(report.totals.cost, 1.5);
    assert_eq!(report.contacts_per_customer.get(&1), Some(&6));
    assert_eq!(report.contacts_per_customer.get(&0), Some(&4));
    let node = |id: &str| report.nodes.iter().find(|n| n.id == id).map(|n| (n.entered, n.exited, n.waiting));
    assert_eq!(node("mail"), Some((10, 0, 0)));
    assert_eq!(node("x"), Some((10, 10, 0)));
    assert_eq!(report.daily[0].entered, 10);
}

#[test]
fn bad_parameters_are_refused() {
    let journey = template("credit-card-activation");
    let options = |days| Options { seed: 1, days, threads: 1, trace: None, history: None, ..Options::default() };
    let go = |population: &Population, days: u32, scenario: &Scenario| simulate(&journey, population, scenario, &options(days), &AtomicBool::new(false), &|_, _| {});
    let some = Population::Generated { customers: 10, seed: 1 };
    assert_eq!(go(&Population::Given(&[]), 30, &Scenario::default()).err(), Some(SimulateError::NoCustomers));
    assert_eq!(go(&some, 0, &Scenario::default()).err(), Some(SimulateError::Days(0)));
    let bad = Scenario { goal_base_rate: -1.0, ..Scenario::default() };
    assert!(matches!(go(&some, 30, &bad), Err(SimulateError::Scenario(_))));
    assert_eq!(simulate(&journey, &some, &Scenario::default(), &options(30), &AtomicBool::new(true), &|_, _| {}).err(), Some(SimulateError::Cancelled));
}

#[test]
fn template_report_snapshot() {
    let journey = template("credit-card-activation");
    let options = Options { seed: 11, days: 30, threads: 2, trace: Some("C00000002".into()), history: None, ..Options::default() };
    let report = simulate(&journey, &Population::Generated { customers: 2_000, seed: 11 }, &Scenario::default(), &options, &AtomicBool::new(false), &|_, _| {}).expect("simulates");
    insta::assert_json_snapshot!(report);
}

#[test]
fn churn_takes_customers_out_and_is_counted() {
    let journey = template("churn-early-warning");
    let population = Population::Generated { customers: 20_000, seed: 5 };
    let options = Options { seed: 3, days: 90, threads: 2, trace: None, history: None, ..Options::default() };
    let heavy = Scenario { annual_churn: 0.9, ..Scenario::default() };
    let report = simulate(&journey, &population, &heavy, &options, &AtomicBool::new(false), &|_, _| {}).expect("simulates");
    let churned = report.exits_by_reason.get("churned").copied().unwrap_or(0);
    assert!(churned > 0, "{:?}", report.exits_by_reason);
    let calm = simulate(&journey, &population, &Scenario { annual_churn: 0.0, ..Scenario::default() }, &options, &AtomicBool::new(false), &|_, _| {}).expect("simulates");
    assert_eq!(calm.exits_by_reason.get("churned"), None);
    // Conservation holds with churn too.
    for node in &report.nodes {
        let out: u64 = report.edges.iter().filter(|e| e.from == node.id).map(|e| e.flow).sum();
        assert_eq!(node.entered, node.exited + node.waiting + out, "node {}", node.id);
    }
}

#[test]
fn responses_scale_with_segment() {
    let s = Scenario::default();
    assert!(s.response_factor("hni", Some(0.5)) > s.response_factor("mass", Some(0.5)));
    assert_eq!(s.response_factor("unknown", Some(0.5)), 1.0);
    assert!(s.daily_churn(0.5) > s.daily_churn(0.1));
}
