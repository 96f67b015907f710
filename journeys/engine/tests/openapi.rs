//! `openapi.json` documents exactly the routes the server answers: every documented operation
//! is answered (not the 404/405 fallbacks), every other method on a documented path is 405,
//! and the router's route table equals the document's.

mod support;

use std::collections::BTreeSet;

use journeys_engine::{http::ROUTES, Clock, Engine, EngineConfig};
use support::*;

fn documented() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json")).expect("openapi.json");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "OpenAPI 3");
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            routes.insert((method.to_uppercase(), path.clone()));
        }
    }
    routes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_documented_and_every_documented_route_answers() {
    let served: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(served, documented());

    let dir = tempfile::tempdir().expect("dir");
    let store = journeys_store::Store::open(&journeys_store::sqlite_url_for(&dir.path().join("e.db"))).await.expect("store");
    store.upsert_customers(&[("C1".into(), serde_json::to_string(&customer("C1", "Europe/London")).expect("json"))], 0).await.expect("customer");
    let config = EngineConfig { listen: "127.0.0.1:0".into(), clock: Clock::manual(T0), ..EngineConfig::default() };
    let engine = Engine::start(store, config).await.expect("start");
    let addr = engine.local_addr();
    for (method, path) in &served {
        let concrete = path.replace("{id}", "C1");
        let (status, body) = request(addr, method, &concrete, "application/json", if method == "POST" { b"[]" } else { b"" }).await;
        assert_eq!(status, 200, "{method} {concrete}: {body}");
        for other in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if !served.contains(&(other.to_string(), path.clone())) {
                let (status, body) = request(addr, other, &concrete, "application/json", b"").await;
                assert_eq!(status, 405, "{other} {concrete} is not documented, so it must not be served: {body}");
            }
        }
    }
    engine.shutdown().await;
}
