//! Model maths that must run wherever a decision runs (engine, simulator, browser): scoring a
//! trained logistic model, the features it reads from a customer, and the measures of a model's
//! quality (AUC, calibration) and drift (population stability index). Training lives in the
//! `journeys-models` crate; this module only evaluates.

use serde::{Deserialize, Serialize};

use crate::population::Customer;

/// PSI below this: stable.
pub const PSI_WATCH: f64 = 0.1;
/// PSI above this: retrain.
pub const PSI_RETRAIN: f64 = 0.25;
/// Bins of a drift baseline (deciles of the training population).
pub const PSI_BINS: usize = 10;
/// Floor on a bin's share, so an empty bin gives a large but finite PSI term.
const PSI_FLOOR: f64 = 1e-4;

/// The numeric features a model may use, as read from a customer profile.
pub const FEATURES: &[&str] =
    &["age", "tenure_months", "product_count", "balance", "savings_balance", "credit_limit", "last_activity_days_ago", "card_activated", "policy_renewal_in_days"];

/// One row per customer with the values of `features` in that order (NaN for a name that is
/// not one of [`FEATURES`]): a training set, or a population to check for drift.
pub fn customer_rows<S: AsRef<str>>(customers: &[Customer], features: &[S]) -> Vec<Vec<f64>> {
    customers.iter().map(|c| features.iter().map(|f| customer_feature(c, f.as_ref()).unwrap_or(f64::NAN)).collect()).collect()
}

/// The value of feature `name` for `customer`: one of [`FEATURES`], or one of the bank's own
/// attributes as a model trained on its columns names them: `NAME` (a number, or a boolean as
/// 0/1) or `NAME=VALUE` (1 when the text attribute has that value, else 0). A numeric
/// attribute the profile lacks is `None` (the model imputes it).
pub fn customer_feature(customer: &Customer, name: &str) -> Option<f64> {
    if let Some(standard) = standard_feature(customer, name) {
        return Some(standard);
    }
    if let Some((attribute, value)) = name.split_once('=') {
        return Some(f64::from(u8::from(customer.attributes.get(attribute).and_then(|v| v.as_str()) == Some(value))));
    }
    match customer.attributes.get(name)? {
        serde_json::Value::Bool(b) => Some(f64::from(u8::from(*b))),
        other => other.as_f64(),
    }
}

fn standard_feature(customer: &Customer, name: &str) -> Option<f64> {
    Some(match name {
        "age" => customer.age as f64,
        "tenure_months" => customer.tenure_months as f64,
        "product_count" => customer.products.split(';').filter(|p| !p.is_empty()).count() as f64,
        "balance" => customer.balance,
        "savings_balance" => customer.savings_balance,
        "credit_limit" => customer.credit_limit,
        "last_activity_days_ago" => customer.last_activity_days_ago as f64,
        "card_activated" => f64::from(u8::from(customer.card_activated)),
        "policy_renewal_in_days" => customer.policy_renewal_in_days as f64,
        _ => return None,
    })
}

/// Put a model's score where the profile carries it, so `scores.KIND` reads it in every
/// expression and decision. False when the profile has no such score.
pub fn set_customer_score(customer: &mut Customer, kind: &str, value: f64) -> bool {
    let field = match kind {
        "churn" => &mut customer.churn,
        "activation" => &mut customer.activation,
        "cross_sell_credit_card" => &mut customer.cross_sell_credit_card,
        "cross_sell_savings" => &mut customer.cross_sell_savings,
        "cross_sell_personal_loan" => &mut customer.cross_sell_personal_loan,
        "cross_sell_insurance" => &mut customer.cross_sell_insurance,
        "cross_sell_investments" => &mut customer.cross_sell_investments,
        "clv" => &mut customer.clv,
        _ => return false,
    };
    *field = value;
    true
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    #[error("model expects {expected} features, got {got}")]
    Arity { expected: usize, got: usize },
    #[error("feature '{feature}' is not a finite number ({value})")]
    NotFinite { feature: String, value: f64 },
}

