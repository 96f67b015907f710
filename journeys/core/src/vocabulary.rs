//! The standard customer profile, scores and event types journeys may rely on
//! (from the domain notes). A journey can declare more in its settings.

use crate::settings::AttributeType;
use crate::Journey;

/// Customer profile attributes, readable in expressions as `customer.NAME`.
pub const CUSTOMER_ATTRIBUTES: &[(&str, AttributeType)] = &[
    ("id", AttributeType::String),
    ("name", AttributeType::String),
    ("birth_date", AttributeType::Date),
    ("age", AttributeType::Int),
    ("country", AttributeType::String),
    ("time_zone", AttributeType::String),
    ("segment", AttributeType::String),
    ("tenure_months", AttributeType::Int),
    ("products", AttributeType::List),
    ("product_count", AttributeType::Int),
    ("balance", AttributeType::Float),
    ("savings_balance", AttributeType::Float),
    ("credit_limit", AttributeType::Float),
    ("loan_balance", AttributeType::Float),
    ("salary_day", AttributeType::Int),
    ("last_activity_at", AttributeType::Date),
    ("card_activated", AttributeType::Bool),
    ("application_status", AttributeType::String),
    ("policy_renewal_date", AttributeType::Date),
    ("loan_maturity_date", AttributeType::Date),
    ("card_expiry_date", AttributeType::Date),
    ("complaint_count", AttributeType::Int),
    ("channel_preference", AttributeType::String),
    ("opted_out_channels", AttributeType::List),
    ("tags", AttributeType::List),
];

/// Model scores, readable as `scores.NAME` (0.0–1.0, `clv` in currency).
pub const SCORES: &[&str] = &[
    "churn",
    "activation",
    "cross_sell_credit_card",
    "cross_sell_savings",
    "cross_sell_personal_loan",
    "cross_sell_home_loan",
    "cross_sell_insurance",
    "cross_sell_investments",
    "clv",
];

/// Event types the platform knows.
pub const EVENTS: &[&str] = &[
    "account_dormant",
    "account_opened",
    "app_first_login",
    "app_login",
    "application_abandoned",
    "application_completed",
    "application_started",
    "card_activated",
    "card_issued",
    "card_txn",
    "churn_score_drop",
    "complaint_opened",
    "complaint_resolved",
    "consent_changed",
    "emi_due",
    "first_transaction",
    "kyc_abandoned",
    "kyc_completed",
    "kyc_started",
    "life_event",
    "message_clicked",
    "message_opened",
    // Answers to an offer (attribute `offer`): contact policies count the unanswered ones.
    "offer_accepted",
    "offer_declined",
    "payment_made",
    "payment_missed",
    "policy_lapsed",
    "policy_renewal_due",
    "product_opened",
    "quote_abandoned",
    "quote_started",
    "renewal_completed",
    "salary_credit",
    "transaction_after_dormancy",
    "unsubscribed",
];

/// The type of `customer.NAME` for this journey, if it is known.
pub fn attribute_type(journey: &Journey, name: &str) -> Option<AttributeType> {
    // A declaration (or the customer schema, through `validate_with`) says what the profile
    // really carries; the standard profile is the fallback.
    journey.settings.attributes.iter().find(|a| a.name == name).map(|a| a.kind).or_else(|| CUSTOMER_ATTRIBUTES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t))
}

pub fn is_known_event(journey: &Journey, event: &str) -> bool {
    EVENTS.contains(&event) || journey.settings.events.iter().any(|e| e == event)
}
