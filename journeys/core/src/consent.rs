//! Consent per channel and purpose, with when and where it was given or withdrawn. A profile
//! keeps every change (`Customer::consent_log`); the latest change for a channel and purpose
//! decides, and without one the profile's channel flags do (as before consent was recorded).
//! `unsubscribed` and `consent_changed` events change consent in the engine's transaction, so
//! the next contact sees it; the simulator applies replayed `unsubscribed` events the same way.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kinds::{Channel, Purpose};

/// The event types that change consent.
pub const UNSUBSCRIBED: &str = "unsubscribed";
pub const CONSENT_CHANGED: &str = "consent_changed";

/// One change of consent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentChange {
    /// `None`: every channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    pub purpose: Purpose,
    pub given: bool,
    /// Epoch ms.
    pub at: i64,
    /// Where it came from: the event type, or the `source` attribute the bank sent.
    pub source: String,
}

impl ConsentChange {
    fn covers(&self, channel: Channel, purpose: Purpose) -> bool {
        self.channel.is_none_or(|c| c == channel) && self.purpose == purpose
    }
}

/// The consent change an event carries, if it is a consent event: `unsubscribed` (attributes
/// `channel`, absent or `*` for every channel, and `purpose`, marketing by default) or
/// `consent_changed` (`channel`, `purpose` and `given` required). `source` is optional on both.
pub fn change_of(event_type: &str, attributes: &Value, at: i64) -> Option<Result<ConsentChange, String>> {
    let given = match event_type {
        UNSUBSCRIBED => None,
        CONSENT_CHANGED => Some(attributes.get("given")),
        _ => return None,
    };
    Some(read_change(event_type, attributes, given, at))
}

fn read_change(event_type: &str, attributes: &Value, given: Option<Option<&Value>>, at: i64) -> Result<ConsentChange, String> {
    let text = |name: &str| attributes.get(name).and_then(Value::as_str);
    let channel = match text("channel") {
        None | Some("*") if event_type == UNSUBSCRIBED => None,
        None => return Err(format!("a {event_type} event names its channel (attribute channel)")),
        Some(key) => Some(Channel::from_key(key).ok_or_else(|| format!("{event_type}: unknown channel '{}'", key.chars().take(40).collect::<String>()))?),
    };
    let purpose = match text("purpose") {
        None if event_type == UNSUBSCRIBED => Purpose::Marketing,
        None => return Err(format!("a {event_type} event names its purpose (marketing or service)")),
        Some("marketing") => Purpose::Marketing,
        Some("service") => Purpose::Service,
        Some(other) => return Err(format!("{event_type}: purpose '{}' is not marketing or service", other.chars().take(40).collect::<String>())),
    };
    let given = match given {
        None => false,
        Some(value) => value.and_then(Value::as_bool).ok_or_else(|| format!("a {event_type} event says whether consent is given (attribute given: true or false)"))?,
    };
    let source = text("source").map(|s| s.chars().take(200).collect()).unwrap_or_else(|| event_type.to_string());
    Ok(ConsentChange { channel, purpose, given, at, source })
}

/// Whether the latest change in `log` for this channel and purpose gives consent; `None` when
/// nothing was recorded for them.
pub fn recorded(log: &[ConsentChange], channel: Channel, purpose: Purpose) -> Option<bool> {
    log.iter().rev().find(|c| c.covers(channel, purpose)).map(|c| c.given)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unsubscribing_withdraws_marketing_on_a_channel_or_all() {
        let email = change_of(UNSUBSCRIBED, &json!({ "channel": "email" }), 5).expect("consent event").expect("valid");
        assert_eq!((email.channel, email.purpose, email.given, email.source.as_str()), (Some(Channel::Email), Purpose::Marketing, false, "unsubscribed"));
        let all = change_of(UNSUBSCRIBED, &json!({}), 6).expect("consent event").expect("valid");
        let log = vec![email, all];
        assert_eq!(recorded(&log, Channel::Sms, Purpose::Marketing), Some(false), "every channel");
        assert_eq!(recorded(&log, Channel::Sms, Purpose::Service), None, "service untouched");
        assert!(change_of("app_login", &json!({}), 1).is_none());
    }

    #[test]
    fn the_latest_change_decides_and_bad_events_say_why() {
        let given = change_of(CONSENT_CHANGED, &json!({ "channel": "sms", "purpose": "marketing", "given": true, "source": "branch form 12" }), 1).expect("event").expect("valid");
        let withdrawn = change_of(UNSUBSCRIBED, &json!({ "channel": "sms" }), 2).expect("event").expect("valid");
        let regiven = change_of(CONSENT_CHANGED, &json!({ "channel": "sms", "purpose": "marketing", "given": true }), 3).expect("event").expect("valid");
        assert_eq!(recorded(&[given.clone(), withdrawn.clone()], Channel::Sms, Purpose::Marketing), Some(false));
        assert_eq!(recorded(&[given, withdrawn, regiven], Channel::Sms, Purpose::Marketing), Some(true));
        let error = |attributes: Value| change_of(CONSENT_CHANGED, &attributes, 1).expect("event").expect_err("refused");
        assert!(error(json!({ "purpose": "marketing", "given": true })).contains("names its channel"));
        assert!(error(json!({ "channel": "fax", "purpose": "marketing", "given": true })).contains("unknown channel 'fax'"));
        assert!(error(json!({ "channel": "sms", "purpose": "marketing" })).contains("given: true or false"));
        assert!(error(json!({ "channel": "sms", "purpose": "spam", "given": true })).contains("not marketing or service"));
    }
}
