//! A fuzz harness of our own: seeded hostile requests against every route and content type,
//! on SQLite and PostgreSQL. For every request: no 5xx; every refusal is JSON with an
//! `error`, and its status is one `openapi.json` lists for that route; a refused request
//! writes nothing; and at the end the engine still answers and processes a good event.
//!
//! The seed is fixed so CI is repeatable. To search longer:
//! `JOURNEYS_FUZZ_SEED=7 JOURNEYS_FUZZ_CASES=5000 cargo xtask pgtest -p journeys-engine --test hostile`.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use journeys_engine::{Clock, Engine, EngineConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use support::*;

const DEFAULT_SEED: u64 = 20_261_208;
const DEFAULT_CASES: usize = 400;
/// Small enough that oversized bodies are cheap to send.
const BODY_LIMIT: usize = 256 * 1024;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// (method, route template) → the statuses the document lists.
fn documented_statuses() -> BTreeMap<(String, String), BTreeSet<u16>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json")).expect("openapi.json");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let statuses = op["responses"].as_object().expect("responses").keys().map(|k| k.parse().expect("numeric status")).collect();
            out.insert((method.to_uppercase(), path.clone()), statuses);
        }
    }
    out
}

/// One hostile request.
struct Case {
    method: &'static str,
    /// The concrete path sent.
    path: String,
    /// The documented route it falls under, if any.
    route: Option<&'static str>,
    content_type: String,
    body: Vec<u8>,
    what: String,
}

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/x-ndjson",
    "text/csv",
    "text/plain",
    "application/xml",
    "multipart/form-data; boundary=x",
    "application/json; charset=utf-16",
    "APPLICATION/JSON",
    "",
    "application/x-www-form-urlencoded",
];

fn good_event(rng: &mut ChaCha8Rng) -> Value {
    let n: u32 = rng.random();
    json!({ "id": format!("fz-{n}"), "customer_id": "C1", "type": "application_abandoned", "time": rfc3339(T0), "attributes": { "amount": 12.5 } })
}

fn good_customer(id: &str) -> Value {
    serde_json::to_value(customer(id, "Europe/London")).expect("customer JSON")
}

fn good_suppression() -> Value {
    json!({ "customer_id": "C1", "channel": "sms", "reason": "complaint open" })
}

/// Text no database should be asked to keep, and text that is merely odd.
fn nasty_text(rng: &mut ChaCha8Rng) -> String {
    let pieces = ["\u{0}", "a\u{0}b", "\u{1}\u{2}", "\u{7f}", "\u{85}", "\t", "\r\n", "\u{feff}", "\u{202e}rtl", "'; DROP TABLE events; --", "%00", "\\u0000", "😀", "  "];
    let mut s = String::new();
    for _ in 0..rng.random_range(1..4) {
        s.push_str(pieces[rng.random_range(0..pieces.len())]);
    }
    if rng.random_bool(0.1) {
        s.push_str(&"x".repeat(rng.random_range(150..5000)));
    }
    s
}

/// Put hostile text (or a hostile value) into one random field of a JSON object.
fn poison(rng: &mut ChaCha8Rng, mut item: Value) -> Value {
    let Value::Object(map) = &mut item else { return item };
    let keys: Vec<String> = map.keys().cloned().collect();
    let key = keys[rng.random_range(0..keys.len())].clone();
    let replacement = match rng.random_range(0..8) {
        0 => json!(1e300),
        1 => json!(-9_223_372_036_854_775_808i64),
        2 => Value::Null,
        3 => json!({ nasty_text(rng): nasty_text(rng) }),
        4 => json!([nasty_text(rng)]),
        _ => Value::String(nasty_text(rng)),
    };
    if key == "attributes" && rng.random_bool(0.5) {
        map.insert(key, json!({ "note": nasty_text(rng), nasty_text(rng): 1 }));
    } else {
        map.insert(key, replacement);
    }
    item
}

fn encode(items: &[Value], ndjson: bool) -> Vec<u8> {
    if ndjson {
        items.iter().map(|i| format!("{i}\n")).collect::<String>().into_bytes()
    } else {
        Value::Array(items.to_vec()).to_string().into_bytes()
    }
}

