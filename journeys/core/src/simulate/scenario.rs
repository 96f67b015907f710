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
        }
    }
}

impl Scenario {
    pub fn rate(&self, event: &str) -> f64 {
        self.event_rates.get(event).copied().unwrap_or(self.default_event_rate)
    }

    /// Every probability in [0, 1] and every rate finite and non-negative.
    pub fn check(&self) -> Result<(), String> {
        for (event, rate) in &self.event_rates {
            if !(rate.is_finite() && *rate >= 0.0) {
                return Err(format!("event_rates.{event}: {rate} is not a non-negative rate per day"));
            }
        }
        for (name, p) in [("default_event_rate", self.default_event_rate), ("goal_base_rate", self.goal_base_rate)] {
            if !(p.is_finite() && p >= 0.0) {
                return Err(format!("{name}: {p} is not a non-negative rate per day"));
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
