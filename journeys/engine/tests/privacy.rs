//! A customer's rights on SQLite and PostgreSQL: after the engine has run a journey for them,
//! an export holds their profile and every row about them; an admin's erasure removes the
//! personal data, keeps the outcomes the reports count, withdraws undelivered messages and is
//! audited under a hash of the id, never the id.

mod support;

use journeys_engine::{Clock, Engine, EngineConfig};
use journeys_store::{Role, StoreError};
use serde_json::json;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_holds_everything_and_erasure_removes_the_personal_data() {
    each_backend(|db| async move {
        let db = db;
        let store = &db.store;
        publish_template(store).await;
        store.add_user("ada", Role::Admin, None).await.expect("admin");
        let clock = Clock::manual(T0);
        let engine = Engine::start(store.clone(), EngineConfig { listen: "127.0.0.1:0".into(), clock: clock.clone(), ..EngineConfig::default() }).await.expect("start");
        let addr = engine.local_addr();
        let mut person = customer("P1", "Europe/London");
        person.email = "p1@example.test".into();
        let (status, body) = post_json(addr, "/v1/customers", &json!([person, customer("P2", "Europe/London")])).await;
        assert_eq!(status, 200, "{body}");
        for id in ["P1", "P2"] {
            let (status, body) = post_json(addr, "/v1/events", &json!([event(&format!("a-{id}"), id, "application_abandoned", T0)])).await;
            assert_eq!(status, 200, "{body}");
        }
        // An hour later the first email is due: logged and queued (no sink, so undelivered).
        clock.set(T0 + 2 * HOUR);
        wait_for("the first email", std::time::Duration::from_secs(10), || async { store.customer_actions("P1").await.map(|a| !a.is_empty()).unwrap_or(false) }).await;
        engine.shutdown().await;

        let export = store.customer_export("P1").await.expect("export").expect("held");
        assert_eq!(export.profile.as_ref().and_then(|p| p["email"].as_str()), Some("p1@example.test"));
        for table in ["events", "instances", "action_log", "outbox"] {
            assert!(export.held.get(table).is_some_and(|rows| !rows.is_empty()), "{table} in the export: {:?}", export.held.keys());
        }
        let payload = export.held["outbox"][0]["payload"].as_str().expect("payload").to_string();
        assert!(payload.contains("Pick up your loan application"), "{payload}");

        let refused = store.erase_customer("P1", "dana").await.expect_err("designers may not");
        assert!(matches!(refused, StoreError::Forbidden { .. }), "{refused}");
        let erasure = store.erase_customer("P1", "ada").await.expect("erase");
        assert_eq!((erasure.removed.get("customers"), erasure.removed.get("events"), erasure.removed.get("outbox")), (Some(&1), Some(&1), Some(&1)), "{erasure:?}");
        assert!(store.customer_profile("P1").await.expect("lookup").is_none());
        assert!(store.customer_instances("P1").await.expect("instances").is_empty());
        let after = store.customer_export("P1").await.expect("export").expect("the outcomes stay");
        assert!(after.profile.is_none() && !after.held.contains_key("events") && !after.held.contains_key("outbox"), "{:?}", after.held.keys());
        let actions = &after.held["action_log"];
        assert!(actions.iter().all(|a| a["request"] == "{}" && a["outcome"].as_str().is_some()), "outcomes kept, requests blanked: {actions:?}");

        // The other customer is untouched, and the audit names a hash, not the id.
        assert!(store.customer_profile("P2").await.expect("lookup").is_some());
        assert_eq!(store.customer_actions("P2").await.expect("actions").len(), 1);
        let audit = store.audit_log().await.expect("audit");
        let entry = audit.iter().find(|e| e.action == "customer_erased").expect("audited");
        assert_eq!((entry.subject.as_str(), entry.actor.as_str()), (journeys_store::pseudonym("P1").as_str(), "ada"));
        assert!(audit.iter().all(|e| !e.subject.contains("P1") && !e.detail.contains("P1")), "no personal data in the audit");
        assert_eq!(store.verify_audit().await.expect("chain intact"), audit.len());
    })
    .await;
}
