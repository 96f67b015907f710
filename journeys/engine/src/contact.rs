//! Governing one contact a journey asked for and writing what became of it: the action log
//! always, the outbox when it may be sent. Order: journey paused → consent (core) → the
//! suppression list → quiet hours deferral and frequency caps across all journeys (core's
//! `governance::judge`) → cross-journey arbitration. Mandatory service messages skip caps and
//! arbitration, never consent or the suppression list.

use journeys_core::governance::{judge, Request, Verdict};
use journeys_core::expr::Context;
use journeys_core::kinds::{Channel, Purpose};
use journeys_core::offers::{offer_history, OfferContact, Response};
use journeys_core::population::Customer;
use journeys_store::{ActionRow, EngineTx, OutboxRow};
use serde::{Deserialize, Serialize};

use crate::live::LiveVersion;
use crate::EngineError;

/// Why a contact was not sent beyond what core's governance says.
pub const PAUSED: &str = "journey_paused";
pub const RETIRED: &str = "journey_retired";
pub const SUPPRESSION_LIST: &str = "suppression_list";
pub const ARBITRATION: &str = "arbitration";
/// Two journeys never both contact a customer within this window (marketing contacts): the
/// later one is suppressed. Within one event, journeys act in priority order, so the
/// higher-priority journey is the one that gets through.
pub const ARBITRATION_WINDOW_MS: i64 = 24 * 3_600_000;

/// What the action node asked for; kept with a deferral so it can be judged again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRequest {
    pub channel: Channel,
    pub purpose: Option<Purpose>,
    pub mandatory: bool,
    pub offer: Option<String>,
    pub content: String,
    pub cost: f64,
}

/// The customer as governance needs them, with the contacts already sent (any journey).
pub struct Recipient {
    pub customer: Customer,
    pub zone: chrono_tz::Tz,
    /// (time, channel) of every contact sent, for frequency caps.
    pub history: Vec<(i64, Channel)>,
    /// (time, journey) of the same contacts, for arbitration.
    pub senders: Vec<(i64, String)>,
    /// Channels (or `*`) on the suppression list.
    pub suppressed: Vec<String>,
    /// The live model version behind each score in `customer` (scores without one came with the profile).
    pub model_versions: std::collections::BTreeMap<String, i64>,
    /// Every offer presented to the customer and how they answered, for contact policies.
    pub offers: Vec<OfferContact>,
}

impl Recipient {
    pub async fn load(tx: &mut EngineTx, mut customer: Customer) -> Result<Recipient, EngineError> {
        let model_versions = crate::decisions::apply_live_scores(tx, &mut customer).await?;
        let sent = tx.sent_history(&customer.id).await?;
        let history = sent.iter().filter_map(|s| Some((s.at, Channel::from_key(&s.channel)?))).collect();
        let presented: Vec<(i64, String)> = sent.iter().filter_map(|s| Some((s.at, s.offer.clone()?))).collect();
        // Answers only matter for offers that were presented: most customers cost no query.
        let offers = if presented.is_empty() { Vec::new() } else { offer_history(&presented, &tx.offer_answers(&customer.id).await?) };
        let senders = sent.into_iter().map(|s| (s.at, s.journey_id)).collect();
        let suppressed = tx.suppressed_channels(&customer.id).await?;
        let zone = customer.time_zone.parse().unwrap_or(chrono_tz::UTC);
        Ok(Recipient { customer, zone, history, senders, suppressed, model_versions, offers })
    }

    /// The expression context for a step at `at`: the profile, and the offer history for
    /// contact policies.
    pub fn context(&self, at: i64) -> Context {
        let mut ctx = self.customer.context(at);
        if !self.offers.is_empty() {
            ctx.set_offer_history(self.offers.clone());
        }
        ctx
    }

    /// Apply a stored profile update to the customer in hand (scores from live models stay).
    pub fn set_attribute(&mut self, attribute: &str, value: &serde_json::Value, known: bool) {
        // The store applied the same rule to the stored profile, so this cannot refuse it.
        let _ = self.customer.update(attribute, value, known);
    }

    fn on_suppression_list(&self, channel: Channel) -> bool {
        self.suppressed.iter().any(|c| c == "*" || c == channel.key())
    }

