//! The signed webhook connector: each action is POSTed as JSON to the bank's endpoint with
//!
//! - `Idempotency-Key`: the action's stable key (a receiver that sees it twice keeps one),
//! - `X-Journeys-Timestamp`: Unix seconds when the request was signed,
//! - `X-Journeys-Signature`: `v1=` + hex HMAC-SHA256 over `"{timestamp}.{body}"` with the shared
//!   secret, so the receiver can check origin and integrity and refuse replays of old requests.
//!
//! A 2xx answer is delivery. Timeouts, connection errors, 408, 429 and 5xx are worth retrying;
//! any other 4xx is a refusal that retrying cannot fix.

use std::time::Duration;

use hmac::{Hmac, Mac};
use journeys_store::OutboxRow;
use sha2::Sha256;

use crate::sink::action_json;

pub const SIGNATURE_HEADER: &str = "x-journeys-signature";
pub const TIMESTAMP_HEADER: &str = "x-journeys-timestamp";

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: String,
    pub secret: String,
    /// The channels whose actions go to this endpoint.
    pub channels: Vec<String>,
    pub timeout: Duration,
}

/// Why an attempt did not deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Try again later.
    Retry(String),
    /// The receiver refused it; retrying will not help.
    Refused(String),
}

pub struct Webhook {
    config: WebhookConfig,
    client: reqwest::Client,
}

impl Webhook {
    pub fn new(config: WebhookConfig) -> Result<Webhook, String> {
        let client = reqwest::Client::builder().timeout(config.timeout).build().map_err(|e| format!("webhook client: {e}"))?;
        Ok(Webhook { config, client })
    }

    pub fn channels(&self) -> &[String] {
        &self.config.channels
    }

    pub async fn deliver(&self, row: &OutboxRow, now_seconds: i64) -> Result<(), Failure> {
        let body = action_json(row).to_string();
        let timestamp = now_seconds.to_string();
        let response = self
            .client
            .post(&self.config.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &row.idempotency_key)
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(SIGNATURE_HEADER, signature(&self.config.secret, &timestamp, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| Failure::Retry(if e.is_timeout() { format!("no answer within {:?}", self.config.timeout) } else { format!("cannot reach {}: {e}", self.config.url) }))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text: String = response.text().await.unwrap_or_default().chars().take(200).collect();
        let message = format!("{} answered {status}: {text}", self.config.url);
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(Failure::Retry(message))
        } else {
            Err(Failure::Refused(message))
        }
    }
}

/// `v1=` + hex HMAC-SHA256(secret, "{timestamp}.{body}").
pub fn signature(secret: &str, timestamp: &str, body: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference computed independently (Python's `hmac` module):
    /// `hmac.new(b"whsec_test", b'1768208400.{"idempotency_key":"j@1:C1:n:1"}', sha256)`.
    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        let body = r#"{"idempotency_key":"j@1:C1:n:1"}"#;
        assert_eq!(signature("whsec_test", "1768208400", body), "v1=d8871255745c879280fcd997b574afc86aa5bd5c8833b1c2fc8ce13d66b4b8cf");
        assert_ne!(signature("whsec_test", "1768208401", body), signature("whsec_test", "1768208400", body), "the timestamp is signed");
        assert_ne!(signature("whsec_tesT", "1768208400", body), signature("whsec_test", "1768208400", body), "the secret matters");
    }
}
