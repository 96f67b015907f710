//! Training of propensity models and of the CLV (amount) model. A [`Dataset`] (feature columns
//! named after `journeys_core::scoring::FEATURES`, a `label`: 0/1, or an amount for `clv`) comes
//! from a CSV file, from customer profiles with known outcomes, or from [`synthetic`] /
//! [`synthetic_clv`]; [`train`] fits a logistic (or, for `clv`, a linear) regression with linfa
//! on a seeded 75 % split and reports AUC and calibration (or R² and MAE) on the other 25 %. The
//! result is a `journeys_core::scoring::TrainedModel`, which the store versions and core scores.

mod bank_data;
mod data;
mod train;

pub use bank_data::{read_bank_csv, Encoding, MAX_LEVELS};
pub use data::{read_csv, synthetic, synthetic_clv, write_csv, Dataset, LABEL};
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
    #[error("'{0}' is not a model kind; use churn, activation, cross_sell_PRODUCT or clv from the standard scores")]
    UnknownKind(String),
    #[error("{source_name}: the `{LABEL}` column holds amounts, but a {kind} model needs outcomes of 0 or 1")]
    NotBinary { source_name: String, kind: String },
    #[error("need at least {needed} rows with an amount in `{LABEL}` to train and hold out; got {rows}")]
    TooFewRows { rows: usize, needed: usize },
    #[error("need at least {needed} rows with both outcomes to train and hold out; got {rows} rows, {positives} positive")]
    TooLittleData { rows: usize, positives: usize, needed: usize },
    #[error("training failed: {0}")]
    Fit(String),
    #[error("{source_name}: no column '{column}' for the outcome")]
    NoLabelColumn { source_name: String, column: String },
    #[error("{source_name}: column '{column}' has {levels} different values; at most {max} can be one-hot encoded")]
    TooManyLevels { source_name: String, column: String, levels: usize, max: usize },
}