    /// Another journey contacted the customer within the arbitration window before `at`.
    fn contacted_by_another(&self, journey_id: &str, at: i64) -> bool {
        self.senders.iter().any(|(when, by)| by != journey_id && *when > at - ARBITRATION_WINDOW_MS && *when <= at)
    }
}

/// Where the contact comes from: the version (None when it is no longer live) and the key.
pub struct Origin<'a> {
    pub journey_id: &'a str,
    pub version: i64,
    pub live: Option<&'a LiveVersion>,
    pub node: &'a str,
    pub key: &'a str,
}

/// The stable delivery key of the `visit`-th contact by `node` for this customer.
pub fn idempotency_key(journey_id: &str, version: i64, customer_id: &str, node: &str, visit: u32) -> String {
    format!("{journey_id}@{version}:{customer_id}:{node}:{visit}")
}

/// Judge and record one contact at `at`.
pub async fn govern(tx: &mut EngineTx, recipient: &mut Recipient, origin: &Origin<'_>, request: &ContactRequest, at: i64) -> Result<(), EngineError> {
    let verdict = match origin.live {
        None => Err(RETIRED.to_string()),
        Some(live) if live.paused => Err(PAUSED.to_string()),
        Some(live) => {
            let consents = recipient.customer.consents_to(request.channel, request.purpose);
            let settings = &live.compiled.journey().settings;
            let asked = Request { channel: request.channel, purpose: request.purpose, mandatory: request.mandatory };
            let service = request.mandatory && request.purpose == Some(Purpose::Service);
            if consents && recipient.on_suppression_list(request.channel) {
                Err(SUPPRESSION_LIST.to_string())
            } else {
                match judge(asked, consents, settings, recipient.zone, &recipient.history, at) {
                    Verdict::Send if !service && recipient.contacted_by_another(origin.journey_id, at) => Err(ARBITRATION.to_string()),
                    Verdict::Send => Ok(None),
                    Verdict::Defer(until) => Ok(Some(until)),
                    Verdict::Suppress(reason) => Err(serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| format!("{reason:?}"))),
                }
            }
        }
    };
    let request_json = serde_json::to_string(request).map_err(|e| crate::error::corrupt("contact request", e))?;
    let mut row = ActionRow {
        seq: 0,
        customer_id: recipient.customer.id.clone(),
        journey_id: origin.journey_id.to_string(),
        version: origin.version,
        node: origin.node.to_string(),
        idempotency_key: origin.key.to_string(),
        channel: request.channel.key().to_string(),
        outcome: String::new(),
        reason: None,
        at,
        due_at: None,
        pending: false,
        request: request_json,
        offer: request.offer.clone(),
    };
    match verdict {
        Err(reason) => {
            tracing::debug!(key = origin.key, %reason, "contact suppressed");
            row.outcome = "suppressed".into();
            row.reason = Some(reason);
            tx.log_action(&row).await?;
        }
        Ok(Some(until)) => {
            tracing::debug!(key = origin.key, until, "contact deferred for quiet hours");
            row.outcome = "deferred".into();
            row.reason = Some("quiet_hours".into());
            row.due_at = Some(until);
            row.pending = true;
            tx.log_action(&row).await?;
        }
        Ok(None) => {
            row.outcome = "sent".into();
            tx.log_action(&row).await?;
            recipient.history.push((at, request.channel));
            recipient.senders.push((at, origin.journey_id.to_string()));
            if let Some(offer) = &request.offer {
                recipient.offers.push(OfferContact { offer: offer.clone(), at, response: Response::Ignored });
            }
            let payload = serde_json::json!({
                "content": request.content,
                "purpose": request.purpose,
                "offer": request.offer,
                "mandatory": request.mandatory,
                "at": at,
            });
            let queued = tx
                .enqueue(&OutboxRow {
                    seq: 0,
                    idempotency_key: origin.key.to_string(),
                    channel: row.channel.clone(),
                    customer_id: row.customer_id.clone(),
                    journey_id: row.journey_id.clone(),
                    version: row.version,
                    node: row.node.clone(),
                    payload: payload.to_string(),
                    created_at: at,
                    delivered_at: None,
                    attempts: 0,
                })
                .await?;
            if !queued {
                tracing::warn!(key = origin.key, "idempotency key already queued; not queued twice");
            }
        }
    }
    Ok(())
}
