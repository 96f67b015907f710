//! The bank's own customer data, end to end on SQLite and PostgreSQL: an admin applies a
//! customer schema; profiles posted as JSON and as CSV carry its attributes (checked and
//! converted, dates absolute); a journey whose condition reads them passes validation only
//! against that schema; and the engine routes every customer exactly as the simulator does,
//! with `days_since(customer.last_login_at)` growing as the clock moves.

mod support;

use std::time::Duration;

use journeys_core::customer_schema::CustomerSchema;
use journeys_core::interpret::CompiledJourney;
use journeys_core::population::Customer;
use journeys_engine::{Clock, Engine, EngineConfig};
use journeys_store::StoreError;
use serde_json::{json, Value};
use support::*;

const DAY: i64 = 24 * HOUR;

const SCHEMA: &str = r#"{"attributes": [
    {"name": "risk_band", "type": "enum", "values": ["low", "medium", "high"], "required": true, "description": "Credit risk band from the bank's scorecard"},
    {"name": "last_login_at", "type": "timestamp", "description": "Last online banking login"},
    {"name": "open_loans", "type": "integer"},
    {"name": "date_of_birth", "type": "date", "pii": true}
]}"#;

/// Wait ten days, then: high risk and no login for over 30 days → a service SMS; else exit.
fn journey() -> journeys_core::Journey {
    journeys_core::parse_journey(
        &json!({
            "format_version": 1, "id": "dormant-high-risk", "name": "Dormant high-risk customers",
            "nodes": [
                { "id": "start", "stage": "retain", "kind": "trigger", "event": "application_abandoned" },
                { "id": "wait", "stage": "retain", "kind": "wait", "duration": "10d" },
                { "id": "check", "stage": "retain", "kind": "condition", "expression": "customer.risk_band == \"high\" && days_since(customer.last_login_at) > 30 && customer.open_loans >= 1" },
                { "id": "call", "stage": "retain", "kind": "action", "channel": "sms", "purpose": "service", "content": "Please call us about your account" },
                { "id": "done", "stage": "retain", "kind": "exit" },
                { "id": "skip", "stage": "retain", "kind": "exit" }
            ],
            "edges": [
                { "id": "e1", "from": "start", "port": "out", "to": "wait" },
                { "id": "e2", "from": "wait", "port": "out", "to": "check" },
                { "id": "e3", "from": "check", "port": "true", "to": "call" },
                { "id": "e4", "from": "check", "port": "false", "to": "skip" },
                { "id": "e5", "from": "call", "port": "out", "to": "done" }
            ]
        })
        .to_string(),
    )
    .expect("journey")
}

