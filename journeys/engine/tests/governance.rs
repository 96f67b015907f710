//! Governance the engine adds to core's: the suppression list (after consent, before quiet
//! hours and caps) and cross-journey arbitration (two journeys never both contact a customer
//! within a day; the higher-priority one wins when they would at once). Through the HTTP API.

mod support;

use journeys_engine::{Clock, Engine, EngineConfig};
use journeys_store::Store;
use serde_json::json;
use support::*;

/// Publish a copy of the loan template under `id` with `priority` and no frequency caps (so
/// only arbitration can hold a contact back).
async fn publish_uncapped(store: &Store, id: &str, priority: u32) {
    let template = journeys_core::catalog::template(JOURNEY).expect("template");
    let mut journey = journeys_core::template::instantiate(&template, id);
    journey.settings.priority = priority;
    journey.settings.frequency_caps.clear();
    let version = store.submit(&journey, "dana").await.expect("submit");
    store.approve(&version.reference(), "rui", "checked").await.expect("approve");
    store.publish(&version.reference(), "rui").await.expect("publish");
}

/// (journey, node, outcome[:reason]) of every action on the customer page, sorted.
fn outcomes(page: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut all: Vec<(String, String, String)> = page["actions"].as_array().expect("actions").iter().map(|a| (a["journey"].as_str().unwrap_or("").to_string(), a["node"].as_str().unwrap_or("").to_string(), format!("{}{}", a["outcome"].as_str().unwrap_or(""), a["reason"].as_str().map(|r| format!(":{r}")).unwrap_or_default()))).collect();
    all.sort();
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suppression_list_and_arbitration_hold_contacts_back_with_their_reasons() {
    each_backend(|db| async move {
        db.store.add_user("dana", journeys_store::Role::Designer, None).await.expect("designer");
        db.store.add_user("rui", journeys_store::Role::Reviewer, None).await.expect("reviewer");
        publish_uncapped(&db.store, "loan-gentle", 50).await;
        publish_uncapped(&db.store, "loan-urgent", 90).await;
        let clock = Clock::manual(T0);
        let config = EngineConfig { listen: "127.0.0.1:0".into(), clock: clock.clone(), ..EngineConfig::default() };
        let engine = Engine::start(db.store.clone(), config).await.expect("start");
        let addr = engine.local_addr();
        let mut no_consent = customer("G3", "Europe/London");
        no_consent.consent_email = false;
        let customers = json!([customer("G1", "Europe/London"), customer("G2", "Europe/London"), no_consent]);
        assert_eq!(post_json(addr, "/v1/customers", &customers).await.0, 200);

        // Bad entries are refused whole, naming the item.
        let (status, body) = post_json(addr, "/v1/suppressions", &json!([{ "customer_id": "G1", "channel": "email", "reason": "complaint open" }, { "customer_id": "G2", "channel": "pigeon", "reason": "x" }])).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("unknown channel 'pigeon'")) && body["item"] == 2, "{body}");
        let (status, body) = post_json(addr, "/v1/suppressions", &json!([{ "customer_id": "G1", "channel": "email", "reason": "" }])).await;
        assert_eq!(status, 400, "{body}");

        let entries = json!([
            { "customer_id": "G1", "channel": "email", "reason": "complaint open" },
            { "customer_id": "G3", "reason": "legal hold" },
        ]);
        assert_eq!(post_json(addr, "/v1/suppressions", &entries).await, (200, json!({ "accepted": 2 })));

        let events: Vec<_> = ["G1", "G2", "G3"].iter().map(|c| event(&format!("g-{c}"), c, "application_abandoned", T0)).collect();
        assert_eq!(post_json(addr, "/v1/events", &json!(events)).await.0, 200);
        clock.set(T0 + 2 * HOUR);
        let store = db.store.clone();
        wait_for("the emails judged", std::time::Duration::from_secs(20), || async {
            ["G1", "G2", "G3"].iter().all(|c| judged_twice(&store, c))
        })
        .await;

        let page = |id: &'static str| async move { get_json(addr, &format!("/v1/customers/{id}")).await.1 };
        // G1: email on the list (both journeys), nothing else was due yet.
        let g1 = page("G1").await;
        assert_eq!(outcomes(&g1), vec![
            ("loan-gentle".into(), "email_resume".into(), "suppressed:suppression_list".into()),
            ("loan-urgent".into(), "email_resume".into(), "suppressed:suppression_list".into()),
        ]);
        assert_eq!(g1["suppressions"][0]["reason"], "complaint open");
        // G2: both journeys email at the same moment: the priority-90 one gets through.
        assert_eq!(outcomes(&page("G2").await), vec![
            ("loan-gentle".into(), "email_resume".into(), "suppressed:arbitration".into()),
            ("loan-urgent".into(), "email_resume".into(), "sent".into()),
        ]);
        // G3: no email consent and on the list for everything: consent is the reason given.
        assert_eq!(outcomes(&page("G3").await), vec![
            ("loan-gentle".into(), "email_resume".into(), "suppressed:no_consent".into()),
            ("loan-urgent".into(), "email_resume".into(), "suppressed:no_consent".into()),
        ]);

        // A day later the SMS: G1 gets it (only email is suppressed); G3 (every channel) does not.
        clock.set(T0 + 26 * HOUR);
        wait_for("the SMS judged", std::time::Duration::from_secs(20), || async { db.store.customer_actions("G3").await.map(|a| a.len() >= 4).unwrap_or(false) }).await;
        let g1 = outcomes(&page("G1").await);
        assert!(g1.contains(&("loan-urgent".into(), "sms_resume".into(), "sent".into())), "{g1:?}");
        let g3 = outcomes(&page("G3").await);
        assert!(g3.contains(&("loan-urgent".into(), "sms_resume".into(), "suppressed:suppression_list".into())), "{g3:?}");
        engine.shutdown().await;
    })
    .await;
}

/// Two actions judged for the customer (one per journey).
fn judged_twice(store: &Store, customer: &str) -> bool {
    let store = store.clone();
    let customer = customer.to_string();
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(async move { store.customer_actions(&customer).await.map(|a| a.len() >= 2).unwrap_or(false) }))
}
