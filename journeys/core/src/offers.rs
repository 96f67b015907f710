//! What decides whether an offer may be made at all, before it is weighed: its validity dates
//! and its contact policy (suppress after N ignores in a window). Pure: the caller supplies the
//! customer's offer history.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

const DAY_MS: i64 = 86_400_000;

/// Suppress an offer once the customer ignored it `max_ignores` times within `window_days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPolicy {
    pub max_ignores: u32,
    pub window_days: u32,
}

/// How a customer answered one earlier presentation of an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// Presented, no answer (yet): counts as an ignore.
    Ignored,
    Accepted,
    Declined,
}

/// One earlier presentation of an offer to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferContact {
    pub offer: String,
    /// Epoch ms.
    pub at: i64,
    pub response: Response,
}

impl ContactPolicy {
    /// How many times `offer` was ignored in the window ending at `now`.
    pub fn ignores(&self, offer: &str, history: &[OfferContact], now: i64) -> u32 {
        let since = now - i64::from(self.window_days) * DAY_MS;
        let n = history.iter().filter(|c| c.offer == offer && c.response == Response::Ignored && c.at > since && c.at <= now).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Whether the policy suppresses `offer` at `now`.
    pub fn suppresses(&self, offer: &str, history: &[OfferContact], now: i64) -> bool {
        self.max_ignores > 0 && self.ignores(offer, history, now) >= self.max_ignores
    }
}

/// The event a customer's systems send when they answer an offer; its `offer` attribute names it.
pub const OFFER_ACCEPTED: &str = "offer_accepted";
pub const OFFER_DECLINED: &str = "offer_declined";

/// The customer's offer history from the offers presented to them (sent contacts carrying an
/// offer, as (epoch ms, offer)) and their answers (as (epoch ms, offer, response)): each
/// presentation takes the first answer to the same offer after it and before the offer's next
/// presentation; without one it was ignored.
pub fn offer_history(presented: &[(i64, String)], answers: &[(i64, String, Response)]) -> Vec<OfferContact> {
    let mut presented: Vec<&(i64, String)> = presented.iter().collect();
    presented.sort_by_key(|(at, _)| *at);
    presented
        .iter()
        .enumerate()
        .map(|(i, (at, offer))| {
            let next = presented[i + 1..].iter().find(|(_, o)| o == offer).map_or(i64::MAX, |(t, _)| *t);
            let response = answers
                .iter()
                .filter(|(t, o, _)| o == offer && t >= at && *t < next)
                .min_by_key(|(t, ..)| *t)
                .map_or(Response::Ignored, |(.., r)| *r);
            OfferContact { offer: offer.clone(), at: *at, response }
        })
        .collect()
}

/// Whether `now` lies within `[valid_from, valid_until)` (either end may be open).
pub fn within_validity(valid_from: Option<i64>, valid_until: Option<i64>, now: i64) -> bool {
    valid_from.is_none_or(|from| now >= from) && valid_until.is_none_or(|until| now < until)
}


/// What is wrong with a catalogue offer, field by field (empty when it may be submitted).
pub fn check(offer: &crate::settings::Offer) -> Vec<String> {
    let mut problems = Vec::new();
    let slug = |s: &str| !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !slug(&offer.id) {
        problems.push(format!("id: '{}' must be 1–100 characters of a-z, 0-9, '_' or '-'", offer.id.chars().take(40).collect::<String>()));
    }
    if offer.name.trim().is_empty() {
        problems.push("name: must not be empty".into());
    }
    if !offer.cost.is_finite() || offer.cost < 0.0 {
        problems.push(format!("cost: {} must be a finite amount of 0 or more", offer.cost));
    }
    if !offer.value.is_finite() {
        problems.push(format!("value: {} must be a finite amount", offer.value));
    }
    if let Some(lever) = offer.lever.filter(|l| !l.is_finite() || *l <= 0.0) {
        problems.push(format!("lever: {lever} must be a finite number above 0"));
    }
    if let (Some(from), Some(until)) = (offer.valid_from, offer.valid_until) {
        if from >= until {
            problems.push(format!("valid_until: {until} must be after valid_from {from}"));
        }
    }
    if let Some(policy) = offer.contact_policy.filter(|p| p.max_ignores == 0 || p.window_days == 0) {
        problems.push(format!("contact_policy: max_ignores ({}) and window_days ({}) must be above 0", policy.max_ignores, policy.window_days));
    }
    for (field, score) in [("propensity_score", &offer.propensity_score), ("value_score", &offer.value_score)] {
        if let Some(score) = score.as_deref().filter(|s| !crate::vocabulary::SCORES.contains(s)) {
            problems.push(format!("{field}: '{score}' is not a known score ({})", crate::vocabulary::SCORES.join(", ")));
        }
    }
    if let Some(rule) = &offer.eligibility {
        if let Err(e) = crate::expr::compile(rule) {
            problems.push(format!("eligibility: {e}"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_presentation_takes_its_own_answer_or_counts_as_ignored() {
        let presented = vec![(10, "loan".to_string()), (30, "loan".to_string()), (20, "card".to_string()), (50, "loan".to_string())];
        let answers = vec![(35, "loan".to_string(), Response::Declined), (40, "loan".to_string(), Response::Accepted), (5, "card".to_string(), Response::Accepted)];
        let history = offer_history(&presented, &answers);
        let got: Vec<(i64, &str, Response)> = history.iter().map(|c| (c.at, c.offer.as_str(), c.response)).collect();
        // The loan at 10 got no answer before it was shown again at 30; the answer at 35 is
        // the 30 one's (the first after it); the card's answer came before it was shown.
        assert_eq!(got, vec![(10, "loan", Response::Ignored), (20, "card", Response::Ignored), (30, "loan", Response::Declined), (50, "loan", Response::Ignored)]);
        let policy = ContactPolicy { max_ignores: 3, window_days: 30 };
        assert_eq!(policy.ignores("loan", &history, 60), 2);
        assert!(!policy.suppresses("loan", &history, 60));
    }

    fn contact(offer: &str, day: i64, response: Response) -> OfferContact {
        OfferContact { offer: offer.into(), at: day * DAY_MS, response }
    }

    #[test]
    fn three_ignores_in_thirty_days_suppress() {
        let policy = ContactPolicy { max_ignores: 3, window_days: 30 };
        let mut history = vec![contact("A", 1, Response::Ignored), contact("A", 10, Response::Ignored), contact("B", 11, Response::Ignored), contact("A", 12, Response::Accepted)];
        assert!(!policy.suppresses("A", &history, 20 * DAY_MS), "two ignores of A so far");
        history.push(contact("A", 15, Response::Ignored));
        assert!(policy.suppresses("A", &history, 20 * DAY_MS));
        assert!(!policy.suppresses("B", &history, 20 * DAY_MS));
        // The first ignore leaves the window after 30 days.
        assert!(!policy.suppresses("A", &history, 31 * DAY_MS + 1));
    }

    #[test]
    fn validity_is_half_open() {
        assert!(within_validity(None, None, 5));
        assert!(within_validity(Some(5), Some(6), 5));
        assert!(!within_validity(Some(5), Some(6), 6));
        assert!(!within_validity(Some(5), None, 4));
    }
}
