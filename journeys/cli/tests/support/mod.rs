//! What the engine tests of the CLI share: a published template, customers with email
//! consent in London (email has no quiet hours), the sink's keys, free loopback ports.
#![allow(dead_code)]

use std::path::Path;

use journeys_store::{Role, Store};

/// A `journeys serve` process, killed when dropped: a failed assertion must not leave it
/// running after the test.
pub struct Engine(pub std::process::Child);

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub const JOURNEY: &str = "loan-application-abandonment";

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// Publish the template (dana submits, rui approves) and store customers `C000`… generated
/// from `seed`; returns them.
pub fn publish_template_for_customers(url: &str, customers: usize, seed: u64) -> Vec<journeys_core::population::Customer> {
    runtime().block_on(async {
        let store = Store::open(url).await.expect("store");
        store.add_user("dana", Role::Designer, None).await.expect("designer");
        store.add_user("rui", Role::Reviewer, None).await.expect("reviewer");
        let template = journeys_core::catalog::template(JOURNEY).expect("template");
        let v = store.submit(&journeys_core::template::instantiate(&template, JOURNEY), "dana").await.expect("submit");
        store.approve(&v.reference(), "rui", "ok").await.expect("approve");
        store.publish(&v.reference(), "rui").await.expect("publish");
        let customers: Vec<_> = (0..customers)
            .map(|i| {
                let mut c = journeys_core::population::generate_customer(seed, i as u64);
                c.id = format!("C{i:03}");
                c.time_zone = "Europe/London".into();
                c.consent_email = true;
                c
            })
            .collect();
        let rows: Vec<(String, String)> = customers.iter().map(|c| (c.id.clone(), serde_json::to_string(c).expect("json"))).collect();
        store.upsert_customers(&rows, 0).await.expect("customers");
        store.close().await;
        customers
    })
}

/// The idempotency keys in the sink's email file, in order.
pub fn sink_keys(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("email.ndjson")).unwrap_or_default();
    text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line")["idempotency_key"].as_str().expect("key").to_string()).collect()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// A fresh database named for `purpose` on the test server, or None (with the reason printed)
/// outside CI; under CI a missing server fails the test.
pub fn postgres_url_named(purpose: &str) -> Option<String> {
    let base = match std::env::var("JOURNEYS_TEST_POSTGRES_URL") {
        Ok(base) => base,
        Err(_) if std::env::var_os("CI").is_some() => panic!("CI must run the PostgreSQL tests: JOURNEYS_TEST_POSTGRES_URL is not set (run `cargo xtask test`)"),
        Err(_) => {
            eprintln!("skipping: JOURNEYS_TEST_POSTGRES_URL is not set (`cargo xtask test` starts a PostgreSQL server)");
            return None;
        }
    };
    let name = format!("journeys_{purpose}_{}", std::process::id());
    runtime().block_on(async {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(&base).await.expect("connect to test postgres");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
    });
    let (prefix, _) = base.rsplit_once('/').expect("postgres URL has a database path");
    Some(format!("{prefix}/{name}"))
}
