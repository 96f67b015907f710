//! Analytics in core: the live report built from counter rows (the simulator's report type and
//! assembly), its CSV export read back to the same numbers, and the funnel.

use journeys_core::analytics::{self, csv_rows, live_report, metric, parse_csv, to_csv, RollupRow};
use journeys_core::interpret::CompiledJourney;
use journeys_core::simulate::{simulate, Options, Population, Scenario};

fn template(id: &str) -> journeys_core::Journey {
    let template = journeys_core::catalog::template(id).expect("template");
    journeys_core::template::instantiate(&template, id)
}

fn row(day: i64, metric: &str, k1: &str, k2: &str, n: i64) -> RollupRow {
    RollupRow { day, metric: metric.into(), k1: k1.into(), k2: k2.into(), n }
}

/// Three days of counters of card-application-abandonment.
fn rows(d: i64) -> Vec<RollupRow> {
    vec![
        row(d, metric::NODE_ENTERED, "t", "", 100),
        row(d, metric::CUSTOMERS, "", "", 90),
        row(d, metric::EDGE, "t", "out", 100),
        row(d, metric::NODE_ENTERED, "hold", "", 100),
        row(d, metric::EDGE, "hold", "treated", 88),
        row(d, metric::EDGE, "hold", "control", 12),
        row(d, metric::NODE_ENTERED, "w_1h", "", 88),
        row(d, metric::NODE_ENTERED, "x_control", "", 12),
        row(d, metric::NODE_EXITED, "x_control", "", 12),
        row(d, metric::EXIT, "completed", "", 12),
        row(d, metric::BRANCH_CUSTOMERS, "hold", "treated", 80),
        row(d, metric::BRANCH_CUSTOMERS, "hold", "control", 10),
        row(d, metric::BRANCH_CONVERTED, "hold", "treated", 20),
        row(d, metric::BRANCH_CONVERTED, "hold", "control", 1),
        row(d, metric::SENT, "email", "", 70),
        row(d, metric::COST_MICROS, "", "", 700_000),
        row(d, metric::SUPPRESSED, "no_consent", "", 18),
        row(d, metric::CONTACTS_HISTOGRAM, "0", "", 20),
        row(d, metric::CONTACTS_HISTOGRAM, "1", "", 70),
        row(d + 1, metric::CONVERTED, "", "", 15),
        row(d + 1, metric::VALUE_MICROS, "", "", 30_000_000),
        row(d + 2, metric::CONVERTED, "", "", 6),
        row(d + 2, metric::DEFERRED, "", "", 3),
    ]
}

#[test]
fn live_report_is_the_simulators_report_of_the_counters() {
    let journey = template("card-application-abandonment");
    let d = analytics::day_of_date("2026-03-01").expect("date");
    let live = live_report(&journey, 1, &rows(d), None, None);
    let r = &live.report;
    assert_eq!((live.from.as_str(), live.to.as_str(), r.days, r.daily.len()), ("2026-03-01", "2026-03-03", 3, 3));
    assert_eq!((r.totals.entered, r.totals.converted, r.totals.contacts, r.totals.cost, r.totals.value), (90, 21, 70, 0.7, 30.0));
    assert_eq!(r.totals.roi, Some(round6((30.0 - 0.7) / 0.7)));
    let node = |id: &str| r.nodes.iter().find(|n| n.id == id).map(|n| (n.entered, n.exited, n.waiting)).expect("node");
    // Waiting = arrived − left: 88 still in the first wait, none at the trigger or holdout.
    assert_eq!((node("t"), node("hold"), node("w_1h"), node("x_control")), ((100, 0, 0), (100, 0, 0), (88, 0, 88), (12, 12, 0)));
    let uplift = r.holdout_uplift.as_ref().expect("uplift");
    assert_eq!((uplift.treated_rate, uplift.control_rate, uplift.uplift), (0.25, 0.1, 0.15));
    assert_eq!(r.daily.iter().map(|d| d.conversions).collect::<Vec<_>>(), vec![0, 15, 6]);
    // A range keeps its days' counts; who is waiting is still counted over all time.
    // The whole shape, as the CLI's JSON and the dashboard get it.
    insta::assert_json_snapshot!("live_report_card_application_abandonment", live);
    let last = live_report(&journey, 1, &rows(d), Some(d + 2), Some(d + 2));
    assert_eq!((last.report.totals.entered, last.report.totals.converted, last.report.deferred_for_quiet_hours), (0, 6, 3));
    assert_eq!(last.report.nodes.iter().find(|n| n.id == "w_1h").map(|n| n.waiting), Some(88));
    // The funnel: the stage took 100 visits in; 88 wait in the stage, 12 left at an exit node.
    let acquire = &live.funnel.stages[0];
    assert_eq!((acquire.key.as_str(), acquire.entered, acquire.dropped, acquire.waiting), ("acquire", 100, 0, 88));
}

