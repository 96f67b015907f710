//! Data sets: feature matrix, outcome labels, and where they came from.

use journeys_core::scoring::FEATURES;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ModelError;

/// The outcome column of a training file: 1 (happened) or 0 for a propensity model, an
/// amount (customer lifetime value) for `clv`.
pub const LABEL: &str = "label";

#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub features: Vec<String>,
    /// One row per customer, values in `features` order.
    pub rows: Vec<Vec<f64>>,
    /// 0/1 outcomes; empty when the data has no `label` column (a population to check for
    /// drift) or its labels are amounts.
    pub labels: Vec<bool>,
    /// The `label` column as numbers (0/1 outcomes or amounts); empty without one.
    pub amounts: Vec<f64>,
    pub source: String,
}

/// Read a CSV file with a header: feature columns (each one of `scoring::FEATURES`), an
/// optional `id` column (ignored), and `label` (0/1; required when `need_label`).
pub fn read_csv(reader: impl std::io::Read, source_name: &str, need_label: bool) -> Result<Dataset, ModelError> {
    let csv_error = |e: csv::Error| ModelError::Csv { source_name: source_name.to_string(), message: e.to_string() };
    let mut csv = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(reader);
    let header: Vec<String> = csv.headers().map_err(csv_error)?.iter().map(str::to_string).collect();
    let mut columns = Vec::new(); // (index in the file, feature name)
    let mut label_at = None;
    for (i, name) in header.iter().enumerate() {
        match name.as_str() {
            LABEL => label_at = Some(i),
            "id" | "customer_id" => {}
            other if FEATURES.contains(&other) => columns.push((i, other.to_string())),
            other => {
                return Err(ModelError::UnknownColumn { source_name: source_name.into(), column: other.into(), known: FEATURES.join(", ") });
            }
        }
    }
    if need_label && label_at.is_none() {
        return Err(ModelError::NoLabel { source_name: source_name.into() });
    }
    if columns.is_empty() {
        return Err(ModelError::NoFeatures { source_name: source_name.into() });
    }
    let mut data = Dataset { features: columns.iter().map(|(_, n)| n.clone()).collect(), rows: Vec::new(), labels: Vec::new(), amounts: Vec::new(), source: source_name.into() };
    for record in csv.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            return Err(ModelError::RowLength { source_name: source_name.into(), line, found: record.len(), expected: header.len() });
        }
        let bad = |column: &str, value: &str, expected| ModelError::BadValue { source_name: source_name.into(), line, column: column.into(), value: value.chars().take(40).collect(), expected };
        let mut row = Vec::with_capacity(columns.len());
        for (i, name) in &columns {
            let text = &record[*i];
            let value = match text {
                "true" => 1.0,
                "false" => 0.0,
                _ => text.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| bad(name, text, "a finite number"))?,
            };
            row.push(value);
        }
        if let Some(i) = label_at {
            let amount = match &record[i] {
                "true" => 1.0,
                "false" => 0.0,
                other => other.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| bad(LABEL, other, "0, 1 or an amount"))?,
            };
            data.amounts.push(amount);
        }
        data.rows.push(row);
    }
    if data.amounts.iter().all(|a| *a == 0.0 || *a == 1.0) {
        data.labels = data.amounts.iter().map(|a| *a == 1.0).collect();
    }
    Ok(data)
}

/// Write `data` as CSV (header, then rows; `label` last when there are labels).
pub fn write_csv(data: &Dataset, out: impl std::io::Write) -> Result<(), ModelError> {
    let err = |e: csv::Error| ModelError::Csv { source_name: "output".into(), message: e.to_string() };
    let mut w = csv::Writer::from_writer(out);
    let mut header = data.features.clone();
    if !data.amounts.is_empty() {
        header.push(LABEL.into());
    }
    w.write_record(&header).map_err(err)?;
    for (i, row) in data.rows.iter().enumerate() {
        let mut fields: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        if let Some(amount) = data.amounts.get(i) {
            fields.push(amount.to_string());
        }
        w.write_record(&fields).map_err(err)?;
    }
    w.flush().map_err(|e| ModelError::Csv { source_name: "output".into(), message: e.to_string() })
}

/// A seeded synthetic population with a known signal: churn rises with days since last
/// activity and falls with tenure and product count. `shift` moves the population (more
/// inactive, newer customers) to exercise drift monitoring; 0 for the training population.
pub fn synthetic(rows: usize, seed: u64, shift: f64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let features = ["tenure_months", "product_count", "last_activity_days_ago", "balance"].map(String::from).to_vec();
    let mut data = Dataset { features, rows: Vec::with_capacity(rows), labels: Vec::with_capacity(rows), amounts: Vec::with_capacity(rows), source: format!("synthetic(seed {seed})") };
    for _ in 0..rows {
        let tenure = (rng.random_range(0.0..120.0_f64) * (1.0 - 0.5 * shift)).round();
        let products = f64::from(rng.random_range(1..=5_u8));
        let inactive = (rng.random_range(0.0..90.0_f64) + 60.0 * shift).round();
        let balance = (rng.random_range(0.0..20_000.0_f64)).round();
        // The known signal: log-odds linear in the features; balance carries none.
        let z = -1.0 + 0.04 * inactive - 0.02 * tenure - 0.4 * products;
        let p = journeys_core::scoring::sigmoid(z);
        let churned = rng.random_bool(p.clamp(0.0, 1.0));
        data.labels.push(churned);
        data.amounts.push(if churned { 1.0 } else { 0.0 });
        data.rows.push(vec![tenure, products, inactive, balance]);
    }
    data
}

/// A seeded synthetic population with a known customer-lifetime-value signal: value grows with
/// tenure, products and balance and falls with inactivity, plus noise.
pub fn synthetic_clv(rows: usize, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let features = ["tenure_months", "product_count", "last_activity_days_ago", "balance"].map(String::from).to_vec();
    let mut data = Dataset { features, rows: Vec::with_capacity(rows), labels: Vec::new(), amounts: Vec::with_capacity(rows), source: format!("synthetic clv(seed {seed})") };
    for _ in 0..rows {
        let tenure = rng.random_range(0.0..120.0_f64).round();
        let products = f64::from(rng.random_range(1..=5_u8));
        let inactive = rng.random_range(0.0..90.0_f64).round();
        let balance = rng.random_range(0.0..20_000.0_f64).round();
        // Noise: the sum of four uniforms, roughly normal with a standard deviation of ~115.
        let noise: f64 = (0..4).map(|_| rng.random_range(-100.0..100.0_f64)).sum();
        let value = 150.0 + 12.0 * tenure + 90.0 * products + 0.01 * balance - 2.0 * inactive + noise;
        data.amounts.push(value.round());
        data.rows.push(vec![tenure, products, inactive, balance]);
    }
    data
}
