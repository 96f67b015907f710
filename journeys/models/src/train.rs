//! Logistic regression with linfa on standardised features; held-out AUC and calibration.

use journeys_core::scoring::{auc, calibration, trainable_kind, Baseline, LogisticModel, TrainedModel, TrainingReport, SCORE_BASELINE};
use linfa::traits::Fit;
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
    let positives = data.labels.iter().filter(|l| **l).count();
    let rows = data.rows.len();
    if rows < MIN_ROWS || data.labels.len() != rows || positives < MIN_PER_CLASS || rows - positives < MIN_PER_CLASS {
        return Err(ModelError::TooLittleData { rows, positives, needed: MIN_ROWS });
    }
    let mut order: Vec<usize> = (0..rows).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let test_rows = ((rows as f64) * HOLDOUT_SHARE).round() as usize;
    let (test, fit) = order.split_at(test_rows);
    let (fit_labels, test_labels): (Vec<bool>, Vec<bool>) = (fit.iter().map(|&i| data.labels[i]).collect(), test.iter().map(|&i| data.labels[i]).collect());
    if fit_labels.iter().all(|l| *l) || fit_labels.iter().all(|l| !*l) {
        return Err(ModelError::TooLittleData { rows, positives, needed: MIN_ROWS });
    }

    // Standardise on the training rows so the optimiser sees comparable scales.
    let n = data.features.len();
    let mut mean = vec![0.0; n];
    let mut scale = vec![0.0; n];
    for j in 0..n {
        let values: Vec<f64> = fit.iter().map(|&i| data.rows[i][j]).collect();
        mean[j] = values.iter().sum::<f64>() / values.len() as f64;
        let var = values.iter().map(|v| (v - mean[j]).powi(2)).sum::<f64>() / values.len() as f64;
        scale[j] = if var > 0.0 { var.sqrt() } else { 1.0 };
    }
    let standardised = |idx: &[usize]| Array2::from_shape_fn((idx.len(), n), |(r, j)| (data.rows[idx[r]][j] - mean[j]) / scale[j]);
    let dataset = linfa::Dataset::new(standardised(fit), Array1::from(fit_labels));
    let fitted = LogisticRegression::default().max_iterations(200).fit(&dataset).map_err(|e| ModelError::Fit(e.to_string()))?;
    // linfa calls the larger class "positive"; turn the model round to predict `true`.
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    let model = LogisticModel {
        features: data.features.clone(),
        intercept: sign * fitted.intercept(),
        coefficients: fitted.params().iter().map(|w| sign * w).collect(),
        mean,
        scale,
    };

    let score = |i: usize| model.score(&data.rows[i]).map_err(|e| ModelError::Fit(e.to_string()));
    let test_scores = test.iter().map(|&i| score(i)).collect::<Result<Vec<f64>, _>>()?;
    let auc = auc(&test_scores, &test_labels).ok_or(ModelError::TooLittleData { rows, positives, needed: MIN_ROWS })?;
    let mut baselines: Vec<Baseline> = (0..n).filter_map(|j| Baseline::new(&data.features[j], &data.rows.iter().map(|r| r[j]).collect::<Vec<_>>())).collect();
    let all_scores = (0..rows).map(score).collect::<Result<Vec<f64>, _>>()?;
    baselines.extend(Baseline::new(SCORE_BASELINE, &all_scores));
    let report = TrainingReport {
        rows,
        train_rows: fit.len(),
        test_rows: test.len(),
        positive_rate: positives as f64 / rows as f64,
        auc,
        calibration: calibration(&test_scores, &test_labels, 10),
        source: data.source.clone(),
    };
    Ok(TrainedModel { kind: kind.to_string(), model, report, baselines })
}
