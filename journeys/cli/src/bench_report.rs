//! `journeys bench report`: bulk-load recorded steps of one published version (the step log and
//! the per-day counters the engine keeps beside it) into the database given by
//! `--database-url`, then time the report query (`Store::live_report`) against it.
//!
//! The steps are synthetic walks through the card-application-abandonment template (holdout,
//! condition, A/B split, waits that convert or time out), spread over a year; the counters are
//! aggregated from the very same walks, so the bench checks that the report adds up to them.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{ensure, Context as _};
use journeys_core::analytics::{self, metric, RollupRow, DAY_MS};
use journeys_core::model::NodeKind;
use journeys_core::Journey;
use journeys_store::{Role, StepRecord, Store};

const TEMPLATE: &str = "card-application-abandonment";
/// 2025-01-01T00:00Z: the year the steps are spread over starts here.
const YEAR_START: i64 = 1_735_689_600_000;
const BATCH: usize = 1_000;

/// A small deterministic generator (splitmix64): the same walks on every run.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Default)]
struct Rollup(HashMap<(i64, &'static str, String, String), i64>);

impl Rollup {
    fn add(&mut self, at: i64, metric: &'static str, k1: &str, k2: &str, n: i64) {
        *self.0.entry((analytics::day_of(at), metric, k1.to_string(), k2.to_string())).or_default() += n;
    }

    fn rows(self) -> Vec<RollupRow> {
        self.0.into_iter().map(|((day, metric, k1, k2), n)| RollupRow { day, metric: metric.to_string(), k1, k2, n }).collect()
    }
}

/// One customer's walk from the trigger to an exit: its steps, and the counters they make.
/// The version walked, with each step's ports and where they lead.
struct Plan<'a> {
    journey: &'a Journey,
    version: i64,
    out: HashMap<&'a str, Vec<(&'a str, &'a str)>>,
}

fn walk(plan: &Plan, customer: &str, start: i64, mix: &mut Mix, rollup: &mut Rollup, steps: &mut Vec<StepRecord>) {
    let (journey, out, version) = (plan.journey, &plan.out, plan.version);
    let Some(trigger) = journey.nodes.iter().find(|n| matches!(n.kind, NodeKind::Trigger(_))) else { return };
    let mut at = start;
    let step = |at: i64, kind: &str, node: &str| StepRecord {
        journey_id: journey.id.clone(),
        version,
        customer_id: customer.to_string(),
        at,
        kind: kind.into(),
        node: node.into(),
        port: None,
        to_node: None,
        detail: None,
    };
    rollup.add(at, metric::NODE_ENTERED, &trigger.id, "", 1);
    rollup.add(at, metric::CUSTOMERS, "", "", 1);
    let (mut contacts, mut converted) = (0_i64, false);
    let mut branches: Vec<(i64, String, String)> = Vec::new();
    let mut node = trigger;
    for _ in 0..64 {
        let ports = out.get(node.id.as_str()).cloned().unwrap_or_default();
        match &node.kind {
            NodeKind::Action(action) => {
                contacts += 1;
                rollup.add(at, metric::SENT, action.channel.key(), "", 1);
                rollup.add(at, metric::COST_MICROS, "", "", (action.cost * 1e6).round() as i64);
                steps.push(StepRecord { detail: Some(action.channel.key().into()), ..step(at, "contact", &node.id) });
            }
            NodeKind::Goal { event } => {
                rollup.add(at, metric::GOAL, &node.id, "", 1);
                steps.push(StepRecord { detail: Some(event.clone()), ..step(at, "goal", &node.id) });
            }
            _ => {}
        }
        if ports.is_empty() {
            rollup.add(at, metric::NODE_EXITED, &node.id, "", 1);
            rollup.add(at, metric::EXIT, "completed", "", 1);
            steps.push(StepRecord { detail: Some("completed".into()), ..step(at, "exited", &node.id) });
            break;
        }
        // Waits convert a fifth of the time; other steps pick a port at random.
        let (port, to) = match node.kind {
            NodeKind::Wait(_) => {
                at += 3_600_000 * (1 + mix.below(48) as i64);
                let event = mix.below(5) == 0;
                *ports.iter().find(|(p, _)| *p == if event { "event" } else { "timeout" }).unwrap_or(&ports[0])
            }
            _ => ports[mix.below(ports.len() as u64) as usize],
        };
        if matches!(node.kind, NodeKind::Wait(_)) && port == "event" && !converted {
            converted = true;
            rollup.add(at, metric::CONVERTED, "", "", 1);
            for (b_at, b_node, b_port) in &branches {
                rollup.add(*b_at, metric::BRANCH_CONVERTED, b_node, b_port, 1);
            }
            steps.push(StepRecord { detail: Some("application_completed".into()), ..step(at, "converted", &node.id) });
        }
        if analytics::is_branching(&node.kind) {
            rollup.add(at, metric::BRANCH_CUSTOMERS, &node.id, port, 1);
            if converted {
                rollup.add(at, metric::BRANCH_CONVERTED, &node.id, port, 1);
            }
            branches.push((at, node.id.clone(), port.to_string()));
        }
        rollup.add(at, metric::EDGE, &node.id, port, 1);
        rollup.add(at, metric::NODE_ENTERED, to, "", 1);
        steps.push(StepRecord { port: Some(port.into()), to_node: Some(to.into()), ..step(at, "moved", &node.id) });
        let Some(next) = journey.nodes.iter().find(|n| n.id == to) else { break };
        node = next;
    }
    rollup.add(start, metric::CONTACTS_HISTOGRAM, &contacts.to_string(), "", 1);
}

pub fn run(database_url: Option<String>, target_steps: u64, repeats: usize) -> anyhow::Result<ExitCode> {
    let url = database_url.context("give the database to fill with --database-url (a throw-away one: the bench adds millions of rows)")?;
    let template = journeys_core::catalog::template(TEMPLATE).context("template missing")?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = Store::open(&url).await?;
        let run_id = format!("{}-{}", std::process::id(), journeys_store_now());
        let journey = journeys_core::template::instantiate(&template, &format!("bench-report-{run_id}"));
        let (designer, reviewer) = (format!("bench-designer-{run_id}"), format!("bench-reviewer-{run_id}"));
        store.add_user(&designer, Role::Designer, None).await?;
        store.add_user(&reviewer, Role::Reviewer, None).await?;
        let v = store.submit(&journey, &designer).await?;
        store.approve(&v.reference(), &reviewer, "bench").await?;
        store.publish(&v.reference(), &reviewer).await?;
        let version = v.number;
        let mut plan = Plan { journey: &journey, version, out: HashMap::new() };
        for e in &journey.edges {
            plan.out.entry(e.from.as_str()).or_default().push((e.port.as_str(), e.to.as_str()));
        }

        let load = Instant::now();
        let (mut mix, mut rollup, mut buffer) = (Mix(7), Rollup::default(), Vec::with_capacity(BATCH * 2));
        let (mut loaded, mut customers) = (0_u64, 0_u64);
        let mut seq = store.last_step_seq().await? + 1;
        while loaded < target_steps {
            let start = YEAR_START + (mix.below(365) as i64) * DAY_MS + mix.below(DAY_MS as u64) as i64;
            walk(&plan, &format!("C{customers:09}"), start, &mut mix, &mut rollup, &mut buffer);
            customers += 1;
            if buffer.len() >= BATCH || loaded + buffer.len() as u64 >= target_steps {
                let take = buffer.len().min(usize::try_from(target_steps - loaded).unwrap_or(usize::MAX));
                store.bulk_load_steps(seq, &buffer[..take]).await?;
                seq += take as i64;
                loaded += take as u64;
                buffer.clear();
                if loaded % 1_000_000 < take as u64 {
                    eprintln!("  {loaded} steps loaded ({:.0} s)", load.elapsed().as_secs_f64());
                }
            }
        }
        let rows = rollup.rows();
        store.bulk_add_rollup(&journey.id, version, &rows).await?;
        let load_secs = load.elapsed().as_secs_f64();
        let counted = store.step_count(&journey.id, version).await?;
        ensure!(counted as u64 == loaded, "{counted} steps in the log, {loaded} loaded");

        let mut times = Vec::new();
        let mut report = None;
        for _ in 0..repeats.max(1) {
            let start = Instant::now();
            report = Some(store.live_report(&journey.id, version, None, None).await?);
            times.push(start.elapsed().as_secs_f64());
        }
        let report = report.context("no report")?;
        ensure!(report.report.totals.entered == customers, "report says {} customers entered, {customers} walked", report.report.totals.entered);
        let from = analytics::day_of(YEAR_START) + 90;
        let start = Instant::now();
        let quarter = store.live_report(&journey.id, version, Some(from), Some(from + 89)).await?;
        let range_secs = start.elapsed().as_secs_f64();
        let start = Instant::now();
        store.step_count(&journey.id, version).await?;
        let scan_secs = start.elapsed().as_secs_f64();

        times.sort_by(f64::total_cmp);
        println!("report: {} on {:?}, {loaded} recorded steps of {customers} customers over 365 days, {} counter rows", journey.id, store.backend(), rows.len());
        println!("  loaded in {load_secs:.1} s ({:.0} steps/s)", loaded as f64 / load_secs);
        println!(
            "  full report (all days): min {:.1} ms  median {:.1} ms  max {:.1} ms over {} runs; entered {}, converted {}, contacts {}",
            times[0] * 1e3,
            times[times.len() / 2] * 1e3,
            times[times.len() - 1] * 1e3,
            times.len(),
            report.report.totals.entered,
            report.report.totals.converted,
            report.report.totals.contacts
        );
        println!("  90-day report ({} to {}): {:.1} ms; entered {}", quarter.from, quarter.to, range_secs * 1e3, quarter.report.totals.entered);
        println!("  for comparison, counting the version's rows in the step log: {:.1} ms", scan_secs * 1e3);
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

fn journeys_store_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
