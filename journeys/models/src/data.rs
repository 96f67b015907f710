//! Data sets: feature matrix, outcome labels, and where they came from.

use journeys_core::scoring::FEATURES;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ModelError;

/// The outcome column of a training file: 1 (happened) or 0.
pub const LABEL: &str = "label";

#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub features: Vec<String>,
    /// One row per customer, values in `features` order.
    pub rows: Vec<Vec<f64>>,
    /// Outcomes; empty when the data has no `label` column (a population to check for drift).
    pub labels: Vec<bool>,
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
    let mut data = Dataset { features: columns.iter().map(|(_, n)| n.clone()).collect(), rows: Vec::new(), labels: Vec::new(), source: source_name.into() };
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
            let label = match &record[i] {
                "1" | "true" => true,
                "0" | "false" => false,
                other => return Err(bad(LABEL, other, "0 or 1")),
            };
            data.labels.push(label);
        }
        data.rows.push(row);
    }
    Ok(data)
}

/// Write `data` as CSV (header, then rows; `label` last when there are labels).
pub fn write_csv(data: &Dataset, out: impl std::io::Write) -> Result<(), ModelError> {
    let err = |e: csv::Error| ModelError::Csv { source_name: "output".into(), message: e.to_string() };
    let mut w = csv::Writer::from_writer(out);
    let mut header = data.features.clone();
    if !data.labels.is_empty() {
        header.push(LABEL.into());
    }
    w.write_record(&header).map_err(err)?;
    for (i, row) in data.rows.iter().enumerate() {
        let mut fields: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        if let Some(l) = data.labels.get(i) {
            fields.push(if *l { "1".into() } else { "0".into() });
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
    let mut data = Dataset { features, rows: Vec::with_capacity(rows), labels: Vec::with_capacity(rows), source: format!("synthetic(seed {seed})") };
    for _ in 0..rows {
        let tenure = (rng.random_range(0.0..120.0_f64) * (1.0 - 0.5 * shift)).round();
        let products = f64::from(rng.random_range(1..=5_u8));
        let inactive = (rng.random_range(0.0..90.0_f64) + 60.0 * shift).round();
        let balance = (rng.random_range(0.0..20_000.0_f64)).round();
        // The known signal: log-odds linear in the features; balance carries none.
        let z = -1.0 + 0.04 * inactive - 0.02 * tenure - 0.4 * products;
        let p = journeys_core::scoring::sigmoid(z);
        data.labels.push(rng.random_bool(p.clamp(0.0, 1.0)));
        data.rows.push(vec![tenure, products, inactive, balance]);
    }
    data
}
