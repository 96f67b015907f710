//! Next best action in the engine: every decision is logged with its ranking, exclusions and
//! reason; the simulator, driven by the same interpreter and decision code, picks the same offer
//! for every customer; scores from an approved model replace the profile's and are logged with
//! the model version.

mod support;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use journeys_core::interpret::{CompiledJourney, Excluded, Exclusion};
use journeys_core::population::Customer;
use journeys_core::scoring::{LinearModel, Link, TrainedModel, TrainingReport};
use journeys_core::simulate::{simulate, History, Options, Population, Scenario, START_MS};
use journeys_engine::wire::{Event, Position};
use journeys_engine::{Clock, Processor};
use journeys_store::{Role, Store};
use serde_json::json;
use support::*;

const NBA_JOURNEY: &str = "credit-card-for-savings-holders";

async fn publish(store: &Store) -> CompiledJourney {
    let template = journeys_core::catalog::template(NBA_JOURNEY).expect("template");
    let journey = journeys_core::template::instantiate(&template, NBA_JOURNEY);
    publish_journey(store, &journey).await;
    CompiledJourney::new(journey).expect("compiles")
}

/// Savers without a card (the trigger's filter), varied so that different offers win or none is eligible.
fn savers() -> Vec<Customer> {
    (0..12)
        .map(|i| {
            let mut c = customer(&format!("S{i}"), "Europe/London");
            c.products = "current_account;savings".into();
            c.savings_balance = 5_000.0;
            c.age = [19, 25, 40, 60][i % 4];
            c.tenure_months = [3, 24][i % 2];
            c.segment = ["mass", "affluent", "hni"][i % 3].into();
            c.cross_sell_credit_card = 0.02 + 0.01 * i as f64;
            c
        })
        .collect()
}

fn login(id: &str, customer: &str, at: i64) -> Event {
    Event { id: id.into(), customer_id: customer.into(), event_type: "app_login".into(), time: at, attributes: json!({}), position: Position::Item(0) }
}

/// What the simulator's trace says the decision node chose for this customer.
fn simulated_choice(journey: &CompiledJourney, customer: &Customer, at: i64) -> Option<String> {
    simulated_choices(journey, customer, &[at], Options::default()).into_iter().next()
}

/// The decision node's choices in the simulator's trace for logins at `logins`.
fn simulated_choices(journey: &CompiledJourney, customer: &Customer, logins: &[i64], options: Options) -> Vec<String> {
    let scenario: Scenario = serde_json::from_value(json!({ "default_event_rate": 0.0, "goal_base_rate": 0.0, "channels": {}, "annual_churn": 0.0 })).expect("scenario");
    let lines: Vec<_> = logins.iter().map(|at| json!({ "customer_id": customer.id, "type": "app_login", "time": rfc3339(*at) })).collect();
    let history = Arc::new(History::parse_ndjson(&ndjson(&lines)).expect("history"));
    let options = Options { days: 10, threads: 1, trace: Some(customer.id.clone()), history: Some(history), ..options };
    let report = simulate(journey, &Population::Given(std::slice::from_ref(customer)), &scenario, &options, &AtomicBool::new(false), &|_, _| {}).expect("simulate");
    report.trace.expect("trace").steps.iter().filter_map(|s| s.what.strip_prefix("nba chose ").map(str::to_string)).collect()
}

