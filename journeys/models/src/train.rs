//! Training with linfa on standardised features: logistic regression for propensities (held-out
//! AUC and calibration), linear regression for amounts such as CLV (held-out R² and MAE).

use journeys_core::scoring::{auc, calibration, is_amount_kind, trainable_kind, Baseline, LinearModel, Link, RegressionFit, TrainedModel, TrainingReport, SCORE_BASELINE};
use linfa::traits::Fit;
use linfa_linear::LinearRegression;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::{Dataset, ModelError};

/// Share of rows held out of training to measure AUC and calibration on.
pub const HOLDOUT_SHARE: f64 = 0.25;
/// Fewest rows (and fewest of each outcome) worth training on.
const MIN_ROWS: usize = 40;
const MIN_PER_CLASS: usize = 5;

/// Train a `kind` model on `data`, holding out a seeded 25 % of rows.
pub fn train(kind: &str, data: &Dataset, seed: u64) -> Result<TrainedModel, ModelError> {
    if !trainable_kind(kind) {
        return Err(ModelError::UnknownKind(kind.to_string()));
    }
    if is_amount_kind(kind) {
        return train_amount(kind, data, seed);
    }
    if data.labels.is_empty() && !data.amounts.is_empty() {
        return Err(ModelError::NotBinary { source_name: data.source.clone(), kind: kind.to_string() });
    }
    let positives = data.labels.iter().filter(|l| **l).count();
    let rows = data.rows.len();
    if rows < MIN_ROWS || data.labels.len() != rows || positives < MIN_PER_CLASS || rows - positives < MIN_PER_CLASS {
        return Err(ModelError::TooLittleData { rows, positives, needed: MIN_ROWS });
    }
    let (test, fit) = split(rows, seed);
    let (fit_labels, test_labels): (Vec<bool>, Vec<bool>) = (fit.iter().map(|&i| data.labels[i]).collect(), test.iter().map(|&i| data.labels[i]).collect());
    if fit_labels.iter().all(|l| *l) || fit_labels.iter().all(|l| !*l) {
        return Err(ModelError::TooLittleData { rows, positives, needed: MIN_ROWS });
    }
    let n = data.features.len();
    let (mean, scale) = standardisation(data, &fit);
    let standardised = |idx: &[usize]| Array2::from_shape_fn((idx.len(), n), |(r, j)| (data.rows[idx[r]][j] - mean[j]) / scale[j]);
    let dataset = linfa::Dataset::new(standardised(&fit), Array1::from(fit_labels));
    let fitted = LogisticRegression::default().max_iterations(200).fit(&dataset).map_err(|e| ModelError::Fit(e.to_string()))?;
    // linfa calls the larger class "positive"; turn the model round to predict `true`.
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    let model = LinearModel {
        link: Link::Logistic,
        features: data.features.clone(),
        intercept: sign * fitted.intercept(),
        coefficients: fitted.params().iter().map(|w| sign * w).collect(),
        mean,
        scale,
    };

    let score = |i: usize| model.score(&data.rows[i]).map_err(|e| ModelError::Fit(e.to_string()));
    let test_scores = test.iter().map(|&i| score(i)).collect::<Result<Vec<f64>, _>>()?;
    let auc = auc(&test_scores, &test_labels).ok_or(ModelError::TooLittleData { rows, positives, needed: MIN_ROWS })?;
    let report = TrainingReport {
        rows,
        train_rows: fit.len(),
        test_rows: test.len(),
        positive_rate: positives as f64 / rows as f64,
        auc: Some(auc),
        fit: None,
        calibration: calibration(&test_scores, &test_labels, 10),
        source: data.source.clone(),
    };
    let baselines = baselines(data, &model)?;
    Ok(TrainedModel { kind: kind.to_string(), model, report, baselines })
}

