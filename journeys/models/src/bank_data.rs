//! Training data in the bank's own columns: any CSV with a header, an outcome column named by
//! the caller, and features chosen from the rest. Numbers (and booleans, as 0/1) are taken as
//! they are and standardised by the trainer; text columns are one-hot encoded (`column=value`,
//! at most `MAX_LEVELS` values each); empty or non-numeric cells of a numeric column are imputed
//! with the column's mean and counted. The encoded names are the model's feature list, and
//! core's `scoring::customer_feature` reads them from a profile's attributes the same way.

use std::collections::{BTreeMap, BTreeSet};

use crate::{Dataset, ModelError};

/// Most values a text column may take to be one-hot encoded.
pub const MAX_LEVELS: usize = 50;

/// What reading the file found, beside the data set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Encoding {
    /// Numeric cells imputed with the mean, by column.
    pub imputed: BTreeMap<String, usize>,
    /// Text columns and their values, one feature each.
    pub one_hot: BTreeMap<String, Vec<String>>,
}

fn number(cell: &str) -> Option<f64> {
    match cell.to_ascii_lowercase().as_str() {
        "true" | "yes" => Some(1.0),
        "false" | "no" => Some(0.0),
        other => other.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

fn outcome(cell: &str) -> Option<bool> {
    number(cell).and_then(|v| if v == 1.0 { Some(true) } else if v == 0.0 { Some(false) } else { None })
}

/// Read `reader` (named `source_name` in errors) with `label` as the outcome (1/0, yes/no,
/// true/false) and `features` (all other columns but `id`-like ones when empty).
pub fn read_bank_csv(reader: impl std::io::Read, source_name: &str, label: &str, features: &[String]) -> Result<(Dataset, Encoding), ModelError> {
    let csv_error = |e: csv::Error| ModelError::Csv { source_name: source_name.to_string(), message: e.to_string() };
    let mut csv = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(reader);
    let header: Vec<String> = csv.headers().map_err(csv_error)?.iter().map(str::to_string).collect();
    let label_at = header.iter().position(|h| h == label).ok_or_else(|| ModelError::NoLabelColumn { source_name: source_name.into(), column: label.into() })?;
    let chosen: Vec<usize> = if features.is_empty() {
        (0..header.len()).filter(|&i| i != label_at && !matches!(header[i].to_ascii_lowercase().as_str(), "id" | "customer_id" | "customerid")).collect()
    } else {
        features
            .iter()
            .map(|f| header.iter().position(|h| h == f).ok_or_else(|| ModelError::UnknownColumn { source_name: source_name.into(), column: f.clone(), known: header.join(", ") }))
            .collect::<Result<_, _>>()?
    };
    if chosen.is_empty() {
        return Err(ModelError::NoFeatures { source_name: source_name.into() });
    }
    let mut records = Vec::new();
    let mut labels = Vec::new();
    for record in csv.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = &record[label_at];
        labels.push(outcome(cell).ok_or_else(|| ModelError::BadValue { source_name: source_name.into(), line, column: label.into(), value: cell.chars().take(40).collect(), expected: "an outcome: 1 or 0, yes or no, true or false" })?);
        records.push(record);
    }
    // A column is numeric when every non-empty cell is a number; else it is text.
    let mut encoding = Encoding::default();
    let mut names = Vec::new();
    enum Column {
        Numeric { at: usize, mean: f64 },
        Text { at: usize, values: Vec<String> },
    }
    let mut columns = Vec::new();
    for &at in &chosen {
        let cells: Vec<&str> = records.iter().map(|r| &r[at]).collect();
        let numeric: Vec<Option<f64>> = cells.iter().map(|c| number(c)).collect();
        let filled = cells.iter().filter(|c| !c.is_empty()).count();
        let parsed = numeric.iter().filter(|v| v.is_some()).count();
        if parsed > 0 && parsed == filled {
            let mean = numeric.iter().flatten().sum::<f64>() / parsed as f64;
            let missing = cells.len() - parsed;
            if missing > 0 {
                encoding.imputed.insert(header[at].clone(), missing);
            }
            names.push(header[at].clone());
            columns.push(Column::Numeric { at, mean });
        } else {
            let values: BTreeSet<&str> = cells.iter().copied().filter(|c| !c.is_empty()).collect();
            if values.len() > MAX_LEVELS {
                return Err(ModelError::TooManyLevels { source_name: source_name.into(), column: header[at].clone(), levels: values.len(), max: MAX_LEVELS });
            }
            let values: Vec<String> = values.into_iter().map(str::to_string).collect();
            names.extend(values.iter().map(|v| format!("{}={v}", header[at])));
            encoding.one_hot.insert(header[at].clone(), values.clone());
            columns.push(Column::Text { at, values });
        }
    }
    let rows = records
        .iter()
        .map(|r| {
            let mut row = Vec::with_capacity(names.len());
            for column in &columns {
                match column {
                    Column::Numeric { at, mean } => row.push(number(&r[*at]).unwrap_or(*mean)),
                    Column::Text { at, values } => row.extend(values.iter().map(|v| f64::from(u8::from(&r[*at] == v.as_str())))),
                }
            }
            row
        })
        .collect();
    let amounts = labels.iter().map(|l| f64::from(u8::from(*l))).collect();
    Ok((Dataset { features: names, rows, labels, amounts, source: source_name.into() }, encoding))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_kept_text_is_one_hot_and_gaps_are_imputed() {
        let csv = "customerID,Contract,tenure,Paperless,TotalCharges,Churn\nA,Month-to-month,1,Yes,29.85,Yes\nB,Two year,34,No,,No\nC,Month-to-month,2,Yes,108.15,Yes\n";
        let (data, encoding) = read_bank_csv(csv.as_bytes(), "telco.csv", "Churn", &[]).expect("read");
        assert_eq!(data.features, vec!["Contract=Month-to-month", "Contract=Two year", "tenure", "Paperless", "TotalCharges"]);
        assert_eq!(data.rows[1], vec![0.0, 1.0, 34.0, 0.0, 69.0], "the empty charge is the mean of the others");
        assert_eq!(data.labels, vec![true, false, true]);
        assert_eq!(encoding.imputed.get("TotalCharges"), Some(&1));
        let bad = read_bank_csv("id,x,Churn\n1,2,maybe\n".as_bytes(), "t.csv", "Churn", &[]).expect_err("bad outcome");
        assert!(bad.to_string().contains("line 2, column 'Churn': 'maybe' is not an outcome"), "{bad}");
        let missing = read_bank_csv("id,x\n1,2\n".as_bytes(), "t.csv", "Churn", &[]).expect_err("no label");
        assert!(missing.to_string().contains("no column 'Churn'"), "{missing}");
        let unknown = read_bank_csv(csv.as_bytes(), "telco.csv", "Churn", &["shoe".to_string()]).expect_err("unknown feature");
        assert!(unknown.to_string().contains("column 'shoe'"), "{unknown}");
    }
}
