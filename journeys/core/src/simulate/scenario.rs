//! How the simulated customers behave: background event rates, per-channel responses, value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::kinds::Channel;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Events per customer per day that happen regardless of the journey, by event type.
    /// Event types the journey listens for and that are not listed here use `default_event_rate`.
    #[serde(default)]
    pub event_rates: BTreeMap<String, f64>,
    #[serde(default = "default_event_rate")]
    pub default_event_rate: f64,
    /// Daily chance of the goal event without any contact (the baseline a holdout measures).
    #[serde(default = "default_goal_rate")]
    pub goal_base_rate: f64,
    /// Response to one delivered contact, by channel.
    #[serde(default = "default_channels")]
    pub channels: BTreeMap<Channel, ChannelResponse>,
    /// Value of a conversion when the contact carried no offer with its own value.
    #[serde(default = "default_value")]
    pub value_per_conversion: f64,
    /// Response multiplier by customer segment (segments not listed respond at 1×).
    #[serde(default = "default_segments")]
    pub segment_response: BTreeMap<String, f64>,
    /// The model score that scales the chance to convert after a contact: the chance is
    /// multiplied by `2 × score` (so a customer with score 0.5 responds at the channel rate).
    /// `null` for no scaling.
    #[serde(default = "default_response_score")]
    pub response_score: Option<String>,
    /// Share of customers lost in a year (churn hazard), scaled per customer by
    /// `churn score / 0.25`. A churned customer leaves the journey and generates no events.
    #[serde(default = "default_churn")]
    pub annual_churn: f64,
}

fn default_segments() -> BTreeMap<String, f64> {
    BTreeMap::from([("mass".to_string(), 1.0), ("affluent".to_string(), 1.2), ("hni".to_string(), 1.5)])
}

fn default_response_score() -> Option<String> {
    Some("activation".into())
}

fn default_churn() -> f64 {
    // Annual churn of 15–27 % in the domain notes.
    0.2
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelResponse {
    pub open: f64,
    pub click: f64,
    /// Chance that the contact leads to the goal event within a few days.
    pub convert: f64,
}

fn default_event_rate() -> f64 {
    0.02
}

fn default_goal_rate() -> f64 {
    0.001
}

fn default_value() -> f64 {
    50.0
}

fn default_channels() -> BTreeMap<Channel, ChannelResponse> {
    // Industry ranges from the domain notes: email opens 20–30 %, clicks 2–5 %, campaign
    // response 1–8 %.
    let r = |open, click, convert| ChannelResponse { open, click, convert };
    BTreeMap::from([
        (Channel::Email, r(0.25, 0.03, 0.02)),
        (Channel::Sms, r(0.90, 0.05, 0.03)),
        (Channel::Push, r(0.35, 0.04, 0.02)),
        (Channel::InApp, r(0.60, 0.08, 0.04)),
        (Channel::Whatsapp, r(0.85, 0.06, 0.03)),
        (Channel::CallCentre, r(0.50, 0.0, 0.08)),
        (Channel::Branch, r(0.30, 0.0, 0.10)),
        (Channel::Webhook, r(0.0, 0.0, 0.0)),
    ])
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            event_rates: BTreeMap::new(),
            default_event_rate: default_event_rate(),
            goal_base_rate: default_goal_rate(),
            channels: default_channels(),
            value_per_conversion: default_value(),
            segment_response: default_segments(),
            response_score: default_response_score(),
            annual_churn: default_churn(),
        }
    }
}

/// Highest background rate accepted: more events a day than any customer makes, and a bound
/// on the simulator's work (a rate of 1e300 would never finish).
pub const MAX_RATE_PER_DAY: f64 = 1000.0;

impl Scenario {
    /// Daily churn hazard for a customer with this churn score.
    pub fn daily_churn(&self, churn_score: f64) -> f64 {
        let daily = 1.0 - (1.0 - self.annual_churn).powf(1.0 / 365.0);
        (daily * churn_score / 0.25).clamp(0.0, 1.0)
    }

    /// How much more (or less) likely than the channel rate this customer is to respond.
    pub fn response_factor(&self, segment: &str, score: Option<f64>) -> f64 {
        let by_segment = self.segment_response.get(segment).copied().unwrap_or(1.0);
        let by_score = match (&self.response_score, score) {
            (Some(_), Some(s)) => 2.0 * s.clamp(0.0, 1.0),
            _ => 1.0,
        };
        by_segment * by_score
    }

    pub fn rate(&self, event: &str) -> f64 {
        self.event_rates.get(event).copied().unwrap_or(self.default_event_rate)
    }

    /// Every probability in [0, 1] and every rate between 0 and [`MAX_RATE_PER_DAY`].
    pub fn check(&self) -> Result<(), String> {
        let usable = |rate: f64| rate.is_finite() && (0.0..=MAX_RATE_PER_DAY).contains(&rate);
        for (event, rate) in &self.event_rates {
            if !usable(*rate) {
                return Err(format!("event_rates.{event}: {rate} is not a rate per day between 0 and {MAX_RATE_PER_DAY}"));
            }
        }
        for (name, p) in [("default_event_rate", self.default_event_rate), ("goal_base_rate", self.goal_base_rate)] {
            if !usable(p) {
                return Err(format!("{name}: {p} is not a rate per day between 0 and {MAX_RATE_PER_DAY}"));
            }
        }
        if !(0.0..1.0).contains(&self.annual_churn) {
            return Err(format!("annual_churn: {} is not a share between 0 and 1", self.annual_churn));
        }
        for (segment, m) in &self.segment_response {
            if !(m.is_finite() && *m >= 0.0) {
                return Err(format!("segment_response.{segment}: {m} is not a non-negative multiplier"));
            }
        }
        for (channel, r) in &self.channels {
            for (name, p) in [("open", r.open), ("click", r.click), ("convert", r.convert)] {
                if !(0.0..=1.0).contains(&p) {
                    return Err(format!("channels.{}.{name}: {p} is not a probability between 0 and 1", channel.key()));
                }
            }
        }
        Ok(())
    }
}