fn percent_encoded(rng: &mut ChaCha8Rng) -> String {
    let fixed = ["%ff%fe", "%c0%af", "%ed%a0%80", "a%00b", "%00", "%0a", "%7f", "C1%00", "..%2f..%2fetc", "%e2%80%ae", "C1", "%20", "C%31"];
    if rng.random_bool(0.5) {
        return fixed[rng.random_range(0..fixed.len())].to_string();
    }
    (0..rng.random_range(1..30)).map(|_| format!("%{:02x}", rng.random::<u8>())).collect()
}

fn body_for(rng: &mut ChaCha8Rng, item: &dyn Fn(&mut ChaCha8Rng) -> Value, ndjson: bool) -> (Vec<u8>, String) {
    match rng.random_range(0..11) {
        0 => ((0..rng.random_range(0..2000)).map(|_| rng.random()).collect(), "random bytes".into()),
        1 => {
            let mut body = encode(&[item(rng)], ndjson);
            let at = rng.random_range(0..body.len());
            let bad: &[u8] = [&b"\xff\xfe"[..], b"\xc0\xaf", b"\xed\xa0\x80", b"\x80"][rng.random_range(0..4)];
            body.splice(at..at, bad.iter().copied());
            (body, "invalid UTF-8".into())
        }
        2 => {
            let depth = rng.random_range(100..50_000);
            let open = if rng.random_bool(0.5) { "[" } else { "{\"a\":" };
            let close = if open == "[" { "]" } else { "}" };
            ((open.repeat(depth) + close.repeat(depth).as_str()).into_bytes(), format!("nesting {depth} deep"))
        }
        3 => (format!("[{{\"id\":\"big\",\"customer_id\":\"C1\",\"type\":\"t\",\"time\":{}}}]", "9".repeat(rng.random_range(20..400))).into_bytes(), "huge number".into()),
        4 => {
            let size = rng.random_range(BODY_LIMIT / 2..BODY_LIMIT * 2);
            (format!("[{{\"id\":\"{}\"}}]", "x".repeat(size)).into_bytes(), format!("string of {size} bytes"))
        }
        5 => {
            let body = encode(&(0..rng.random_range(1..20)).map(|_| item(rng)).collect::<Vec<_>>(), ndjson);
            let cut = rng.random_range(1..body.len());
            (body[..cut].to_vec(), format!("truncated at {cut}"))
        }
        6 => {
            let count = rng.random_range(100..400);
            let bad = rng.random_range(0..count);
            let mut items: Vec<Value> = (0..count).map(|_| item(rng)).collect();
            items[bad] = poison(rng, items[bad].clone());
            let mut body = encode(&items, true);
            if rng.random_bool(0.3) {
                body.extend_from_slice(b"{not json\n");
            }
            (body, format!("NDJSON, item {} of {count} poisoned", bad + 1))
        }
        7 => (b"id,segment\nC9,mass\n".to_vec(), "CSV with missing columns".into()),
        8 => {
            let header = "id,segment,country,time_zone,age,tenure_months,products,balance,savings_balance,credit_limit,salary_day,last_activity_days_ago,card_activated,policy_renewal_in_days,channel_preference,consent_email,consent_sms,consent_push,consent_in_app,consent_whatsapp,churn,activation,cross_sell_credit_card,cross_sell_savings,cross_sell_personal_loan,cross_sell_insurance,cross_sell_investments,clv,extra";
            (format!("{header}\nC9,mass,GB,Europe/London,30,12,current_account,1,2,3,25,4,true,100,email,true,true,true,true,true,0.1,0.2,0.1,0.1,0.1,0.1,0.1,1000,surplus,more\n").into_bytes(), "CSV with extra columns".into())
        }
        9 => (b"".to_vec(), "empty body".into()),
        _ => {
            let items: Vec<Value> = (0..rng.random_range(1..5))
                .map(|_| {
                    let good = item(rng);
                    poison(rng, good)
                })
                .collect();
            (encode(&items, ndjson), "poisoned fields".into())
        }
    }
}