/// A linear model over standardised features, `z = intercept + Σ wᵢ (xᵢ − meanᵢ) / scaleᵢ`,
/// read through its link: a logistic regression gives the probability `1 / (1 + exp(−z))`
/// (propensity scores); a linear regression gives the amount `z` itself (CLV).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    /// Models stored before there were amount models are logistic.
    #[serde(default)]
    pub link: Link,
    pub features: Vec<String>,
    pub intercept: f64,
    pub coefficients: Vec<f64>,
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

/// How a linear model's sum becomes its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// A probability (propensity models).
    #[default]
    Logistic,
    /// The sum itself: an amount (CLV).
    Identity,
}

impl LinearModel {
    /// The probability of the positive outcome for feature values in `self.features` order.
    pub fn score(&self, x: &[f64]) -> Result<f64, ScoreError> {
        if x.len() != self.features.len() || self.coefficients.len() != x.len() || self.mean.len() != x.len() || self.scale.len() != x.len() {
            return Err(ScoreError::Arity { expected: self.features.len(), got: x.len() });
        }
        let mut z = self.intercept;
        for (i, value) in x.iter().enumerate() {
            if !value.is_finite() {
                return Err(ScoreError::NotFinite { feature: self.features[i].clone(), value: *value });
            }
            let scale = if self.scale[i] > 0.0 { self.scale[i] } else { 1.0 };
            z += self.coefficients[i] * (value - self.mean[i]) / scale;
        }
        Ok(match self.link {
            Link::Logistic => sigmoid(z),
            Link::Identity => z,
        })
    }

    /// The customer's feature values in model order.
    pub fn features_of(&self, customer: &Customer) -> Result<Vec<f64>, ScoreError> {
        // A bank attribute the profile lacks is imputed with the training mean, as training did.
        self.features.iter().zip(&self.mean).map(|(f, mean)| Ok(customer_feature(customer, f).unwrap_or(*mean))).collect()
    }

    pub fn score_customer(&self, customer: &Customer) -> Result<f64, ScoreError> {
        self.score(&self.features_of(customer)?)
    }
}

pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Area under the ROC curve: the chance a random positive scores above a random negative
/// (ties count half). `None` when either class is missing.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut pairs: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = pairs.iter().filter(|p| p.1).count() as f64;
    let negatives = pairs.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    // Mann–Whitney U with average ranks for ties.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && pairs[j + 1].0 == pairs[i].0 {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += pairs[i..=j].iter().filter(|p| p.1).count() as f64 * average_rank;
        i = j + 1;
    }
    Some((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// One row of a calibration table: predictions in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    pub from: f64,
    pub to: f64,
    pub count: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

/// Predictions grouped in `bins` equal-width probability bins (empty bins left out).
pub fn calibration(scores: &[f64], labels: &[bool], bins: usize) -> Vec<CalibrationBin> {
    let bins = bins.max(1);
    let mut sums = vec![(0_usize, 0.0_f64, 0_usize); bins];
    for (s, l) in scores.iter().zip(labels) {
        let b = ((s.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1);
        sums[b].0 += 1;
        sums[b].1 += s;
        sums[b].2 += usize::from(*l);
    }
    sums.iter()
        .enumerate()
        .filter(|(_, (n, _, _))| *n > 0)
        .map(|(b, (n, sum, pos))| CalibrationBin {
            from: b as f64 / bins as f64,
            to: (b + 1) as f64 / bins as f64,
            count: *n,
            mean_predicted: sum / *n as f64,
            observed_rate: *pos as f64 / *n as f64,
        })
        .collect()
}

/// The training population's distribution of one feature (or the score), to measure drift
/// against: interior cut points (deciles) and the share of the population in each bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub name: String,
    pub edges: Vec<f64>,
    pub shares: Vec<f64>,
}

impl Baseline {
    /// Cut `values` at its deciles (repeated cut points merged). `None` for no finite values.
    pub fn new(name: &str, values: &[f64]) -> Option<Baseline> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let mut edges: Vec<f64> = (1..PSI_BINS).map(|k| sorted[(k * sorted.len()) / PSI_BINS]).collect();
        edges.dedup();
        let mut baseline = Baseline { name: name.to_string(), edges, shares: Vec::new() };
        baseline.shares = baseline.shares_of(&sorted);
        Some(baseline)
    }

    fn bin(&self, value: f64) -> usize {
        // Bin k holds edges[k-1] <= v < edges[k].
        self.edges.partition_point(|e| *e <= value)
    }

    /// The share of `values` in each bin.
    pub fn shares_of(&self, values: &[f64]) -> Vec<f64> {
        let mut counts = vec![0_usize; self.edges.len() + 1];
        let mut n = 0_usize;
        for v in values.iter().filter(|v| v.is_finite()) {
            counts[self.bin(*v)] += 1;
            n += 1;
        }
        counts.iter().map(|c| if n == 0 { 0.0 } else { *c as f64 / n as f64 }).collect()
    }

    /// Population stability index of `values` against this baseline:
    /// `Σ (actualᵢ − expectedᵢ) · ln(actualᵢ / expectedᵢ)`.
    pub fn psi(&self, values: &[f64]) -> f64 {
        psi(&self.shares, &self.shares_of(values))
    }
}

/// PSI of two share vectors of equal length.
pub fn psi(expected: &[f64], actual: &[f64]) -> f64 {
    expected
        .iter()
        .zip(actual)
        .map(|(e, a)| {
            let (e, a) = (e.max(PSI_FLOOR), a.max(PSI_FLOOR));
            (a - e) * (a / e).ln()
        })
        .sum()
}

/// What a PSI value calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftBand {
    Stable,
    Watch,
    Retrain,
}