#[tokio::test]
async fn engine_logs_every_decision_and_the_simulator_decides_the_same() {
    each_backend(|db| async move {
        let store = db.store;
        let compiled = publish(&store).await;
        let customers = savers();
        let profiles: Vec<(String, String)> = customers.iter().map(|c| (c.id.clone(), serde_json::to_string(c).expect("json"))).collect();
        store.upsert_customers(&profiles, START_MS).await.expect("customers");
        let at = START_MS + 10 * HOUR;
        let processor = Processor::new(store.clone(), Clock::manual(at));
        processor.refresh_versions().await.expect("live versions");

        let mut chosen = std::collections::BTreeSet::new();
        for (i, c) in customers.iter().enumerate() {
            processor.ingest(&login(&format!("e{i}"), &c.id, at)).await.expect("ingest");
            let logged = store.customer_decisions(&c.id).await.expect("decisions");
            let simulated = simulated_choice(&compiled, c, at);
            match logged.as_slice() {
                [] => assert_eq!(simulated, None, "{}: the simulator decided but the engine did not (holdout differs?)", c.id),
                [d] => {
                    let logged_choice = d.chosen.clone().unwrap_or_else(|| "no offer".into());
                    assert_eq!(Some(logged_choice.clone()), simulated, "customer {}", c.id);
                    assert_eq!((d.journey_id.as_str(), d.version, d.node.as_str(), d.at), (NBA_JOURNEY, 1, "nba", at));
                    assert_eq!(d.ranking.len() + d.excluded.len(), 3, "every offer is ranked or excluded: {d:?}");
                    assert!(!d.reason.is_empty());
                    assert_eq!(d.scores.get("cross_sell_credit_card").copied().filter(|_| !d.ranking.is_empty()), (!d.ranking.is_empty()).then_some(c.cross_sell_credit_card));
                    assert!(d.model_versions.is_empty(), "no model is live: scores come with the profile");
                    chosen.insert(logged_choice);
                }
                more => panic!("one decision expected for {}, got {more:?}", c.id),
            }
        }
        assert!(chosen.len() >= 3, "customers got different offers or none: {chosen:?}");

        // An approved cross-sell model now scores the customer; the decision logs its version.
        let model = TrainedModel {
            kind: "cross_sell_credit_card".into(),
            model: LinearModel { link: Link::Logistic, features: vec!["age".into()], intercept: -1.0, coefficients: vec![0.5], mean: vec![40.0], scale: vec![10.0] },
            report: TrainingReport { rows: 100, train_rows: 75, test_rows: 25, positive_rate: 0.3, auc: Some(0.7), fit: None, calibration: Vec::new(), source: "test".into() },
            baselines: Vec::new(),
        };
        store.register_model(&model, "dana").await.expect("register");
        store.approve_model("cross_sell_credit_card@1", "rui", "fine").await.expect("approve");
        // Scored with from the engine's next refresh (`serve` refreshes every second).
        processor.refresh_versions().await.expect("refresh");
        // A newcomer eligible for the cashback card (age 60, tenure 24); the first id the
        // 10 % holdout does not keep out is decided.
        let mut logged = Vec::new();
        let mut newcomer = savers().remove(3);
        for n in 0..10 {
            newcomer.id = format!("N{n}");
            store.upsert_customers(&[(newcomer.id.clone(), serde_json::to_string(&newcomer).expect("json"))], START_MS).await.expect("customer");
            processor.ingest(&login(&format!("n{n}"), &newcomer.id, at)).await.expect("ingest");
            logged = store.customer_decisions(&newcomer.id).await.expect("decisions");
            if !logged.is_empty() {
                break;
            }
        }
        let expected = model.model.score_customer(&newcomer).expect("scores");
        // The simulator, given the approved models, decides as the engine did.
        let approved = Options { models: store.live_models().await.expect("models").into_iter().map(|m| m.model).collect(), ..Options::default() };
        assert_eq!(simulated_choices(&compiled, &newcomer, &[at], approved), vec![logged[0].chosen.clone().unwrap_or_else(|| "no offer".into())]);
        assert_eq!(logged.len(), 1, "a newcomer is treated and decided");
        assert_eq!(logged[0].model_versions.get("cross_sell_credit_card"), Some(&1));
        assert!((logged[0].ranking[0].propensity - expected).abs() < 1e-12, "{:?} vs {expected}", logged[0].ranking);
        assert!(store.score_customer(&newcomer.id, "cross_sell_credit_card").await.expect("score").expect("live").cached, "the engine filled the cache");
    })
    .await;
}

const DAY: i64 = 24 * HOUR;

/// A journey whose decision step offers a card from the shared catalogue (not defined in the
/// journey): each login re-enters, decides, and emails the chosen offer.
fn catalogue_journey() -> journeys_core::Journey {
    serde_json::from_value(json!({
        "format_version": 1, "id": "gold-card-nba", "name": "Gold card from the catalogue",
        "settings": { "entry": { "policy": "reenter_after", "days": 1 } },
        "catalogue_offers": ["gold-card"],
        "nodes": [
            { "id": "login", "stage": "cross_sell", "kind": "trigger", "event": "app_login" },
            { "id": "nba", "stage": "cross_sell", "kind": "decision", "offers": ["gold-card"], "objective": "profit" },
            { "id": "mail", "stage": "cross_sell", "kind": "action", "channel": "email", "purpose": "marketing", "content": "Your gold card", "offer": "gold-card" },
            { "id": "done", "stage": "cross_sell", "kind": "exit" },
            { "id": "nothing", "stage": "cross_sell", "kind": "exit" }
        ],
        "edges": [
            { "id": "e1", "from": "login", "port": "out", "to": "nba" },
            { "id": "e2", "from": "nba", "port": "gold-card", "to": "mail" },
            { "id": "e3", "from": "nba", "port": "none", "to": "nothing" },
            { "id": "e4", "from": "mail", "port": "out", "to": "done" }
        ]
    }))
    .expect("journey")
}

fn gold_card(value: f64) -> journeys_core::settings::Offer {
    serde_json::from_value(json!({
        "id": "gold-card", "name": "Gold card", "product": "credit_card", "channel": "email", "cost": 1.0, "value": value,
        "propensity_score": "cross_sell_credit_card", "eligibility": "customer.age >= 18",
        "contact_policy": { "max_ignores": 2, "window_days": 30 }
    }))
    .expect("offer")
}

