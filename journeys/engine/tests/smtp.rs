//! The SMTP connector against a real SMTP server on loopback (Python's aiosmtpd, storing what
//! it receives in a Maildir): emails wait while the server is down and go out once it is up,
//! each once, to the profile's address, carrying the idempotency key; a customer without an
//! address is set aside with the reason.

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use journeys_engine::smtp::SmtpConfig;
use journeys_engine::{Clock, Engine, EngineConfig};
use serde_json::json;
use support::*;

/// The Debian python3 with the `python3-aiosmtpd` package (`cargo xtask test` installs it).
const PYTHON: &str = "/usr/bin/python3";

fn aiosmtpd_available() -> bool {
    Command::new(PYTHON).args(["-c", "import aiosmtpd"]).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

struct SmtpServer(Child);

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(port: u16, maildir: &Path) -> SmtpServer {
    let child = Command::new(PYTHON)
        .args(["-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .args(["-l", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start aiosmtpd");
    SmtpServer(child)
}

/// Every message in the Maildir, as its raw text.
fn messages(maildir: &Path) -> Vec<String> {
    let new: PathBuf = maildir.join("new");
    std::fs::read_dir(new).map(|entries| entries.flatten().filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect()).unwrap_or_default()
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(": ")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_go_out_over_smtp_once_each_after_the_server_comes_up() {
    if !aiosmtpd_available() {
        // Under `cargo xtask test|pgtest` (which install it) a missing server is a failure.
        assert!(std::env::var_os("JOURNEYS_TEST_POSTGRES_URL").is_none(), "{PYTHON} cannot import aiosmtpd, which `cargo xtask` installs (python3-aiosmtpd)");
        eprintln!("skipped: {PYTHON} cannot import aiosmtpd (install python3-aiosmtpd, or run `cargo xtask test`)");
        return;
    }
    each_backend(|db| async move {
        publish_template(&db.store).await;
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let maildir = db.dir.path().join("maildir");
        let clock = Clock::manual(T0);
        let smtp = SmtpConfig { url: format!("smtp://127.0.0.1:{port}"), from: "Bank <news@bank.example>".into(), timeout: Duration::from_secs(5) };
        let sink = db.dir.path().join("sink");
        let config = EngineConfig { listen: "127.0.0.1:0".into(), clock: clock.clone(), sink_dir: Some(sink), smtp: Some(smtp), ..EngineConfig::default() };
        let engine = Engine::start(db.store.clone(), config).await.expect("start");
        let addr = engine.local_addr();
        let mut customers = Vec::new();
        for i in 1..=3 {
            let mut c = customer(&format!("M{i}"), "Europe/London");
            if i < 3 {
                c.email = format!("m{i}@customers.example");
            }
            customers.push(c);
        }
        assert_eq!(post_json(addr, "/v1/customers", &json!(customers)).await.0, 200);
        let events: Vec<_> = (1..=3).map(|i| event(&format!("m{i}"), &format!("M{i}"), "application_abandoned", T0)).collect();
        assert_eq!(post_json(addr, "/v1/events", &json!(events)).await.0, 200);
        clock.set(T0 + 2 * HOUR);

        // The server is down: the emails wait, each with its failed attempt on record.
        let store = db.store.clone();
        wait_for("a failed attempt while the server is down", Duration::from_secs(20), || {
            let store = store.clone();
            async move { store.undelivered(10).await.expect("outbox").iter().any(|r| r.channel == "email" && r.attempts > 0) }
        })
        .await;
        assert!(messages(&maildir).is_empty());

        let _server = start_server(port, &maildir);
        let mut now = T0 + 2 * HOUR;
        wait_for("two emails delivered and one set aside", Duration::from_secs(30), || {
            now += 60_000;
            clock.set(now);
            let store = store.clone();
            let maildir = maildir.clone();
            async move { messages(&maildir).len() == 2 && store.failed_deliveries().await.expect("failed").len() == 1 }
        })
        .await;
        // A few more relay rounds: nothing is sent twice.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut received: Vec<(String, String, String)> = messages(&maildir)
            .iter()
            .map(|m| (header(m, "To").unwrap_or_default().to_string(), header(m, "X-Journeys-Idempotency-Key").unwrap_or_default().to_string(), header(m, "From").unwrap_or_default().to_string()))
            .collect();
        received.sort();
        assert_eq!(
            received,
            vec![
                ("m1@customers.example".to_string(), format!("{JOURNEY}@1:M1:email_resume:1"), "Bank <news@bank.example>".to_string()),
                ("m2@customers.example".to_string(), format!("{JOURNEY}@1:M2:email_resume:1"), "Bank <news@bank.example>".to_string()),
            ]
        );
        let failed = db.store.failed_deliveries().await.expect("failed");
        assert_eq!(failed[0].0, format!("{JOURNEY}@1:M3:email_resume:1"));
        assert!(failed[0].3.as_deref().is_some_and(|e| e.contains("customer 'M3' has no email address")), "{failed:?}");
        engine.shutdown().await;
    })
    .await;
}