impl DriftBand {
    pub fn of(psi: f64) -> DriftBand {
        if psi > PSI_RETRAIN {
            DriftBand::Retrain
        } else if psi >= PSI_WATCH {
            DriftBand::Watch
        } else {
            DriftBand::Stable
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            DriftBand::Stable => "stable",
            DriftBand::Watch => "watch",
            DriftBand::Retrain => "retrain",
        }
    }
}


/// Whether a model can be trained for `kind`: every standard score.
pub fn trainable_kind(kind: &str) -> bool {
    crate::vocabulary::SCORES.contains(&kind)
}

/// Whether `kind` is an amount (a linear regression) rather than a propensity (a logistic one).
pub fn is_amount_kind(kind: &str) -> bool {
    kind == "clv"
}

/// How well an amount model predicts held-out rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionFit {
    /// Coefficient of determination: 1 − residual / total sum of squares.
    pub r2: f64,
    /// Mean absolute error, in the amount's unit.
    pub mae: f64,
}

/// What training measured, on rows the model did not see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    pub rows: usize,
    pub train_rows: usize,
    pub test_rows: usize,
    /// Share of positive outcomes over all rows (for an amount model, the mean amount).
    pub positive_rate: f64,
    /// Area under the ROC curve on the held-out rows (propensity models).
    #[serde(default)]
    pub auc: Option<f64>,
    /// R² and mean absolute error on the held-out rows (amount models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<RegressionFit>,
    /// Held-out predictions against observed outcomes, in ten probability bins.
    pub calibration: Vec<CalibrationBin>,
    /// Where the data came from (file name or `store`), for the registry.
    pub source: String,
}

/// A trained model as the registry keeps it: the model, how good it was, and the training
/// population's distributions (per feature and for the score) to measure drift against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedModel {
    pub kind: String,
    pub model: LinearModel,
    pub report: TrainingReport,
    pub baselines: Vec<Baseline>,
}

/// PSI of one feature (or of the score) against the training population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    pub name: String,
    pub psi: f64,
    pub band: DriftBand,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    pub kind: String,
    pub rows: usize,
    pub features: Vec<FeatureDrift>,
    pub score: FeatureDrift,
    /// The worst band of all.
    pub band: DriftBand,
}

