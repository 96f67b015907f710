//! Journey analytics from real engine runs: customers and events driven through
//! `Processor::ingest` and `fire_due` on a hand-set clock, on SQLite and PostgreSQL; the live
//! report's counts are checked against what the events make happen (known in advance) and
//! against the engine's own records (action log, instance paths).

mod support;

use std::collections::BTreeMap;

use journeys_core::analytics::{self, chi_square_test};
use journeys_core::simulate::{round, Uplift};
use journeys_engine::wire::{Event, Position};
use journeys_engine::{Clock, InstanceState, Outcome, Processor};
use journeys_store::{Role, Store};
use support::{customer, each_backend, publish_template, HOUR, T0};

const DAY: i64 = 24 * HOUR;

fn event(id: &str, customer: &str, kind: &str, at: i64) -> Event {
    Event { id: id.into(), customer_id: customer.into(), event_type: kind.into(), time: at, attributes: serde_json::json!({}), position: Position::Line(0) }
}

async fn add_customers(store: &Store, customers: &[journeys_core::population::Customer]) {
    let rows: Vec<(String, String)> = customers.iter().map(|c| (c.id.clone(), serde_json::to_string(c).expect("json"))).collect();
    store.upsert_customers(&rows, T0).await.expect("customers");
}

async fn ingest_at(engine: &Processor, clock: &Clock, e: Event) -> Outcome {
    clock.set(e.time);
    engine.ingest(&e).await.expect("ingest")
}

