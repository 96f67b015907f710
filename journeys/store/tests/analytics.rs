//! The analytics counters kept in the engine's transaction (migration 0008), read back as the
//! live report, on SQLite and PostgreSQL; and deferred actions leaving the due list.

mod backends;

use std::collections::BTreeMap;

use backends::{each_backend, TestDb};
use journeys_core::analytics::{metric, DAY_MS};
use journeys_store::{ActionRow, Role, Scope, Store};

const JOURNEY: &str = "card-application-abandonment";
/// 2026-01-12 09:00 UTC.
const T0: i64 = 1_768_208_400_000;

async fn publish(store: &Store) -> i64 {
    store.add_user("dana", Role::Designer, None).await.expect("designer");
    store.add_user("rui", Role::Reviewer, None).await.expect("reviewer");
    let template = journeys_core::catalog::template(JOURNEY).expect("template");
    let v = store.submit(&journeys_core::template::instantiate(&template, JOURNEY), "dana").await.expect("submit");
    store.approve(&v.reference(), "rui", "ok").await.expect("approve");
    store.publish(&v.reference(), "rui").await.expect("publish");
    v.number
}

fn action(customer: &str, version: i64, outcome: &str, reason: Option<&str>, at: i64, cost: f64) -> ActionRow {
    ActionRow {
        seq: 0,
        customer_id: customer.into(),
        journey_id: JOURNEY.into(),
        version,
        node: "email".into(),
        idempotency_key: format!("{JOURNEY}@{version}:{customer}:email:{at}"),
        channel: "email".into(),
        outcome: outcome.into(),
        reason: reason.map(str::to_string),
        at,
        due_at: None,
        pending: false,
        request: serde_json::json!({ "channel": "email", "cost": cost, "content": "", "mandatory": false, "offer": "fee_waiver" }).to_string(),
        offer: Some("fee_waiver".into()),
    }
}

#[tokio::test]
async fn counters_follow_entries_branches_conversions_and_contacts() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let v = publish(&store).await;
        let mut tx = store.engine_tx().await.expect("tx");
        // A enters twice (one customer), B once; A is treated, B in control.
        tx.note_entry(JOURNEY, v, "A", T0).await.expect("entry");
        tx.note_entry(JOURNEY, v, "A", T0 + 3_600_000).await.expect("re-entry");
        tx.note_entry(JOURNEY, v, "B", T0).await.expect("entry");
        tx.note_branch(JOURNEY, v, "A", "hold", "treated", T0).await.expect("branch");
        tx.note_branch(JOURNEY, v, "A", "hold", "treated", T0).await.expect("same branch again");
        tx.note_branch(JOURNEY, v, "B", "hold", "control", T0).await.expect("branch");
        tx.log_action(&action("A", v, "sent", None, T0, 0.25)).await.expect("sent");
        tx.log_action(&action("A", v, "deferred", Some("quiet_hours"), T0, 0.25)).await.expect("deferred");
        tx.log_action(&action("B", v, "suppressed", Some("no_consent"), T0, 0.25)).await.expect("suppressed");
        // A converts the next day, once; then takes a split port (credited as converted at once).
        assert!(tx.note_conversion(JOURNEY, v, "A", T0 + DAY_MS, 1_500_000).await.expect("conversion"));
        assert!(!tx.note_conversion(JOURNEY, v, "A", T0 + DAY_MS + 1, 1_500_000).await.expect("again"));
        assert!(!tx.note_conversion(JOURNEY, v, "Z", T0 + DAY_MS, 0).await.expect("never entered"));
        tx.note_branch(JOURNEY, v, "A", "ab", "reminder", T0 + 2 * DAY_MS).await.expect("branch");
        tx.commit().await.expect("commit");
        let customer = store.engine_tx().await.expect("tx").journey_customer(JOURNEY, v, "A").await.expect("read").expect("A");
        assert_eq!((customer.first_entered_at, customer.entered_at, customer.converted_at, customer.contacts), (T0, T0 + 3_600_000, Some(T0 + DAY_MS), 1));
        // The offer of the contact sent (the deferred one does not count).
        assert_eq!(customer.last_offer.as_deref(), Some("fee_waiver"));
        let b = store.engine_tx().await.expect("tx").journey_customer(JOURNEY, v, "B").await.expect("read").expect("B");
        assert_eq!((b.contacts, b.last_offer), (0, None));

        // Nothing of a transaction dropped without commit is counted.
        let mut tx = store.engine_tx().await.expect("tx");
        tx.note_entry(JOURNEY, v, "C", T0).await.expect("entry");
        tx.bump((JOURNEY, v), T0, metric::NODE_ENTERED, "t", "", 1).await.expect("bump");
        drop(tx);

        let rows = store.journey_rollup(JOURNEY, v).await.expect("rollup");
        let day0 = T0.div_euclid(DAY_MS);
        let count = |m: &str, k1: &str, k2: &str| rows.iter().filter(|r| r.metric == m && r.k1 == k1 && r.k2 == k2).map(|r| r.n).sum::<i64>();
        assert_eq!(count(metric::CUSTOMERS, "", ""), 2);
        assert_eq!(count(metric::NODE_ENTERED, "t", ""), 0);
        assert_eq!(count(metric::COST_MICROS, "", ""), 250_000);
        assert_eq!(count(metric::VALUE_MICROS, "", ""), 1_500_000);
        assert!(rows.iter().filter(|r| r.metric == metric::CONVERTED).all(|r| r.day == day0 + 1));

        let live = store.live_report(JOURNEY, v, None, None).await.expect("report");
        let r = &live.report;
        assert_eq!((r.totals.entered, r.totals.converted, r.totals.contacts, r.totals.cost, r.totals.value), (2, 1, 1, 0.25, 1.5));
        assert_eq!(r.totals.roi, Some(5.0));
        assert_eq!(r.contacts_per_customer, BTreeMap::from([(0, 1), (1, 1)]));
        assert_eq!(r.suppressions, BTreeMap::from([("no_consent".to_string(), 1)]));
        assert_eq!(r.deferred_for_quiet_hours, 1);
        // In the version's (canonical) node order.
        let branches: Vec<(&str, &str, u64, u64)> = r.branches.iter().map(|b| (b.node.as_str(), b.port.as_str(), b.customers, b.converted)).collect();
        assert_eq!(branches, vec![("ab", "reminder", 1, 1), ("hold", "control", 1, 0), ("hold", "treated", 1, 1)]);
        let uplift = r.holdout_uplift.as_ref().expect("uplift");
        assert_eq!((uplift.treated_rate, uplift.control_rate, uplift.uplift), (1.0, 0.0, 1.0));

        // From the day after: A's conversion and the split, nobody entering.
        let later = store.live_report(JOURNEY, v, Some(day0 + 1), None).await.expect("range");
        let branches: Vec<(&str, u64, u64)> = later.report.branches.iter().map(|b| (b.port.as_str(), b.customers, b.converted)).collect();
        assert_eq!((later.report.totals.entered, later.report.totals.converted, branches), (0, 1, vec![("reminder", 1, 1)]));
        assert_eq!(later.from, "2026-01-13");
        assert_eq!(store.reported_versions().await.expect("versions"), vec![(JOURNEY.to_string(), v)]);
    })
    .await;
}

