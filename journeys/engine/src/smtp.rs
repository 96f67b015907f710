//! The email connector: each email action is sent over SMTP (lettre) to the address in the
//! customer's stored profile (`email`), read when the action is delivered so a changed address
//! is used. The message carries the action's idempotency key as its `Message-ID` and in
//! `X-Journeys-Idempotency-Key`, so a mail system that sees a retried message twice can keep one.
//!
//! The server's 2xx is delivery. Connection errors, timeouts and 4xx replies are retried; a 5xx
//! reply, or a customer without a usable address, is a refusal that retrying cannot fix.

use std::time::Duration;

use lettre::message::{header, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use journeys_store::{OutboxRow, Store};

use crate::sink::action_json;
use crate::webhook::Failure;

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// `smtp://host:port` (plain, or `?tls=required` for STARTTLS) or `smtps://host:port`,
    /// optionally with `user:password@`.
    pub url: String,
    /// The sender, e.g. `Bank <news@bank.example>`.
    pub from: String,
    pub timeout: Duration,
}

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    pub fn new(config: &SmtpConfig) -> Result<Smtp, String> {
        let from: Mailbox = config.from.parse().map_err(|e| format!("--smtp-from '{}': {e}", config.from))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url).map_err(|e| format!("--smtp-url: {e}"))?.timeout(Some(config.timeout)).build();
        Ok(Smtp { transport, from })
    }

    pub async fn deliver(&self, store: &Store, row: &OutboxRow) -> Result<(), Failure> {
        let to = recipient(store, &row.customer_id).await?;
        let action = action_json(row);
        let content = action["content"].as_str().unwrap_or_default().to_string();
        // The first line of the content is the subject; the whole content is the body.
        let subject = content.lines().next().unwrap_or_default().chars().take(120).collect::<String>();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{}@journeys>", row.idempotency_key.replace(['<', '>', '@', ' '], "_"))))
            .header(header::ContentType::TEXT_PLAIN)
            .header(IdempotencyKey(row.idempotency_key.clone()))
            .body(content)
            .map_err(|e| Failure::Refused(format!("cannot build the message: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(Failure::Refused(format!("SMTP server refused: {e}"))),
            Err(e) => Err(Failure::Retry(format!("SMTP: {e}"))),
        }
    }
}

/// The customer's address from their stored profile.
async fn recipient(store: &Store, customer_id: &str) -> Result<Mailbox, Failure> {
    let profile = store.customer_profile(customer_id).await.map_err(|e| Failure::Retry(format!("cannot read the profile: {e}")))?;
    let profile: serde_json::Value = profile.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or_default();
    let address = profile.get("email").and_then(|e| e.as_str()).unwrap_or_default();
    if address.is_empty() {
        return Err(Failure::Refused(format!("customer '{customer_id}' has no email address in the profile")));
    }
    address.parse().map_err(|e| Failure::Refused(format!("customer '{customer_id}': email '{}' is not an address: {e}", address.chars().take(80).collect::<String>())))
}

/// `X-Journeys-Idempotency-Key`: the action's stable key.
#[derive(Debug, Clone)]
struct IdempotencyKey(String);

impl header::Header for IdempotencyKey {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("X-Journeys-Idempotency-Key")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(IdempotencyKey(s.to_string()))
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), self.0.clone())
    }
}
