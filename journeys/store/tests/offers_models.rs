//! The offers catalogue, the model registry with its score cache, and the decision log, on
//! SQLite and PostgreSQL.

mod backends;

use std::collections::BTreeMap;

use backends::{each_backend, TestDb};
use journeys_core::explain::{explain_offer, DecisionRecord};
use journeys_core::interpret::{Excluded, Exclusion, RankedOffer};
use journeys_core::kinds::Channel;
use journeys_core::population::generate_customer;
use journeys_core::scoring::{LinearModel, Link, TrainedModel, TrainingReport};
use journeys_core::settings::Offer;
use journeys_store::{Role, Store, StoreError, VersionStatus};

async fn team(store: &Store) {
    store.add_user("dana", Role::Designer, None).await.expect("designer");
    store.add_user("rui", Role::Reviewer, None).await.expect("reviewer");
    store.add_user("rex", Role::Reviewer, None).await.expect("second reviewer");
    store.add_user("ava", Role::Analyst, None).await.expect("analyst");
}

fn offer(id: &str, cost: f64) -> Offer {
    Offer {
        id: id.into(),
        name: "Platinum card".into(),
        product: "credit_card".into(),
        channel: Channel::Email,
        cost,
        value: 106.91,
        propensity_score: Some("cross_sell_credit_card".into()),
        eligibility: Some("customer.tenure_months > 6".into()),
        mandatory: false,
        value_score: None,
        lever: None,
        contact_policy: Some(journeys_core::offers::ContactPolicy { max_ignores: 3, window_days: 30 }),
        valid_from: None,
        valid_until: None,
    }
}

#[tokio::test]
async fn offers_are_versioned_and_go_live_only_when_another_reviewer_approves() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        team(&store).await;
        let v1 = store.submit_offer(&offer("platinum_card", 0.5), "dana").await.expect("submit");
        assert_eq!((v1.entry.reference(), v1.entry.status), ("platinum_card@1".to_string(), VersionStatus::Submitted));
        assert!(store.live_offers().await.expect("live").is_empty(), "nothing is live before approval");
        assert!(matches!(store.submit_offer(&offer("x", 0.5), "ava").await, Err(StoreError::Forbidden { .. })), "analysts do not submit offers");
        assert!(matches!(store.approve_offer("platinum_card@1", "dana", "ok").await, Err(StoreError::Forbidden { .. })));
        assert!(matches!(store.approve_offer("platinum_card@1", "rui", "").await, Err(StoreError::CommentRequired)));
        store.approve_offer("platinum_card@1", "rui", "margins checked").await.expect("approve");
        assert!(matches!(store.approve_offer("platinum_card@1", "rex", "again").await, Err(StoreError::WrongStatus { .. })));

        // A second version replaces the first once approved; a rejected one never goes live.
        let v2 = store.submit_offer(&offer("platinum_card", 0.75), "dana").await.expect("submit v2");
        assert_eq!(v2.entry.number, 2);
        assert_eq!(store.live_offers().await.expect("live")[0].offer.cost, 0.5, "v1 stays live until v2 is approved");
        store.approve_offer("platinum_card@2", "rex", "new cost").await.expect("approve v2");
        let live = store.live_offers().await.expect("live");
        assert_eq!((live.len(), live[0].entry.number, live[0].offer.cost), (1, 2, 0.75));
        let statuses: Vec<_> = store.offer_versions(Some("platinum_card")).await.expect("versions").iter().map(|v| v.entry.status).collect();
        assert_eq!(statuses, vec![VersionStatus::Retired, VersionStatus::Approved]);
        store.submit_offer(&offer("platinum_card", 9.0), "dana").await.expect("submit v3");
        store.reject_offer("platinum_card@3", "rui", "too costly").await.expect("reject");
        assert_eq!(store.live_offers().await.expect("live")[0].entry.number, 2);

        // Submission checks the offer, field by field.
        let mut bad = offer("broken", -1.0);
        bad.eligibility = Some("customer.tenure_months >".into());
        match store.submit_offer(&bad, "dana").await {
            Err(StoreError::InvalidOffer { message, .. }) => assert!(message.contains("cost: -1") && message.contains("eligibility:"), "{message}"),
            other => panic!("expected InvalidOffer, got {other:?}"),
        }

        // Audited with the change, and the chain holds.
        let actions: Vec<String> = store.audit_log().await.expect("audit").into_iter().filter(|e| e.subject.starts_with("platinum_card")).map(|e| e.action).collect();
        assert_eq!(actions, ["offer_submitted", "offer_approved", "offer_submitted", "offer_approved", "offer_submitted", "offer_rejected"]);
        store.verify_audit().await.expect("audit chain intact");
    })
    .await;
}