fn case(rng: &mut ChaCha8Rng) -> Case {
    let content_type = if rng.random_bool(0.7) { ["application/json", "application/x-ndjson", "text/csv"][rng.random_range(0..3)] } else { CONTENT_TYPES[rng.random_range(0..CONTENT_TYPES.len())] }.to_string();
    let ndjson = content_type == "application/x-ndjson";
    let post = |route: &'static str, item: &dyn Fn(&mut ChaCha8Rng) -> Value, rng: &mut ChaCha8Rng, content_type: String| {
        let (body, what) = body_for(rng, item, ndjson);
        Case { method: "POST", path: route.into(), route: Some(route), content_type, body, what }
    };
    match rng.random_range(0..9) {
        0 | 1 => post("/v1/events", &good_event, rng, content_type),
        2 | 3 => post("/v1/customers", &|rng: &mut ChaCha8Rng| good_customer(&format!("N{}", rng.random::<u16>())), rng, content_type),
        4 => post("/v1/suppressions", &|_: &mut ChaCha8Rng| good_suppression(), rng, content_type),
        5 | 6 => {
            let path = format!("/v1/customers/{}", percent_encoded(rng));
            Case { method: "GET", what: format!("GET {path}"), path, route: Some("/v1/customers/{id}"), content_type, body: Vec::new() }
        }
        7 => {
            let route = ["/v1/health", "/metrics"][rng.random_range(0..2)];
            let query = if rng.random_bool(0.5) { format!("?{}", percent_encoded(rng)) } else { String::new() };
            Case { method: "GET", path: format!("{route}{query}"), route: Some(route), content_type, body: Vec::new(), what: "probe with a query".into() }
        }
        _ => {
            let method = ["GET", "PUT", "DELETE", "PATCH", "POST"][rng.random_range(0..5)];
            let path = format!("/{}", percent_encoded(rng));
            Case { method, what: format!("{method} {path}"), path, route: None, content_type, body: Vec::new() }
        }
    }
}

/// Everything a request could have written, in a comparable form.
async fn written(url: &str) -> Vec<String> {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    let mut out = Vec::new();
    for (table, columns) in [
        ("customers", "id, profile"),
        ("events", "id, customer_id, type, attributes"),
        ("suppressions", "customer_id, channel, reason"),
        ("instances", "customer_id, journey_id, node, status"),
        ("action_log", "customer_id, node, outcome"),
        ("outbox", "idempotency_key, channel"),
    ] {
        let rows = sqlx::query(&format!("SELECT {columns} FROM {table} ORDER BY 1, 2")).fetch_all(&mut conn).await.expect(table);
        for row in rows {
            let cells: Vec<String> = (0..row.len()).map(|i| row.try_get::<String, _>(i).unwrap_or_default()).collect();
            out.push(format!("{table}: {}", cells.join(" | ")));
        }
    }
    conn.close().await.expect("close");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_json_refusals_and_change_nothing() {
    let seed = setting("JOURNEYS_FUZZ_SEED", DEFAULT_SEED);
    let cases = usize::try_from(setting("JOURNEYS_FUZZ_CASES", DEFAULT_CASES as u64)).expect("cases");
    let documented = documented_statuses();
    each_backend(|db| {
        let documented = documented.clone();
        async move {
            // The whole of `db`, so its temporary directory lives as long as the test.
            let db = db;
            publish_template(&db.store).await;
            let clock = Clock::manual(T0);
            let config = EngineConfig { listen: "127.0.0.1:0".into(), clock: clock.clone(), body_limit: BODY_LIMIT, ..EngineConfig::default() };
            let engine = Engine::start(db.store.clone(), config).await.expect("start");
            let addr = engine.local_addr();
            let (status, body) = post_json(addr, "/v1/customers", &json!([good_customer("C1")])).await;
            assert_eq!(status, 200, "{body}");

            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut before = written(&db.url).await;
            let mut refused = BTreeMap::<u16, usize>::new();
            for n in 0..cases {
                let case = case(&mut rng);
                let (status, body) = request(addr, case.method, &case.path, &case.content_type, &case.body).await;
                let at = format!("seed {seed} case {n}: {} {} ({}, {}): {status} {}", case.method, case.path, case.content_type, case.what, body.chars().take(300).collect::<String>());
                assert!((200..500).contains(&status), "no 5xx (and an answer): {at}");
                let after = written(&db.url).await;
                if status >= 400 {
                    *refused.entry(status).or_default() += 1;
                    let parsed: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("a refusal is JSON: {at}"));
                    assert!(parsed["error"].as_str().is_some_and(|e| !e.is_empty()), "a refusal says what is wrong: {at}");
                    assert_eq!(before, after, "a refused request writes nothing: {at}");
                    if let Some(route) = case.route {
                        let listed = documented.get(&(case.method.to_string(), route.to_string())).expect("documented route");
                        assert!(listed.contains(&status), "openapi.json lists {status} for {} {route}: {at}", case.method);
                    }
                }
                before = after;
            }
            eprintln!("seed {seed}: {cases} hostile requests, refusals by status {refused:?}");
            assert!(refused.len() >= 4, "the generator reaches several kinds of refusal: {refused:?}");

            // Still healthy: it answers, and a good event goes through.
            let (status, _) = get_json(addr, "/v1/health").await;
            assert_eq!(status, 200);
            let (status, body) = post_json(addr, "/v1/events", &json!([event("after-fuzz", "C1", "application_abandoned", T0)])).await;
            assert_eq!((status, body["accepted"].as_u64()), (200, Some(1)), "{body}");
            engine.shutdown().await;
        }
    })
    .await;
}