/// Move the clock and fire every due wake-up and deferral, until none is left.
async fn fire_at(engine: &Processor, clock: &Clock, at: i64) {
    clock.set(at);
    while engine.fire_due(1_000).await.expect("fire") > 0 {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_report_counts_what_the_events_made_happen() {
    each_backend(|db| async move {
        let store = db.store.clone();
        // Ten customers abandon a loan form. C3 and C4 do not consent to SMS.
        let customers: Vec<_> = (0..10)
            .map(|i| {
                let mut c = customer(&format!("C{i}"), "Europe/London");
                c.consent_sms = !(3..=4).contains(&i);
                c
            })
            .collect();
        add_customers(&store, &customers).await;
        let reference = publish_template(&store).await;
        let clock = Clock::manual(T0);
        let engine = Processor::new(store.clone(), clock.clone());
        engine.refresh_versions().await.expect("versions");
        for i in 0..10 {
            ingest_at(&engine, &clock, event(&format!("a{i}"), &format!("C{i}"), "application_abandoned", T0 + i * 60_000)).await;
        }
        // After an hour everyone gets the resume email and waits a day for completion.
        fire_at(&engine, &clock, T0 + HOUR + 10 * 60_000).await;
        // C0–C2 complete while waiting (converted; the goal step); C0's event arrives twice.
        for i in 0..3 {
            ingest_at(&engine, &clock, event(&format!("c{i}"), &format!("C{i}"), "application_completed", T0 + 3 * HOUR)).await;
        }
        assert_eq!(ingest_at(&engine, &clock, event("c0", "C0", "application_completed", T0 + 3 * HOUR)).await, Outcome::Duplicate);
        // C9 unsubscribes: leaves by the exit event.
        ingest_at(&engine, &clock, event("u9", "C9", "unsubscribed", T0 + 4 * HOUR)).await;
        // C3–C8 time out: SMS (suppressed for C3 and C4), two days later a push, then exit.
        fire_at(&engine, &clock, T0 + HOUR + DAY + 10 * 60_000).await;
        fire_at(&engine, &clock, T0 + HOUR + 3 * DAY + 10 * 60_000).await;
        // C7 completes after leaving but inside the 14-day goal window: converted. C8 too late.
        ingest_at(&engine, &clock, event("c7", "C7", "application_completed", T0 + 5 * DAY)).await;
        ingest_at(&engine, &clock, event("c8", "C8", "application_completed", T0 + 20 * DAY)).await;

        let (journey_id, version) = journeys_store::parse_reference(&reference).expect("reference");
        let live = store.live_report(&journey_id, version, None, None).await.expect("report");
        let r = &live.report;
        assert_eq!((r.totals.entered, r.totals.converted, r.totals.conversion_rate), (10, 4, 0.4));
        let nodes: BTreeMap<&str, (u64, u64, u64, u64)> = r.nodes.iter().map(|n| (n.id.as_str(), (n.entered, n.exited, n.waiting, n.goals))).collect();
        let expected: BTreeMap<&str, (u64, u64, u64, u64)> = [
            ("start", (10, 0, 0, 0)),
            ("wait_1h", (10, 0, 0, 0)),
            ("email_resume", (10, 0, 0, 0)),
            ("wait_1d", (10, 1, 0, 0)),
            ("sms_resume", (6, 0, 0, 0)),
            ("wait_2d", (6, 0, 0, 0)),
            ("push_resume", (6, 0, 0, 0)),
            ("exit_unconverted", (6, 6, 0, 0)),
            ("completed", (3, 0, 0, 3)),
            ("exit_done", (3, 3, 0, 0)),
        ]
        .into_iter()
        .collect();
        assert_eq!(nodes, expected);
        let flow = |from: &str, port: &str| r.edges.iter().find(|e| e.from == from && e.port == port).map(|e| e.flow);
        assert_eq!((flow("wait_1d", "event"), flow("wait_1d", "timeout")), (Some(3), Some(6)));
        assert_eq!(r.exits_by_reason, BTreeMap::from([("completed".to_string(), 9), ("exit_event".to_string(), 1)]));
        let channels = BTreeMap::from([("email".to_string(), 10), ("push".to_string(), 6), ("sms".to_string(), 4)]);
        assert_eq!(r.contacts_by_channel, channels);
        assert_eq!(r.suppressions, BTreeMap::from([("no_consent".to_string(), 2)]));
        assert_eq!(r.deferred_for_quiet_hours, 0);
        assert_eq!(r.contacts_per_customer, BTreeMap::from([(1, 4), (2, 2), (3, 4)]));
        assert_eq!((r.totals.contacts, r.totals.cost, r.totals.value, r.totals.roi), (20, 0.33, 0.0, Some(-1.0)));

        // The counters agree with the action log the engine already kept.
        let mut logged: BTreeMap<String, u64> = BTreeMap::new();
        for c in &customers {
            for a in store.customer_actions(&c.id).await.expect("actions").iter().filter(|a| a.outcome == "sent") {
                *logged.entry(a.channel.clone()).or_default() += 1;
            }
        }
        assert_eq!(logged, channels);

        // Day by day from the first entry: ten entries and three conversions on day 0, one on day 5.
        assert_eq!((live.from.as_str(), live.to.as_str(), r.days), ("2026-01-12", "2026-01-17", 6));
        let per_day: Vec<(u64, u64, u64, u64)> = r.daily.iter().map(|d| (d.entered, d.contacts, d.conversions, d.exits)).collect();
        assert_eq!(per_day, vec![(10, 10, 3, 4), (0, 4, 0, 0), (0, 0, 0, 0), (0, 6, 0, 6), (0, 0, 0, 0), (0, 0, 1, 0)]);

        // The stage funnel: ten in, three reached the goal step, one dropped out (unsubscribed).
        let acquire = live.funnel.stages.iter().find(|s| s.key == "acquire").expect("acquire stage");
        assert_eq!((acquire.entered, acquire.progressed, acquire.dropped, acquire.converted, acquire.waiting), (10, 0, 1, 3, 0));

        // A date range: only 2026-01-17 (C7's conversion).
        let day = analytics::day_of_date("2026-01-17");
        let one = store.live_report(&journey_id, version, day, day).await.expect("range");
        assert_eq!((one.report.totals.entered, one.report.totals.converted, one.report.daily.len()), (0, 1, 1));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branch_conversion_holdout_uplift_and_ab_test_follow_the_paths_taken() {
    const TEMPLATE: &str = "card-application-abandonment";
    each_backend(|db| async move {
        let store = db.store.clone();
        // Half mass-market with a low CLV (the condition sends them to the A/B split), half
        // affluent (a call); every fifth converts early, every fifth + 1 after two days.
        let customers: Vec<_> = (0..200)
            .map(|i| {
                let mut c = customer(&format!("K{i:03}"), "Europe/London");
                c.products = "current_account".into();
                c.age = 30;
                c.segment = if i % 2 == 0 { "mass".into() } else { "affluent".into() };
                c.clv = 100.0;
                c
            })
            .collect();
        add_customers(&store, &customers).await;
        store.add_user("dana", Role::Designer, None).await.expect("designer");
        store.add_user("rui", Role::Reviewer, None).await.expect("reviewer");
        let template = journeys_core::catalog::template(TEMPLATE).expect("template");
        let v = store.submit(&journeys_core::template::instantiate(&template, TEMPLATE), "dana").await.expect("submit");
        store.approve(&v.reference(), "rui", "ok").await.expect("approve");
        store.publish(&v.reference(), "rui").await.expect("publish");
        let clock = Clock::manual(T0);
        let engine = Processor::new(store.clone(), clock.clone());
        engine.refresh_versions().await.expect("versions");
        for (i, c) in customers.iter().enumerate() {
            ingest_at(&engine, &clock, event(&format!("a{i}"), &c.id, "application_abandoned", T0 + i as i64 * 1_000)).await;
        }
        fire_at(&engine, &clock, T0 + 2 * HOUR).await;
        let converts = |i: usize| i % 5 <= 1;
        for (i, c) in customers.iter().enumerate().filter(|(i, _)| i % 5 == 0) {
            ingest_at(&engine, &clock, event(&format!("c{i}"), &c.id, "application_completed", T0 + 3 * HOUR)).await;
        }
        fire_at(&engine, &clock, T0 + DAY + 3 * HOUR).await;
        for (i, c) in customers.iter().enumerate().filter(|(i, _)| i % 5 == 1) {
            ingest_at(&engine, &clock, event(&format!("c{i}"), &c.id, "application_completed", T0 + 2 * DAY)).await;
        }
        for day in 3..=10 {
            fire_at(&engine, &clock, T0 + day * DAY).await;
        }

        // The oracle: each customer's path as the engine kept it on the instance.
        let ports = [("hold", "control", "x_control"), ("hold", "treated", "w_1h"), ("value", "true", "call"), ("value", "false", "ab"), ("ab", "reminder", "sms_a"), ("ab", "fee_waiver", "sms_b")];
        let mut expected: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
        for (i, c) in customers.iter().enumerate() {
            let rows = store.customer_instances(&c.id).await.expect("instances");
            assert_eq!(rows.len(), 1, "{} entered once", c.id);
            assert_eq!(rows[0].status, "exited", "{} finished", c.id);
            let state: InstanceState = serde_json::from_str(&rows[0].state).expect("state");
            for (node, port, to) in ports {
                if state.path.windows(2).any(|w| w[0] == node && w[1] == to) {
                    let entry = expected.entry((node.to_string(), port.to_string())).or_default();
                    entry.0 += 1;
                    entry.1 += u64::from(converts(i));
                }
            }
        }
        let live = store.live_report(TEMPLATE, v.number, None, None).await.expect("report");
        let r = &live.report;
        assert_eq!((r.totals.entered, r.totals.converted), (200, 80));
        let got: BTreeMap<(String, String), (u64, u64)> = r.branches.iter().map(|b| ((b.node.clone(), b.port.clone()), (b.customers, b.converted))).collect();
        assert_eq!(got, expected);
        let side = |port: &str| expected.get(&("hold".to_string(), port.to_string())).map(|(n, c)| (*c, *n)).unwrap_or((0, 0));
        assert!(side("control").1 > 0 && side("treated").1 > 0, "both sides of the holdout have customers: {expected:?}");
        assert_eq!(r.holdout_uplift, Some(Uplift::new("hold", side("treated"), side("control"))));
        let ab = live.ab_tests.iter().find(|t| t.node == "ab").expect("the split's test");
        let arms: Vec<(u64, u64)> = ab.arms.iter().map(|a| (a.converted, a.customers)).collect();
        let reference = chi_square_test(&arms).expect("a test");
        assert_eq!(ab.test.map(|t| (t.df, t.p_value)), Some((1, round(reference.p_value))));
        assert!(live.ab_tests.iter().any(|t| t.node == "hold"), "the holdout is tested too");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversions_are_valued_at_the_offer_last_sent() {
    const TEMPLATE: &str = "credit-card-for-savings-holders";
    each_backend(|db| async move {
        let store = db.store.clone();
        // Savers without a card log in (the trigger); next best action picks an offer for the
        // treated ones; everyone opens a product an hour later, so everyone converts.
        let customers: Vec<_> = (0..40)
            .map(|i| {
                let mut c = customer(&format!("S{i:02}"), "Europe/London");
                c.products = "current_account;savings".into();
                c.savings_balance = 5_000.0 + 100.0 * i as f64;
                c
            })
            .collect();
        add_customers(&store, &customers).await;
        store.add_user("dana", Role::Designer, None).await.expect("designer");
        store.add_user("rui", Role::Reviewer, None).await.expect("reviewer");
        let template = journeys_core::catalog::template(TEMPLATE).expect("template");
        let journey = journeys_core::template::instantiate(&template, TEMPLATE);
        let v = store.submit(&journey, "dana").await.expect("submit");
        store.approve(&v.reference(), "rui", "ok").await.expect("approve");
        store.publish(&v.reference(), "rui").await.expect("publish");
        let clock = Clock::manual(T0);
        let engine = Processor::new(store.clone(), clock.clone());
        engine.refresh_versions().await.expect("versions");
        for (i, c) in customers.iter().enumerate() {
            ingest_at(&engine, &clock, event(&format!("l{i}"), &c.id, "app_login", T0 + i as i64 * 1_000)).await;
        }
        for (i, c) in customers.iter().enumerate() {
            ingest_at(&engine, &clock, event(&format!("p{i}"), &c.id, "product_opened", T0 + HOUR + i as i64 * 1_000)).await;
        }

        // The oracle: the offer in each customer's sent contact, as the action log has it.
        let (mut value, mut offered) = (0.0, 0);
        for c in &customers {
            let sent: Vec<_> = store.customer_actions(&c.id).await.expect("actions").into_iter().filter(|a| a.outcome == "sent").collect();
            let offer = sent.last().and_then(|a| serde_json::from_str::<serde_json::Value>(&a.request).ok()?.get("offer")?.as_str().map(str::to_string));
            if let Some(o) = offer.and_then(|o| journey.offers.iter().find(|x| x.id == o)) {
                value += o.value;
                offered += 1;
            }
        }
        assert!(offered > 0, "some customers were sent an offer");
        let live = store.live_report(TEMPLATE, v.number, None, None).await.expect("report");
        let t = &live.report.totals;
        assert_eq!((t.entered, t.converted), (40, 40));
        assert_eq!(t.value, round(value));
        assert_eq!(t.roi, (t.cost > 0.0).then(|| round((value - t.cost) / t.cost)));
    })
    .await;
}
