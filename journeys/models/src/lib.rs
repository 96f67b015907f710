//! Training of propensity models. A [`Dataset`] (feature columns named after
//! `journeys_core::scoring::FEATURES`, a 0/1 `label`) comes from a CSV file, from customer
//! profiles with known outcomes, or from [`synthetic`]; [`train`] fits a logistic regression
//! with linfa on a seeded 75 % split and reports AUC and calibration on the other 25 %. The
//! result is a `journeys_core::scoring::TrainedModel`, which the store versions and core scores.

mod data;
mod train;

pub use data::{read_csv, synthetic, write_csv, Dataset, LABEL};
pub use train::{train, HOLDOUT_SHARE};

/// What can go wrong reading data or training, with where.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{source_name}: cannot read CSV: {message}")]
    Csv { source_name: String, message: String },
    #[error("{source_name}: no `{LABEL}` column (the outcome, 0 or 1)")]
    NoLabel { source_name: String },
    #[error("{source_name}: column '{column}' is not a feature a customer profile provides; known features: {known}")]
    UnknownColumn { source_name: String, column: String, known: String },
    #[error("{source_name}: no feature columns besides `{LABEL}`")]
    NoFeatures { source_name: String },
    #[error("{source_name} line {line}, column '{column}': '{value}' is not {expected}")]
    BadValue { source_name: String, line: u64, column: String, value: String, expected: &'static str },
    #[error("{source_name} line {line}: {found} fields, the header has {expected}")]
    RowLength { source_name: String, line: u64, found: usize, expected: usize },
    #[error("'{0}' is not a propensity model kind; use churn, activation or cross_sell_PRODUCT from the standard scores")]
    UnknownKind(String),
    #[error("need at least {needed} rows with both outcomes to train and hold out; got {rows} rows, {positives} positive")]
    TooLittleData { rows: usize, positives: usize, needed: usize },
    #[error("training failed: {0}")]
    Fit(String),
}