/// The three classes the issue found, each pinned on both databases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_that_is_not_utf8_and_a_nul_anywhere_are_json_refusals() {
    each_backend(|db| async move {
        let config = EngineConfig { listen: "127.0.0.1:0".into(), clock: Clock::manual(T0), ..EngineConfig::default() };
        let engine = Engine::start(db.store.clone(), config).await.expect("start");
        let addr = engine.local_addr();
        for path in ["/v1/customers/%ff%fe", "/v1/customers/%c0%af", "/v1/customers/%ed%a0%80"] {
            let (status, body) = request(addr, "GET", path, "application/json", b"").await;
            let parsed: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: JSON, got {body}"));
            assert_eq!(status, 400, "{path}: {body}");
            assert!(parsed["error"].as_str().is_some_and(|e| e.contains("UTF-8")), "{path}: {parsed}");
        }
        let (status, body) = get_json(addr, "/v1/customers/a%00b").await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("NUL")), "{body}");

        let (status, body) = post_json(addr, "/v1/customers", &json!([good_customer("C1"), good_customer("C\u{0}2")])).await;
        assert_eq!((status, body["item"].as_u64()), (400, Some(2)), "{body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("id contains a NUL")), "{body}");
        let mut odd = customer("C3", "Europe/London");
        odd.segment = "mass\u{0}".into();
        let (status, body) = post_json(addr, "/v1/customers", &json!([odd])).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("customer.segment")), "{body}");
        let (status, body) = post_json(addr, "/v1/customers", &json!([good_customer("C1")])).await;
        assert_eq!(status, 200, "{body}");

        let lines = format!("{}\n{}\n", event("e1", "C1", "t", T0), json!({ "id": "e2", "customer_id": "C1", "type": "t\u{0}", "time": rfc3339(T0) }));
        let (status, body) = request(addr, "POST", "/v1/events", "application/x-ndjson", lines.as_bytes()).await;
        let body: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!((status, body["line"].as_u64()), (400, Some(2)), "{body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("type contains a NUL")), "{body}");
        let (status, body) = post_json(addr, "/v1/events", &json!([{ "id": "e3", "customer_id": "C1", "type": "t", "time": rfc3339(T0), "attributes": { "note": "a\u{0}" } }])).await;
        assert!(status == 400 && body["error"].as_str().is_some_and(|e| e.contains("attributes.note")), "{status} {body}");
        let (status, body) = post_json(addr, "/v1/suppressions", &json!([{ "customer_id": "C1", "reason": "x\u{0}y" }])).await;
        assert!(status == 400 && body["error"].as_str().is_some_and(|e| e.contains("reason contains a NUL")), "{status} {body}");
        assert_eq!(db.store.event_count().await.expect("count"), 0, "nothing of the refused batches was stored");

        // The store refuses the same text whoever calls it (the app, the CLI), on both databases.
        let refused = db.store.upsert_customers(&[("C\u{0}".into(), "{}".into())], 0).await.expect_err("NUL id");
        assert!(matches!(refused, journeys_store::StoreError::BadText(_)), "{refused}");
        let refused = db.store.add_suppressions(&[("C1".into(), "*".into(), "a\u{0}".into())], 0).await.expect_err("NUL reason");
        assert!(refused.to_string().contains("reason contains a NUL"), "{refused}");
        engine.shutdown().await;
    })
    .await;
}