#[tokio::test]
async fn catalogue_offers_decide_with_their_approved_version_and_ignored_offers_stop() {
    each_backend(|db| async move {
        let store = db.store;
        store.add_user("dana", Role::Designer, None).await.expect("designer");
        store.add_user("rui", Role::Reviewer, None).await.expect("reviewer");
        let version = store.submit(&catalogue_journey(), "dana").await.expect("a journey naming a catalogue offer is valid");
        store.approve(&version.reference(), "rui", "checked").await.expect("approve");
        store.submit_offer(&gold_card(100.0), "dana").await.expect("submit offer");
        // Publishing waits for the offer's approval.
        let refused = store.publish(&version.reference(), "rui").await.expect_err("no approved offer yet");
        assert!(refused.to_string().contains("gold-card") && format!("{refused:?}").contains("no approved version"), "{refused:?}");
        store.approve_offer("gold-card@1", "rui", "fine").await.expect("approve offer");
        store.publish(&version.reference(), "rui").await.expect("publish");

        let mut ignorer = customer("IGN", "UTC");
        ignorer.cross_sell_credit_card = 0.5;
        let mut answerer = ignorer.clone();
        answerer.id = "ANS".into();
        let profiles: Vec<(String, String)> = [&ignorer, &answerer].iter().map(|c| (c.id.clone(), serde_json::to_string(c).expect("json"))).collect();
        store.upsert_customers(&profiles, START_MS).await.expect("customers");
        let t0 = START_MS + 10 * HOUR;
        let processor = Processor::new(store.clone(), Clock::manual(t0));
        processor.refresh_versions().await.expect("live versions");

        // Logins two days apart; the answerer declines the first presentation (an answer, not an ignore).
        let mut events = Vec::new();
        for (day, id) in [(0, "1"), (2, "2"), (4, "3")] {
            for c in ["IGN", "ANS"] {
                events.push(login(&format!("{c}-{id}"), c, t0 + day * DAY));
            }
        }
        let declined = Event { id: "ANS-declined".into(), customer_id: "ANS".into(), event_type: "offer_declined".into(), time: t0 + HOUR, attributes: json!({ "offer": "gold-card" }), position: Position::Item(0) };
        events.insert(2, declined);
        for e in &events {
            processor.ingest(e).await.expect("ingest");
        }

        let chosen = |decisions: &[journeys_core::explain::DecisionRecord]| decisions.iter().map(|d| d.chosen.clone().unwrap_or_else(|| "-".into())).collect::<Vec<_>>();
        let ignorer_log = store.customer_decisions("IGN").await.expect("decisions");
        assert_eq!(chosen(&ignorer_log), ["gold-card", "gold-card", "-"], "{ignorer_log:#?}");
        assert_eq!(ignorer_log[2].excluded, vec![Excluded { offer: "gold-card".into(), why: Exclusion::ContactPolicy { ignores: 2, window_days: 30 } }]);
        assert_eq!(ignorer_log[0].offer_versions.get("gold-card"), Some(&1), "the log names the catalogue version");
        assert_eq!(ignorer_log[0].ranking[0].value, 100.0);
        let answerer_log = store.customer_decisions("ANS").await.expect("decisions");
        assert_eq!(chosen(&answerer_log), ["gold-card", "gold-card", "gold-card"], "a declined offer is not an ignored one: {answerer_log:#?}");
        // The simulator, given the same catalogue, presents and stops the same way.
        let compiled = CompiledJourney::new(catalogue_journey()).expect("compiles");
        let with_catalogue = Options { catalogue: Some(Arc::new(store.live_catalogue().await.expect("catalogue"))), ..Options::default() };
        assert_eq!(simulated_choices(&compiled, &ignorer, &[t0, t0 + 2 * DAY, t0 + 4 * DAY], with_catalogue), ["gold-card", "gold-card", "no offer"]);
        // Without the catalogue the offer is not there to choose.
        assert_eq!(simulated_choices(&compiled, &ignorer, &[t0], Options::default()), ["no offer"]);
        let mut ctx = ignorer.context(t0);
        let outcome = journeys_core::interpret::rank(&compiled, &["gold-card".to_string()], journeys_core::kinds::Objective::Profit, &mut ctx);
        assert_eq!(outcome.excluded, vec![Excluded { offer: "gold-card".into(), why: Exclusion::NotInCatalogue }]);
        let sent = store.customer_actions("IGN").await.expect("actions").iter().filter(|a| a.outcome == "sent").map(|a| a.offer.clone()).collect::<Vec<_>>();
        assert_eq!(sent, vec![Some("gold-card".to_string()); 2]);

        // A new approved version of the offer is used from the next refresh on.
        store.submit_offer(&gold_card(250.0), "dana").await.expect("submit v2");
        store.approve_offer("gold-card@2", "rui", "new value").await.expect("approve v2");
        processor.refresh_versions().await.expect("refresh");
        let mut newcomer = ignorer.clone();
        newcomer.id = "NEW".into();
        store.upsert_customers(&[(newcomer.id.clone(), serde_json::to_string(&newcomer).expect("json"))], START_MS).await.expect("customer");
        processor.ingest(&login("NEW-1", "NEW", t0 + 5 * DAY)).await.expect("ingest");
        let log = store.customer_decisions("NEW").await.expect("decisions");
        assert_eq!((log[0].ranking[0].value, log[0].offer_versions.get("gold-card")), (250.0, Some(&2)));
    })
    .await;
}