/// Drift of a current population (`rows` in `trained.model.features` order) against the
/// population `trained` was trained on.
pub fn drift(trained: &TrainedModel, rows: &[Vec<f64>]) -> Result<DriftReport, ScoreError> {
    let column = |i: usize| rows.iter().map(|r| r.get(i).copied().unwrap_or(f64::NAN)).collect::<Vec<f64>>();
    let measure = |name: &str, values: &[f64]| {
        let psi = trained.baselines.iter().find(|b| b.name == name).map_or(0.0, |b| b.psi(values));
        FeatureDrift { name: name.to_string(), psi, band: DriftBand::of(psi) }
    };
    let features: Vec<FeatureDrift> = trained.model.features.iter().enumerate().map(|(i, f)| measure(f, &column(i))).collect();
    let scores = rows.iter().map(|r| trained.model.score(r)).collect::<Result<Vec<f64>, _>>()?;
    let score = measure(SCORE_BASELINE, &scores);
    let band = features.iter().chain(std::iter::once(&score)).map(|f| f.band).max_by_key(|b| *b as u8).unwrap_or(DriftBand::Stable);
    Ok(DriftReport { kind: trained.kind.clone(), rows: rows.len(), features, score, band })
}

/// The name of the score's own baseline among a model's baselines.
pub const SCORE_BASELINE: &str = "score";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn auc_of_perfect_reversed_and_tied_scores() {
        let labels = [false, false, true, true];
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &labels), Some(1.0));
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &labels), Some(0.0));
        assert_eq!(auc(&[0.5; 4], &labels), Some(0.5));
        assert_eq!(auc(&[0.5, 0.6], &[true, true]), None);
    }

    #[test]
    fn logistic_score_is_sigmoid_of_standardised_sum_and_identity_the_sum() {
        let mut model = LinearModel { link: Link::Logistic, features: vec!["a".into(), "b".into()], intercept: 0.5, coefficients: vec![2.0, -1.0], mean: vec![1.0, 0.0], scale: vec![2.0, 1.0] };
        let p = model.score(&[3.0, 1.0]).expect("scores");
        assert!((p - sigmoid(0.5 + 2.0 * 1.0 - 1.0)).abs() < 1e-12);
        // Stored before amount models existed: no link means logistic.
        let old: LinearModel = serde_json::from_str(r#"{"features":["a","b"],"intercept":0.5,"coefficients":[2.0,-1.0],"mean":[1.0,0.0],"scale":[2.0,1.0]}"#).expect("parses");
        assert_eq!(old, model);
        model.link = Link::Identity;
        assert!((model.score(&[3.0, 1.0]).expect("scores") - 1.5).abs() < 1e-12);
        assert!(matches!(model.score(&[1.0]), Err(ScoreError::Arity { .. })));
        assert!(matches!(model.score(&[f64::NAN, 1.0]), Err(ScoreError::NotFinite { .. })));
    }

    #[test]
    fn calibration_bins_count_every_prediction() {
        let table = calibration(&[0.05, 0.07, 0.95], &[false, true, true], 10);
        assert_eq!(table.len(), 2);
        assert_eq!((table[0].count, table[0].observed_rate), (2, 0.5));
        assert_eq!((table[1].count, table[1].observed_rate), (1, 1.0));
    }

    #[test]
    fn psi_bands() {
        assert_eq!(DriftBand::of(0.05), DriftBand::Stable);
        assert_eq!(DriftBand::of(0.2), DriftBand::Watch);
        assert_eq!(DriftBand::of(0.3), DriftBand::Retrain);
    }

    proptest! {
        #[test]
        fn psi_of_the_training_population_itself_is_zero(values in proptest::collection::vec(-1e6f64..1e6, 1..400)) {
            let baseline = Baseline::new("x", &values).expect("finite values");
            prop_assert!(baseline.psi(&values).abs() < 1e-12);
            prop_assert!((baseline.shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }

        #[test]
        fn psi_is_never_negative(a in proptest::collection::vec(0.0f64..100.0, 10..200), b in proptest::collection::vec(0.0f64..100.0, 10..200)) {
            let baseline = Baseline::new("x", &a).expect("finite values");
            prop_assert!(baseline.psi(&b) >= -1e-12);
        }
    }
}