/// A linear regression for an amount (CLV): the `label` column is the amount.
fn train_amount(kind: &str, data: &Dataset, seed: u64) -> Result<TrainedModel, ModelError> {
    let rows = data.rows.len();
    if rows < MIN_ROWS || data.amounts.len() != rows {
        return Err(ModelError::TooFewRows { rows: if data.amounts.len() == rows { rows } else { 0 }, needed: MIN_ROWS });
    }
    let (test, fit) = split(rows, seed);
    let n = data.features.len();
    let (mean, scale) = standardisation(data, &fit);
    let x = Array2::from_shape_fn((fit.len(), n), |(r, j)| (data.rows[fit[r]][j] - mean[j]) / scale[j]);
    let y = Array1::from(fit.iter().map(|&i| data.amounts[i]).collect::<Vec<f64>>());
    let fitted = LinearRegression::new().fit(&linfa::Dataset::new(x, y)).map_err(|e| ModelError::Fit(e.to_string()))?;
    let model = LinearModel { link: Link::Identity, features: data.features.clone(), intercept: fitted.intercept(), coefficients: fitted.params().to_vec(), mean, scale };
    let predicted = test.iter().map(|&i| model.score(&data.rows[i]).map_err(|e| ModelError::Fit(e.to_string()))).collect::<Result<Vec<f64>, _>>()?;
    let observed: Vec<f64> = test.iter().map(|&i| data.amounts[i]).collect();
    let observed_mean = observed.iter().sum::<f64>() / observed.len().max(1) as f64;
    let residual: f64 = predicted.iter().zip(&observed).map(|(p, o)| (o - p).powi(2)).sum();
    let total: f64 = observed.iter().map(|o| (o - observed_mean).powi(2)).sum();
    let mae = predicted.iter().zip(&observed).map(|(p, o)| (o - p).abs()).sum::<f64>() / observed.len().max(1) as f64;
    let report = TrainingReport {
        rows,
        train_rows: fit.len(),
        test_rows: test.len(),
        positive_rate: data.amounts.iter().sum::<f64>() / rows as f64,
        auc: None,
        fit: Some(RegressionFit { r2: if total > 0.0 { 1.0 - residual / total } else { 0.0 }, mae }),
        calibration: Vec::new(),
        source: data.source.clone(),
    };
    let baselines = baselines(data, &model)?;
    Ok(TrainedModel { kind: kind.to_string(), model, report, baselines })
}

/// A seeded split of row numbers: (held out, trained on).
fn split(rows: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..rows).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let test_rows = ((rows as f64) * HOLDOUT_SHARE).round() as usize;
    let fit = order.split_off(test_rows);
    (order, fit)
}

/// Mean and standard deviation of each feature over the training rows, so the optimiser
/// sees comparable scales (a constant feature keeps scale 1).
fn standardisation(data: &Dataset, fit: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let n = data.features.len();
    let mut mean = vec![0.0; n];
    let mut scale = vec![0.0; n];
    for j in 0..n {
        let values: Vec<f64> = fit.iter().map(|&i| data.rows[i][j]).collect();
        mean[j] = values.iter().sum::<f64>() / values.len() as f64;
        let var = values.iter().map(|v| (v - mean[j]).powi(2)).sum::<f64>() / values.len() as f64;
        scale[j] = if var > 0.0 { var.sqrt() } else { 1.0 };
    }
    (mean, scale)
}

/// The training population's distribution of each feature and of the score, for drift.
fn baselines(data: &Dataset, model: &LinearModel) -> Result<Vec<Baseline>, ModelError> {
    let mut baselines: Vec<Baseline> = (0..data.features.len()).filter_map(|j| Baseline::new(&data.features[j], &data.rows.iter().map(|r| r[j]).collect::<Vec<_>>())).collect();
    let scores = data.rows.iter().map(|r| model.score(r).map_err(|e| ModelError::Fit(e.to_string()))).collect::<Result<Vec<f64>, _>>()?;
    baselines.extend(Baseline::new(SCORE_BASELINE, &scores));
    Ok(baselines)
}