/// The simulator's path for `customer` abandoning an application an hour after `start`.
fn simulated_path_after_abandoning(journey: &CompiledJourney, customer: &Customer, start: i64) -> Vec<String> {
    let history = journeys_core::simulate::History::parse_ndjson(&format!("{}\n", json!({ "customer_id": customer.id, "type": "application_abandoned", "time": rfc3339(start + HOUR) }))).expect("history");
    simulated_path(journey, customer, &std::sync::Arc::new(history), 20)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journey_routes_on_the_banks_own_attributes_in_the_engine_as_in_the_simulator() {
    let start = journeys_core::simulate::START_MS;
    let schema = CustomerSchema::parse(SCHEMA).expect("schema");
    each_backend(|db| {
        let schema = schema.clone();
        async move {
            let db = db;
            let store = &db.store;
            add_team(store).await;

            // Without the schema the journey reads attributes no profile has: refused at submit.
            let refused = store.submit(&journey(), "dana").await.expect_err("unknown attributes");
            assert!(refused.to_string().contains("customer.risk_band, which is not a known attribute"), "{refused}");
            let refused = store.apply_customer_schema(&schema, "dana").await.expect_err("designers may not");
            assert!(matches!(refused, StoreError::Forbidden { .. }), "{refused}");
            assert_eq!(store.apply_customer_schema(&schema, "ada").await.expect("apply"), 1);
            let reference = publish_journey(store, &journey()).await;

            // A published version reads risk_band: removing it, or retyping open_loans, is refused.
            let mut narrower = schema.clone();
            narrower.attributes.retain(|a| a.name != "risk_band");
            let refused = store.apply_customer_schema(&narrower, "ada").await.expect_err("breaks the live version");
            assert!(refused.to_string().contains(&format!("{reference} reads risk_band, which would be removed")), "{refused}");
            let mut wider = schema.clone();
            wider.attributes.push(serde_json::from_value(json!({ "name": "postcode", "type": "text", "pii": true })).expect("attribute"));
            assert_eq!(store.apply_customer_schema(&wider, "ada").await.expect("adding is allowed"), 2);
            let audit = store.audit_log().await.expect("audit");
            assert!(audit.iter().any(|e| e.action == "customer_schema_applied" && e.subject == "customer schema 2" && e.actor == "ada"), "audited");

            let clock = Clock::manual(start);
            let config = EngineConfig { listen: "127.0.0.1:0".into(), clock: clock.clone(), ..EngineConfig::default() };
            let engine = Engine::start(store.clone(), config).await.expect("start");
            let addr = engine.local_addr();

            // Logins 25 days before the start: not dormant at entry, dormant by the time the wait is over.
            let login = |days_before: i64| rfc3339(start - days_before * DAY);
            let with = |id: &str, attributes: Value| {
                let mut c = serde_json::to_value(customer(id, "Europe/London")).expect("customer");
                c["attributes"] = attributes;
                c
            };
            let posted = json!([
                with("H1", json!({ "risk_band": "high", "last_login_at": login(25), "open_loans": 2, "date_of_birth": "1980-02-29" })),
                with("H2", json!({ "risk_band": "high", "last_login_at": login(2), "open_loans": 1 })),
                with("L1", json!({ "risk_band": "low", "last_login_at": login(90), "open_loans": 3 })),
            ]);
            let (status, body) = post_json(addr, "/v1/customers", &posted).await;
            assert_eq!(status, 200, "{body}");
            // The same attributes as CSV columns of their own.
            let mut csv = Vec::new();
            journeys_core::population::write_csv(&[customer("H3", "Europe/London")], &mut csv).expect("csv");
            let csv = String::from_utf8(csv).expect("utf-8");
            let (header, row) = csv.trim_end().split_once('\n').expect("two lines");
            let csv = format!("{header},risk_band,last_login_at,open_loans\n{row},high,{},4\n", login(40));
            let (status, body) = request(addr, "POST", "/v1/customers", "text/csv", csv.as_bytes()).await;
            assert_eq!(status, 200, "{body}");

            // Values that do not fit are refused, naming the item and the attribute; nothing is written.
            for (bad, says) in [
                (with("X1", json!({ "risk_band": "extreme" })), "risk_band: \"extreme\" is not one of low, medium, high"),
                (with("X2", json!({ "risk_band": "low", "last_login_at": "last tuesday" })), "RFC 3339"),
                (with("X3", json!({ "risk_band": "low", "shoe_size": 44 })), "'shoe_size' is not an attribute of the customer schema"),
                (with("X4", json!({ "open_loans": 1 })), "risk_band is required"),
            ] {
                let (status, body) = post_json(addr, "/v1/customers", &json!([with("OK", json!({ "risk_band": "low" })), bad])).await;
                assert_eq!((status, body["item"].as_u64()), (400, Some(2)), "{body}");
                assert!(body["error"].as_str().is_some_and(|e| e.contains(says)), "{says}: {body}");
            }
            assert!(store.customer_profile("OK").await.expect("lookup").is_none(), "a refused batch writes nothing");

            clock.set(start + HOUR);
            for (i, id) in ["H1", "H2", "L1", "H3"].iter().enumerate() {
                let (status, body) = post_json(addr, "/v1/events", &json!([event(&format!("a{i}"), id, "application_abandoned", start + HOUR)])).await;
                assert_eq!(status, 200, "{body}");
            }
            clock.set(start + 12 * DAY);
            wait_for("every instance to finish", Duration::from_secs(20), || async {
                let mut done = true;
                for id in ["H1", "H2", "L1", "H3"] {
                    done &= store.customer_instances(id).await.map(|i| !i.is_empty() && i.iter().all(|i| i.status != "waiting")).unwrap_or(false);
                }
                done
            })
            .await;

            let compiled = CompiledJourney::with_schema(journey(), &wider).expect("compiles");
            let mut paths = std::collections::BTreeMap::new();
            for id in ["H1", "H2", "L1", "H3"] {
                let stored: Customer = serde_json::from_str(&store.customer_profile(id).await.expect("profile").expect("stored")).expect("customer");
                let (_, page) = get_json(addr, &format!("/v1/customers/{id}")).await;
                let engine_path: Vec<String> = page["instances"][0]["path"].as_array().expect("path").iter().filter_map(Value::as_str).map(str::to_string).collect();
                assert_eq!(engine_path, simulated_path_after_abandoning(&compiled, &stored, start), "customer {id}");
                paths.insert(id, engine_path.last().cloned().unwrap_or_default());
            }
            // H1 aged into dormancy during the wait; H2 logged in lately; L1 is low risk; H3 came by CSV.
            let expected = [("H1", "done"), ("H2", "skip"), ("L1", "skip"), ("H3", "done")].map(|(id, end)| (id, end.to_string()));
            assert_eq!(paths, expected.into_iter().collect(), "routed by the bank's attributes");
            let h1: Customer = serde_json::from_str(&store.customer_profile("H1").await.expect("profile").expect("stored")).expect("customer");
            assert_eq!(h1.attributes["date_of_birth"], json!(320_630_400_000_i64), "dates are stored absolute, in epoch ms");
            engine.shutdown().await;
        }
    })
    .await;
}

/// Update steps keep the bank's attributes (and standard ones that are not profile fields,
/// such as `tags`) on the stored profile, where the next event's conditions read them; a value
/// that does not fit the schema is refused at submit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_steps_keep_the_banks_attributes_for_later_events() {
    let review = |band: &str| {
        journeys_core::parse_journey(
            &json!({
                "format_version": 1, "id": "risk-review", "name": "Risk review",
                "settings": { "entry": { "policy": "reenter_after", "days": 1 } },
                "nodes": [
                    { "id": "login", "stage": "retain", "kind": "trigger", "event": "app_login" },
                    { "id": "high", "stage": "retain", "kind": "condition", "expression": "customer.risk_band == \"high\"" },
                    { "id": "lower", "stage": "retain", "kind": "update", "attribute": "risk_band", "value": band },
                    { "id": "tag", "stage": "retain", "kind": "update", "attribute": "tags", "value": ["reviewed"] },
                    { "id": "reviewed", "stage": "retain", "kind": "exit" },
                    { "id": "fine", "stage": "retain", "kind": "exit" }
                ],
                "edges": [
                    { "id": "e1", "from": "login", "port": "out", "to": "high" },
                    { "id": "e2", "from": "high", "port": "true", "to": "lower" },
                    { "id": "e3", "from": "high", "port": "false", "to": "fine" },
                    { "id": "e4", "from": "lower", "port": "out", "to": "tag" },
                    { "id": "e5", "from": "tag", "port": "out", "to": "reviewed" }
                ]
            })
            .to_string(),
        )
        .expect("journey")
    };
    let schema = CustomerSchema::parse(SCHEMA).expect("schema");
    each_backend(|db| {
        let schema = schema.clone();
        async move {
            let db = db;
            let store = &db.store;
            add_team(store).await;
            store.apply_customer_schema(&schema, "ada").await.expect("apply");
            let refused = store.submit(&review("extreme"), "dana").await.expect_err("not a risk band");
            assert!(refused.to_string().contains("update 'lower' sets risk_band: \"extreme\" is not one of low, medium, high"), "{refused}");
            publish_journey(store, &review("medium")).await;

            let mut c = serde_json::to_value(customer("R1", "UTC")).expect("customer");
            c["attributes"] = json!({ "risk_band": "high" });
            let clock = Clock::manual(T0);
            let engine = Engine::start(store.clone(), EngineConfig { listen: "127.0.0.1:0".into(), clock: clock.clone(), ..EngineConfig::default() }).await.expect("start");
            let addr = engine.local_addr();
            let (status, body) = post_json(addr, "/v1/customers", &json!([c])).await;
            assert_eq!(status, 200, "{body}");
            let (status, body) = post_json(addr, "/v1/events", &json!([event("l1", "R1", "app_login", T0)])).await;
            assert_eq!(status, 200, "{body}");
            let stored: Customer = serde_json::from_str(&store.customer_profile("R1").await.expect("read").expect("profile")).expect("customer");
            assert_eq!((&stored.attributes["risk_band"], &stored.attributes["tags"]), (&json!("medium"), &json!(["reviewed"])), "both updates kept");

            // Two days later the same journey reads the lowered band.
            clock.set(T0 + 2 * DAY);
            let (status, body) = post_json(addr, "/v1/events", &json!([event("l2", "R1", "app_login", T0 + 2 * DAY)])).await;
            assert_eq!(status, 200, "{body}");
            let (_, page) = get_json(addr, "/v1/customers/R1").await;
            let ends: Vec<&str> = page["instances"].as_array().expect("instances").iter().filter_map(|i| i["path"].as_array()?.last()?.as_str()).collect();
            assert_eq!(ends, vec!["fine"], "the second visit takes the other branch: {page}");
            engine.shutdown().await;
        }
    })
    .await;
}
