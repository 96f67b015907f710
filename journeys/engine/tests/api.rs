//! The engine end to end over real HTTP on 127.0.0.1, on SQLite and PostgreSQL: a published
//! template journey, customers and events posted, timers crossed on a hand-set clock, actions
//! delivered to the file sink with their idempotency keys, and every suppression recorded.

mod support;

use std::time::Duration;

use journeys_engine::{Clock, Engine, EngineConfig};
use serde_json::{json, Value};
use support::*;

fn config(clock: &Clock, sink: &std::path::Path) -> EngineConfig {
    EngineConfig { listen: "127.0.0.1:0".into(), sink_dir: Some(sink.to_path_buf()), clock: clock.clone(), ..EngineConfig::default() }
}

fn key(customer: &str, node: &str) -> String {
    format!("{JOURNEY}@1:{customer}:{node}:1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_journey_runs_end_to_end() {
    each_backend(|db| async move {
        publish_template(&db.store).await;
        let clock = Clock::manual(T0);
        let sink = db.dir.path().join("sink");
        let engine = Engine::start(db.store.clone(), config(&clock, &sink)).await.expect("start");
        let addr = engine.local_addr();

        let mut no_email = customer("C2", "Europe/London");
        no_email.consent_email = false;
        let customers = json!([customer("C1", "Europe/London"), no_email, customer("C3", "Pacific/Auckland")]);
        let (status, body) = post_json(addr, "/v1/customers", &customers).await;
        assert_eq!((status, body["accepted"].as_u64()), (200, Some(3)), "{body}");

        // C2 completes the application an hour after the first (suppressed) email.
        let events = [
            event("e1", "C1", "application_abandoned", T0),
            event("e2", "C2", "application_abandoned", T0),
            event("e3", "C2", "application_completed", T0 + 2 * HOUR),
            event("e4", "C3", "application_abandoned", T0),
        ];
        let (status, body) = request(addr, "POST", "/v1/events", "application/x-ndjson", ndjson(&events).as_bytes()).await;
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).expect("json");
        assert_eq!((body["accepted"].as_u64(), body["duplicates"].as_u64()), (Some(4), Some(0)));

        // Four days later every wait is over: email after 1 h, sms after 1 more day, push after 2 more.
        clock.set(T0 + 5 * 24 * HOUR);
        wait_for("six deliveries", Duration::from_secs(20), || async { sink_lines(&sink).len() >= 6 }).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let lines = sink_lines(&sink);
        let mut expected = vec![
            key("C1", "email_resume"),
            key("C1", "push_resume"),
            key("C1", "sms_resume"),
            key("C3", "email_resume"),
            key("C3", "push_resume"),
            key("C3", "sms_resume"),
        ];
        expected.sort();
        assert_eq!(keys(&lines), expected);
        let sms = std::fs::read_to_string(sink.join("sms.ndjson")).expect("sms file");
        let first: Value = serde_json::from_str(sms.lines().next().expect("a line")).expect("json");
        assert_eq!(first["channel"], "sms");
        assert_eq!(first["journey"], JOURNEY);
        assert_eq!(first["version"], 1);
        assert_eq!(first["node"], "sms_resume");
        assert_eq!(first["content"], "Your loan application is saved. Finish it in 2 minutes.");

        // C2: the email was suppressed for consent, then the goal ended the journey.
        let (status, page) = get_json(addr, "/v1/customers/C2").await;
        assert_eq!(status, 200);
        let actions = page["actions"].as_array().expect("actions");
        assert_eq!(actions.len(), 1, "{page}");
        assert_eq!((actions[0]["node"].as_str(), actions[0]["outcome"].as_str(), actions[0]["reason"].as_str()), (Some("email_resume"), Some("suppressed"), Some("no_consent")));
        assert_eq!((page["instances"][0]["status"].as_str(), page["instances"][0]["node"].as_str()), (Some("exited"), Some("exit_done")));
        assert_eq!(page["instances"][0]["path"], json!(["start", "wait_1h", "email_resume", "wait_1d", "completed", "exit_done"]));

        // C3 in Auckland: sms and push fall in quiet hours there and are deferred, then sent.
        let (_, page) = get_json(addr, "/v1/customers/C3").await;
        let outcomes: Vec<(String, String)> =
            page["actions"].as_array().expect("actions").iter().map(|a| (a["node"].as_str().unwrap_or("").into(), a["outcome"].as_str().unwrap_or("").into())).collect();
        let pairs: Vec<(&str, &str)> = outcomes.iter().map(|(n, o)| (n.as_str(), o.as_str())).collect();
        assert_eq!(
            pairs,
            vec![("email_resume", "sent"), ("sms_resume", "deferred"), ("sms_resume", "sent"), ("push_resume", "deferred"), ("push_resume", "sent")],
            "{page}"
        );
        assert_eq!(page["actions"][1]["reason"], "quiet_hours");

        let (status, metrics) = request(addr, "GET", "/metrics", "text/plain", b"").await;
        assert_eq!(status, 200);
        assert!(metrics.contains("journeys_events_accepted_total 4"), "{metrics}");
        assert!(metrics.contains("journeys_actions{outcome=\"suppressed\",reason=\"no_consent\"} 1"), "{metrics}");
        assert!(metrics.contains("journeys_actions{outcome=\"sent\",reason=\"\"} 6"), "{metrics}");
        assert!(metrics.contains("journeys_instances{status=\"exited\"} 3"), "{metrics}");
        engine.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_event_ids_are_accepted_once() {
    each_backend(|db| async move {
        publish_template(&db.store).await;
        let clock = Clock::manual(T0);
        let sink = db.dir.path().join("sink");
        let engine = Engine::start(db.store.clone(), config(&clock, &sink)).await.expect("start");
        let addr = engine.local_addr();
        post_json(addr, "/v1/customers", &json!([customer("C1", "Europe/London")])).await;
        let e1 = event("e1", "C1", "application_abandoned", T0);
        let (_, body) = post_json(addr, "/v1/events", &json!([e1, e1])).await;
        assert_eq!((body["accepted"].as_u64(), body["duplicates"].as_u64()), (Some(1), Some(1)), "{body}");
        let (_, body) = post_json(addr, "/v1/events", &json!([e1])).await;
        assert_eq!((body["accepted"].as_u64(), body["duplicates"].as_u64()), (Some(0), Some(1)));
        assert_eq!(db.store.event_count().await.expect("count"), 1);
        clock.set(T0 + 2 * HOUR);
        wait_for("the email", Duration::from_secs(10), || async { !sink_lines(&sink).is_empty() }).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(keys(&sink_lines(&sink)), vec![key("C1", "email_resume")], "one entry, one email");
        engine.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_json_errors_and_write_nothing() {
    each_backend(|db| async move {
        publish_template(&db.store).await;
        let clock = Clock::manual(T0);
        let sink = db.dir.path().join("sink");
        let engine = Engine::start(db.store.clone(), EngineConfig { body_limit: 4096, ..config(&clock, &sink) }).await.expect("start");
        let addr = engine.local_addr();
        post_json(addr, "/v1/customers", &json!([customer("C1", "Europe/London")])).await;

        let (status, body) = request(addr, "POST", "/v1/events", "application/json", b"[{\"id\": ").await;
        let body: Value = serde_json::from_str(&body).expect("json error body");
        assert_eq!(status, 400);
        assert!(body["error"].as_str().is_some_and(|e| e.contains("not a JSON array")), "{body}");

        let good = event("e1", "C1", "application_abandoned", T0).to_string();
        let ndjson = format!("{good}\n{{\"id\":\"e2\",\"customer_id\":\"C1\",\"type\":\"x\",\"time\":\"not a time\"}}\n");
        let (status, body) = request(addr, "POST", "/v1/events", "application/x-ndjson", ndjson.as_bytes()).await;
        let body: Value = serde_json::from_str(&body).expect("json error body");
        assert_eq!((status, body["line"].as_u64()), (400, Some(2)), "{body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("e2") && e.contains("RFC 3339")), "{body}");

        let (status, body) = post_json(addr, "/v1/events", &json!([event("e1", "C1", "application_abandoned", T0), event("e9", "NOBODY", "application_abandoned", T0)])).await;
        assert_eq!((status, body["item"].as_u64()), (422, Some(2)), "{body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("'e9'") && e.contains("NOBODY")), "{body}");

        let big = format!("[{}]", vec![good.as_str(); 100].join(","));
        let (status, body) = request(addr, "POST", "/v1/events", "application/json", big.as_bytes()).await;
        assert_eq!(status, 413, "{body}");
        assert!(serde_json::from_str::<Value>(&body).expect("json error body")["error"].is_string());

        let (status, body) = request(addr, "POST", "/v1/events", "text/csv", b"a,b").await;
        assert_eq!(status, 415, "{body}");
        let mut csv = Vec::new();
        journeys_core::population::write_csv(&[customer("C7", "Europe/London"), customer("C8", "Mars/Olympus")], &mut csv).expect("csv");
        let (status, body) = request(addr, "POST", "/v1/customers", "text/csv", &csv).await;
        let body: Value = serde_json::from_str(&body).expect("json error body");
        assert_eq!((status, body["line"].as_u64()), (400, Some(3)), "{body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("Mars/Olympus")), "{body}");
        let (status, body) = post_json(addr, "/v1/customers", &json!([{ "id": "C9" }])).await;
        assert_eq!((status, body["item"].as_u64()), (400, Some(1)), "{body}");
        let (status, body) = get_json(addr, "/v1/customers/NOBODY").await;
        assert_eq!((status, body["error"].is_string()), (404, true));
        let (status, body) = get_json(addr, "/v1/nothing").await;
        assert_eq!((status, body["error"].is_string()), (404, true));

        assert_eq!(db.store.event_count().await.expect("count"), 0, "nothing was written");
        assert!(db.store.customer_instances("C1").await.expect("instances").is_empty());
        assert!(db.store.customer_profile("C9").await.expect("profile").is_none());
        assert!(db.store.customer_profile("C7").await.expect("profile").is_none(), "a bad CSV row keeps the good ones out too");
        engine.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_versions_are_picked_up_and_paused_ones_stop_contacting() {
    each_backend(|db| async move {
        let clock = Clock::manual(T0);
        let sink = db.dir.path().join("sink");
        let engine = Engine::start(db.store.clone(), config(&clock, &sink)).await.expect("start");
        let addr = engine.local_addr();
        post_json(addr, "/v1/customers", &json!([customer("C1", "Europe/London"), customer("C2", "Europe/London")])).await;

        // Published while the engine runs: live within a second.
        let reference = publish_template(&db.store).await;
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        post_json(addr, "/v1/events", &json!([event("e1", "C1", "application_abandoned", T0)])).await;
        assert_eq!(db.store.customer_instances("C1").await.expect("instances").len(), 1, "entered the new version");

        db.store.pause(&reference, "rui").await.expect("pause");
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        post_json(addr, "/v1/events", &json!([event("e2", "C2", "application_abandoned", T0)])).await;
        assert!(db.store.customer_instances("C2").await.expect("instances").is_empty(), "no entries into a paused version");

        clock.set(T0 + 2 * HOUR);
        wait_for("the suppression", Duration::from_secs(10), || async {
            let (_, page) = get_json(addr, "/v1/customers/C1").await;
            page["actions"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
        let (_, page) = get_json(addr, "/v1/customers/C1").await;
        assert_eq!((page["actions"][0]["outcome"].as_str(), page["actions"][0]["reason"].as_str()), (Some("suppressed"), Some(journeys_engine::PAUSED)));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(sink_lines(&sink).is_empty(), "nothing delivered while paused");
        engine.shutdown().await;
    })
    .await;
}
