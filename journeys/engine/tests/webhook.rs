//! The signed webhook against a real HTTP receiver on loopback that misbehaves: it answers 500
//! to the first requests, hangs once past the engine's timeout, and refuses one customer for
//! good. Every email is retried until it lands exactly once, with a valid signature; the
//! refused one is set aside with the receiver's answer; other channels still reach the file
//! sink meanwhile.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use journeys_engine::webhook::{signature, WebhookConfig, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use journeys_engine::{Clock, Engine, EngineConfig};
use serde_json::json;
use support::*;

const SECRET: &str = "whsec_loopback_test_secret";

#[derive(Default)]
struct Receiver {
    requests: usize,
    hung_once: bool,
    /// Key → statuses answered, in order.
    answers: BTreeMap<String, Vec<u16>>,
    bad_signatures: usize,
}

async fn receive(State(receiver): State<Arc<Mutex<Receiver>>>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let key = header("idempotency-key");
    let hang = {
        let mut r = receiver.lock().expect("lock");
        r.requests += 1;
        if signature(SECRET, &header(TIMESTAMP_HEADER), &body) != header(SIGNATURE_HEADER) {
            r.bad_signatures += 1;
        }
        let hang = key.contains(":H2:") && !r.hung_once;
        r.hung_once |= hang;
        hang
    };
    if hang {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    let mut r = receiver.lock().expect("lock");
    let status = if r.requests <= 2 {
        StatusCode::INTERNAL_SERVER_ERROR
    } else if key.contains(":H3:") {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    r.answers.entry(key).or_default().push(status.as_u16());
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_retries_until_each_action_lands_once_and_sets_refusals_aside() {
    each_backend(|db| async move {
        let receiver = Arc::new(Mutex::new(Receiver::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let hook = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(Arc::clone(&receiver));
        let server = tokio::spawn(async move { axum::serve(listener, app).await });

        publish_template(&db.store).await;
        let clock = Clock::manual(T0);
        let sink = db.dir.path().join("sink");
        let webhook = WebhookConfig { url: hook, secret: SECRET.into(), channels: vec!["email".into()], timeout: Duration::from_millis(400) };
        let config = EngineConfig { listen: "127.0.0.1:0".into(), clock: clock.clone(), sink_dir: Some(sink.clone()), webhook: Some(webhook), ..EngineConfig::default() };
        let engine = Engine::start(db.store.clone(), config).await.expect("start");
        let addr = engine.local_addr();
        let customers: Vec<_> = (1..=3).map(|i| customer(&format!("H{i}"), "Europe/London")).collect();
        assert_eq!(post_json(addr, "/v1/customers", &json!(customers)).await.0, 200);
        let events: Vec<_> = (1..=3).map(|i| event(&format!("h{i}"), &format!("H{i}"), "application_abandoned", T0)).collect();
        assert_eq!(post_json(addr, "/v1/events", &json!(events)).await.0, 200);

        // The emails fall due an hour later; then time passes in minutes so retries come due.
        clock.set(T0 + 2 * HOUR);
        let store = db.store.clone();
        let mut now = T0 + 2 * HOUR;
        wait_for("every email delivered or set aside", Duration::from_secs(30), || {
            now += 60_000;
            clock.set(now);
            let store = store.clone();
            async move {
                let failed = store.failed_deliveries().await.expect("failed");
                let pending = store.undelivered(10).await.expect("undelivered");
                failed.len() == 1 && pending.iter().all(|r| r.channel != "email")
            }
        })
        .await;

        {
            let r = receiver.lock().expect("lock");
            assert_eq!(r.bad_signatures, 0, "every request is signed with the shared secret");
            let ok: Vec<&String> = r.answers.iter().filter(|(_, s)| s.contains(&200)).map(|(k, _)| k).collect();
            assert_eq!(ok, vec![&format!("{JOURNEY}@1:H1:email_resume:1"), &format!("{JOURNEY}@1:H2:email_resume:1")]);
            assert!(r.answers.values().all(|s| s.iter().filter(|c| **c == 200).count() <= 1), "nothing is delivered twice: {:?}", r.answers);
            assert!(r.answers.values().flatten().any(|c| *c == 500), "the receiver's errors were retried: {:?}", r.answers);
            assert!(r.hung_once, "the hanging request happened");
        }
        let failed = db.store.failed_deliveries().await.expect("failed");
        assert_eq!(failed[0].0, format!("{JOURNEY}@1:H3:email_resume:1"));
        assert!(failed[0].3.as_deref().is_some_and(|e| e.contains("422")), "{failed:?}");
        // No email went to the file sink: the webhook carries that channel.
        assert!(sink_lines(&sink).iter().all(|l| l["channel"] != "email"));

        // The SMS, a day later, reaches the file sink (the webhook does not carry that channel).
        clock.set(T0 + 26 * HOUR);
        wait_for("the SMS in the file sink", Duration::from_secs(20), || async { sink_lines(&sink).iter().filter(|l| l["channel"] == "sms").count() == 3 }).await;
        engine.shutdown().await;
        server.abort();
    })
    .await;
}