#[test]
fn a_version_with_nothing_recorded_has_no_days() {
    let journey = template("card-application-abandonment");
    let live = live_report(&journey, 1, &[], None, None);
    assert_eq!((live.from.as_str(), live.to.as_str(), live.report.days, live.report.daily.len()), ("", "", 0, 0));
    assert_eq!((live.report.totals.entered, live.report.nodes.len()), (0, journey.nodes.len()));
    let d = analytics::day_of_date("2026-03-01").expect("date");
    let asked = live_report(&journey, 1, &[], Some(d), Some(d + 6));
    assert_eq!((asked.from.as_str(), asked.to.as_str(), asked.report.daily.len()), ("2026-03-01", "2026-03-07", 7));
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[test]
fn csv_export_parses_back_to_the_same_numbers() {
    let journey = template("card-application-abandonment");
    let d = analytics::day_of_date("2026-03-01").expect("date");
    let live = live_report(&journey, 4, &rows(d), None, None);
    let text = to_csv(&live).expect("csv");
    assert!(text.starts_with("section,key,port,metric,value\n"), "{text}");
    let back = parse_csv(&text).expect("parses");
    assert_eq!(back, csv_rows(&live));
    let value = |section: &str, key: &str, port: &str, metric: &str| {
        back.iter().find(|r| r.section == section && r.key == key && r.port == port && r.metric == metric).map(|r| r.value).expect(metric)
    };
    let r = &live.report;
    assert_eq!(value("totals", "", "", "version"), 4.0);
    assert_eq!(value("totals", "", "", "converted"), r.totals.converted as f64);
    assert_eq!(value("totals", "", "", "conversion_ci95_low"), r.totals.conversion_ci95.0);
    assert_eq!(value("totals", "", "", "roi"), r.totals.roi.expect("roi"));
    assert_eq!(value("branch", "hold", "treated", "ci95_high"), r.branches.iter().find(|b| b.port == "treated").expect("treated").ci95.1);
    assert_eq!(value("holdout_uplift", "hold", "", "ci95_low"), r.holdout_uplift.as_ref().expect("uplift").ci95.0);
    let hold = live.ab_tests.iter().find(|t| t.node == "hold").and_then(|t| t.test).expect("holdout test");
    assert_eq!(value("ab_test", "hold", "", "p_value"), hold.p_value);
    assert_eq!(value("daily", "2026-03-02", "", "conversions"), 15.0);
    assert_eq!(value("node", "w_1h", "", "waiting"), 88.0);
    assert_eq!(value("edge", "hold", "control", "flow"), 12.0);
    assert_eq!(value("suppressions", "no_consent", "", "contacts"), 18.0);
}

/// The simulator's report and a live one come from the same assembly: a simulation's report
/// goes through the same funnel and tests (the UI shows them side by side).
#[test]
fn simulated_reports_get_the_same_funnel_and_tests() {
    let journey = template("card-application-abandonment");
    let compiled = CompiledJourney::new(journey.clone()).expect("compiles");
    let options = Options { seed: 3, days: 30, threads: 1, trace: None, history: None, ..Options::default() };
    let report = simulate(&compiled, &Population::Generated { customers: 2_000, seed: 3 }, &Scenario::default(), &options, &Default::default(), &|_, _| {})
        .expect("simulates");
    let funnel = analytics::funnel(&journey, &report);
    let trigger = funnel.nodes.iter().find(|n| n.key == "t").expect("trigger");
    assert_eq!(trigger.entered, report.nodes.iter().find(|n| n.id == "t").expect("t").entered);
    let tests = analytics::ab_tests(&journey, &report);
    assert!(tests.iter().any(|t| t.node == "hold" && t.arms.len() == 2), "{tests:?}");
}
