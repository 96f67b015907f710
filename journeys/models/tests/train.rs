//! Training on seeded synthetic data with a known signal, CSV errors with their line, and drift.

use journeys_core::scoring::{drift, DriftBand};
use journeys_models::{read_csv, synthetic, synthetic_clv, train, write_csv, ModelError};

/// The synthetic population's log-odds span several units, so a correct fit separates the
/// classes well; 0.75 is far above chance (0.5) and below what the generator allows (~0.85).
const MIN_AUC: f64 = 0.75;

#[test]
fn a_model_trained_on_a_known_signal_reaches_the_auc_bound() {
    let data = synthetic(4_000, 7, 0.0);
    let trained = train("churn", &data, 1).expect("trains");
    let auc = trained.report.auc.expect("a propensity model has an AUC");
    assert!(auc > MIN_AUC, "held-out AUC {auc}");
    assert_eq!((trained.report.test_rows, trained.report.train_rows), (1_000, 3_000));
    // The signal's directions are recovered: inactivity raises churn, tenure and products lower it; balance carries nothing.
    let w = |name: &str| trained.model.coefficients[trained.model.features.iter().position(|f| f == name).expect("feature")];
    assert!(w("last_activity_days_ago") > 0.5 && w("tenure_months") < -0.3 && w("product_count") < -0.2, "{:?}", trained.model);
    assert!(w("balance").abs() < 0.15, "{:?}", trained.model);
    // Calibrated: over the held-out rows, predictions and outcomes agree bin by bin (within noise).
    for bin in trained.report.calibration.iter().filter(|b| b.count >= 100) {
        assert!((bin.mean_predicted - bin.observed_rate).abs() < 0.1, "{bin:?}");
    }
    assert_eq!(trained.report.calibration.iter().map(|b| b.count).sum::<usize>(), 1_000);
}

#[test]
fn psi_is_near_zero_for_the_same_population_and_above_retrain_for_a_shifted_one() {
    let trained = train("churn", &synthetic(4_000, 7, 0.0), 1).expect("trains");
    let same = drift(&trained, &synthetic(4_000, 8, 0.0).rows).expect("drift");
    assert!(same.score.psi < 0.02 && same.band == DriftBand::Stable, "{same:?}");
    let shifted = drift(&trained, &synthetic(4_000, 9, 0.8).rows).expect("drift");
    assert!(shifted.score.psi > 0.25, "{shifted:?}");
    let inactive = shifted.features.iter().find(|f| f.name == "last_activity_days_ago").expect("feature");
    assert_eq!(inactive.band, DriftBand::Retrain, "{shifted:?}");
    let balance = shifted.features.iter().find(|f| f.name == "balance").expect("feature");
    assert_eq!(balance.band, DriftBand::Stable, "balance did not move: {shifted:?}");
    assert_eq!(shifted.band, DriftBand::Retrain);
}

#[test]
fn csv_round_trip_and_errors_name_line_and_column() {
    let data = synthetic(50, 3, 0.0);
    let mut out = Vec::new();
    write_csv(&data, &mut out).expect("writes");
    let back = read_csv(out.as_slice(), "f.csv", true).expect("reads");
    assert_eq!((back.features, back.rows, back.labels), (data.features, data.rows, data.labels));
    let amounts = synthetic_clv(50, 3);
    let mut out = Vec::new();
    write_csv(&amounts, &mut out).expect("writes");
    let back = read_csv(out.as_slice(), "clv.csv", true).expect("reads");
    assert_eq!((back.rows, back.amounts, back.labels.len()), (amounts.rows, amounts.amounts, 0));

    let bad = "tenure_months,label\n12,1\nabc,0\n";
    let err = read_csv(bad.as_bytes(), "f.csv", true).expect_err("bad value");
    assert!(matches!(err, ModelError::BadValue { line: 3, .. }), "{err:?}");
    assert_eq!(err.to_string(), "f.csv line 3, column 'tenure_months': 'abc' is not a finite number");
    let err = read_csv("tenure_months,label\n12,lots\n".as_bytes(), "f.csv", true).expect_err("bad label");
    assert_eq!(err.to_string(), "f.csv line 2, column 'label': 'lots' is not 0, 1 or an amount");
    let err = read_csv("shoe_size,label\n".as_bytes(), "f.csv", true).expect_err("unknown column");
    assert!(matches!(err, ModelError::UnknownColumn { ref column, .. } if column == "shoe_size"), "{err:?}");
    assert!(matches!(read_csv("tenure_months\n3\n".as_bytes(), "f.csv", true), Err(ModelError::NoLabel { .. })));
    assert!(read_csv("tenure_months\n3\n".as_bytes(), "f.csv", false).is_ok(), "a population to check for drift needs no label");
}

#[test]
fn refuses_unknown_kinds_one_class_data_and_amounts_for_propensities() {
    let data = synthetic(200, 3, 0.0);
    assert!(matches!(train("lifetime_value", &data, 1), Err(ModelError::UnknownKind(_))));
    let mut one_class = data.clone();
    one_class.labels.iter_mut().for_each(|l| *l = false);
    assert!(matches!(train("churn", &one_class, 1), Err(ModelError::TooLittleData { .. })));
    let amounts = read_csv("tenure_months,label\n12,250.5\n".as_bytes(), "clv.csv", true).expect("reads amounts");
    let err = train("churn", &amounts, 1).expect_err("amounts are not outcomes");
    assert_eq!(err.to_string(), "clv.csv: the `label` column holds amounts, but a churn model needs outcomes of 0 or 1");
    assert!(matches!(train("clv", &amounts, 1), Err(ModelError::TooFewRows { rows: 1, .. })));
}

/// The CLV generator's value is linear in the features plus noise with a standard deviation of
/// ~115 (mean absolute ~92) against a spread of several hundred, so a correct fit explains
/// most of the variance and misses by about the noise.
const MIN_R2: f64 = 0.9;

#[test]
fn a_clv_model_recovers_the_known_amount_signal() {
    let trained = train("clv", &synthetic_clv(4_000, 7), 1).expect("trains");
    let fit = trained.report.fit.expect("an amount model reports its fit");
    assert!(fit.r2 > MIN_R2 && fit.mae < 110.0, "{fit:?}");
    assert_eq!(trained.report.auc, None);
    assert_eq!(trained.model.link, journeys_core::scoring::Link::Identity);
    // Per raw unit: coefficient / scale recovers the generator's slopes.
    let slope = |name: &str| {
        let j = trained.model.features.iter().position(|f| f == name).expect("feature");
        trained.model.coefficients[j] / trained.model.scale[j]
    };
    assert!((slope("tenure_months") - 12.0).abs() < 0.5 && (slope("product_count") - 90.0).abs() < 5.0 && (slope("last_activity_days_ago") + 2.0).abs() < 0.3, "{:?}", trained.model);
    // Scores are amounts, not probabilities.
    let loyal = trained.model.score(&[100.0, 4.0, 2.0, 10_000.0]).expect("scores");
    assert!((loyal - (150.0 + 1_200.0 + 360.0 + 100.0 - 4.0)).abs() < 40.0, "{loyal}");
}