#[tokio::test]
async fn bulk_loaded_steps_are_numbered_after_the_last() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let step = |i: i64| journeys_store::StepRecord {
            journey_id: JOURNEY.into(),
            version: 1,
            customer_id: format!("C{i}"),
            at: T0 + i,
            kind: "moved".into(),
            node: "t".into(),
            port: Some("out".into()),
            to_node: Some("hold".into()),
            detail: None,
        };
        let steps: Vec<_> = (0..2_500).map(step).collect();
        assert_eq!(store.last_step_seq().await.expect("seq"), 0);
        store.bulk_load_steps(1, &steps[..1_000]).await.expect("load");
        store.bulk_load_steps(1_001, &steps[1_000..]).await.expect("load");
        assert_eq!((store.last_step_seq().await.expect("seq"), store.step_count(JOURNEY, 1).await.expect("count")), (2_500, 2_500));
    })
    .await;
}

/// Deferrals judged again are cleared together at commit (one statement per 500), and only
/// then: 501 stored deferrals, a dropped transaction that resolves them all, then a committed
/// one that resolves all but one.
#[tokio::test]
async fn deferrals_judged_again_leave_the_due_list_at_commit() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let v = publish(&store).await;
        let mut tx = store.engine_tx().await.expect("tx");
        for i in 0..501 {
            let deferred = ActionRow { due_at: Some(T0 + i), pending: true, ..action(&format!("C{i}"), v, "deferred", Some("quiet_hours"), T0, 0.0) };
            tx.log_action(&deferred).await.expect("deferred");
        }
        tx.commit().await.expect("commit");
        let due = store.due_deferrals(T0 + 1_000, 1_000, Scope::All).await.expect("due");
        assert_eq!(due.len(), 501);

        let mut tx = store.engine_tx().await.expect("tx");
        due.iter().for_each(|d| tx.resolve_deferral(d.seq));
        drop(tx);
        assert_eq!(store.due_deferrals(T0 + 1_000, 1_000, Scope::All).await.expect("due").len(), 501, "nothing without commit");

        let mut tx = store.engine_tx().await.expect("tx");
        due.iter().filter(|d| d.customer_id != "C7").for_each(|d| tx.resolve_deferral(d.seq));
        tx.commit().await.expect("commit");
        let left: Vec<String> = store.due_deferrals(T0 + 1_000, 1_000, Scope::All).await.expect("due").into_iter().map(|d| d.customer_id).collect();
        assert_eq!(left, vec!["C7".to_string()]);
    })
    .await;
}