fn churn_model(intercept: f64) -> TrainedModel {
    TrainedModel {
        kind: "churn".into(),
        model: LinearModel { link: Link::Logistic, features: vec!["tenure_months".into(), "last_activity_days_ago".into()], intercept, coefficients: vec![-0.5, 1.0], mean: vec![24.0, 30.0], scale: vec![12.0, 20.0] },
        report: TrainingReport { rows: 100, train_rows: 75, test_rows: 25, positive_rate: 0.2, auc: Some(0.8), fit: None, calibration: Vec::new(), source: "test".into() },
        baselines: Vec::new(),
    }
}

#[tokio::test]
async fn models_score_only_once_approved_and_scores_are_cached_per_version_and_profile() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        team(&store).await;
        let customer = generate_customer(1, 0);
        let profile = serde_json::to_string(&customer).expect("json");
        store.upsert_customers(&[(customer.id.clone(), profile.clone())], 1_000).await.expect("customer");

        let v1 = store.register_model(&churn_model(0.0), "ava").await.expect("register");
        assert_eq!(v1.entry.reference(), "churn@1");
        assert_eq!(store.score_customer(&customer.id, "churn").await.expect("score"), None, "no live model before approval");
        assert!(matches!(store.approve_model("churn@1", "ava", "mine").await, Err(StoreError::Forbidden { .. })));
        store.tamper_for_tests("UPDATE users SET role = 'reviewer' WHERE name = 'ava'").await;
        assert!(matches!(store.approve_model("churn@1", "ava", "mine").await, Err(StoreError::FourEyes { .. })), "never who registered it");
        store.approve_model("churn@1", "rui", "AUC 0.80 on held-out rows").await.expect("approve");

        let expected = churn_model(0.0).model.score_customer(&customer).expect("scores");
        let first = store.score_customer(&customer.id, "churn").await.expect("score").expect("live model");
        assert_eq!((first.value, first.model_version, first.cached), (expected, 1, false));
        let again = store.score_customer(&customer.id, "churn").await.expect("score").expect("live model");
        assert!(again.cached && again.value == expected, "{again:?}");
        // A changed profile is scored afresh.
        store.upsert_customers(&[(customer.id.clone(), profile)], 2_000).await.expect("customer");
        assert!(!store.score_customer(&customer.id, "churn").await.expect("score").expect("live").cached);

        // Version 2 takes over once approved; its scores are its own.
        store.register_model(&churn_model(2.0), "dana").await.expect("register v2");
        assert_eq!(store.score_customer(&customer.id, "churn").await.expect("score").expect("live").model_version, 1);
        store.approve_model("churn@2", "rex", "retrained").await.expect("approve v2");
        let scores = store.customer_scores(&customer.id).await.expect("scores");
        assert_eq!(scores.len(), 1);
        assert_eq!((scores[0].model_version, scores[0].cached), (2, false));
        assert!((scores[0].value - churn_model(2.0).model.score_customer(&customer).expect("scores")).abs() < 1e-12);
        let statuses: Vec<_> = store.model_versions(Some("churn")).await.expect("versions").iter().map(|v| v.entry.status).collect();
        assert_eq!(statuses, vec![VersionStatus::Retired, VersionStatus::Approved]);

        let mut clv = churn_model(0.0);
        clv.kind = "clv".into();
        let refused = store.register_model(&clv, "dana").await.expect_err("a probability is not an amount");
        assert_eq!(refused.to_string(), "a clv model must give an amount; this one gives a probability");
        clv.kind = "lifetime".into();
        assert!(matches!(store.register_model(&clv, "dana").await, Err(StoreError::UnknownModelKind(_))));
        assert!(matches!(store.score_customer("nobody", "churn").await, Err(StoreError::Unknown { .. })));
        store.verify_audit().await.expect("audit chain intact");
    })
    .await;
}

