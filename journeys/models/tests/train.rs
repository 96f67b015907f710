//! Training on seeded synthetic data with a known signal, CSV errors with their line, and drift.

use journeys_core::scoring::{drift, DriftBand};
use journeys_models::{read_csv, synthetic, train, write_csv, ModelError};

/// The synthetic population's log-odds span several units, so a correct fit separates the
/// classes well; 0.75 is far above chance (0.5) and below what the generator allows (~0.85).
const MIN_AUC: f64 = 0.75;

#[test]
fn a_model_trained_on_a_known_signal_reaches_the_auc_bound() {
    let data = synthetic(4_000, 7, 0.0);
    let trained = train("churn", &data, 1).expect("trains");
    assert!(trained.report.auc > MIN_AUC, "held-out AUC {}", trained.report.auc);
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

    let bad = "tenure_months,label\n12,1\nabc,0\n";
    let err = read_csv(bad.as_bytes(), "f.csv", true).expect_err("bad value");
    assert!(matches!(err, ModelError::BadValue { line: 3, .. }), "{err:?}");
    assert_eq!(err.to_string(), "f.csv line 3, column 'tenure_months': 'abc' is not a finite number");
    let err = read_csv("tenure_months,label\n12,2\n".as_bytes(), "f.csv", true).expect_err("bad label");
    assert_eq!(err.to_string(), "f.csv line 2, column 'label': '2' is not 0 or 1");
    let err = read_csv("shoe_size,label\n".as_bytes(), "f.csv", true).expect_err("unknown column");
    assert!(matches!(err, ModelError::UnknownColumn { ref column, .. } if column == "shoe_size"), "{err:?}");
    assert!(matches!(read_csv("tenure_months\n3\n".as_bytes(), "f.csv", true), Err(ModelError::NoLabel { .. })));
    assert!(read_csv("tenure_months\n3\n".as_bytes(), "f.csv", false).is_ok(), "a population to check for drift needs no label");
}

#[test]
fn refuses_unknown_kinds_and_one_class_data() {
    let data = synthetic(200, 3, 0.0);
    assert!(matches!(train("clv", &data, 1), Err(ModelError::UnknownKind(_))));
    let mut one_class = data.clone();
    one_class.labels.iter_mut().for_each(|l| *l = false);
    assert!(matches!(train("churn", &one_class, 1), Err(ModelError::TooLittleData { .. })));
}