#[tokio::test]
async fn decisions_are_logged_with_the_transaction_and_explained() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let ranked = |offer: &str, priority: f64| RankedOffer {
            offer: offer.into(),
            propensity: 0.03,
            value: 100.0,
            cost: 0.5,
            profit: priority,
            return_on_cost: priority / 0.5,
            mandatory: false,
            lever: 1.0,
            priority,
        };
        let record = DecisionRecord {
            customer_id: "c1".into(),
            journey_id: "cross-sell".into(),
            version: 3,
            node: "nba".into(),
            at: 5_000,
            chosen: Some("B".into()),
            reason: "B has the highest profit (3.83)".into(),
            ranking: vec![ranked("B", 3.83), ranked("A", 2.71)],
            excluded: vec![Excluded { offer: "D".into(), why: Exclusion::NotEligible { rule: "customer.age < 25".into() } }],
            scores: BTreeMap::from([("cross_sell_credit_card".to_string(), 0.03)]),
            model_versions: BTreeMap::from([("cross_sell_credit_card".to_string(), 2)]),
            offer_versions: BTreeMap::from([("B".to_string(), 4)]),
        };
        let mut tx = store.engine_tx().await.expect("tx");
        tx.log_decision(&record).await.expect("log");
        drop(tx); // rolled back: nothing kept
        assert!(store.customer_decisions("c1").await.expect("decisions").is_empty());
        let mut tx = store.engine_tx().await.expect("tx");
        // A rolled-back number may be skipped (PostgreSQL reserves blocks), never reused.
        assert!(tx.log_decision(&record).await.expect("log") >= 1);
        tx.commit().await.expect("commit");
        let logged = store.customer_decisions("c1").await.expect("decisions");
        assert_eq!(logged, vec![record.clone()]);
        assert_eq!(explain_offer(&logged[0], "B"), "chosen: B has the highest profit (3.83)");
        assert_eq!(explain_offer(&logged[0], "A"), "eligible but ranked 2 of 2: priority 2.71 against 3.83 for B");
        assert_eq!(explain_offer(&logged[0], "D"), "not eligible: the rule `customer.age < 25` is false for this customer");
        assert_eq!(explain_offer(&logged[0], "Z"), "not offered at this decision");
    })
    .await;
}

#[tokio::test]
async fn stored_customers_and_outcome_events_make_a_training_population() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let rows: Vec<(String, String)> = (0..3)
            .map(|i| {
                let mut c = generate_customer(2, i);
                c.id = format!("C{i}");
                (c.id.clone(), serde_json::to_string(&c).expect("json"))
            })
            .collect();
        store.upsert_customers(&rows, 1_000).await.expect("customers");
        let mut tx = store.engine_tx().await.expect("tx");
        for (id, customer, kind) in [("e1", "C1", "account_closed"), ("e2", "C1", "account_closed"), ("e3", "C2", "app_login")] {
            let event = journeys_store::EventRecord { id: id.into(), customer_id: customer.into(), event_type: kind.into(), time: 5, attributes: "{}".into() };
            assert!(tx.insert_event(&event, 6).await.expect("event"));
        }
        tx.commit().await.expect("commit");
        let profiles = store.customer_profiles(2).await.expect("profiles");
        assert_eq!(profiles.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["C0", "C1"], "by id, at most the limit");
        assert_eq!(store.customers_with_event("account_closed").await.expect("outcomes"), std::collections::HashSet::from(["C1".to_string()]));
        assert!(store.customers_with_event("policy_lapsed").await.expect("outcomes").is_empty());
    })
    .await;
}
