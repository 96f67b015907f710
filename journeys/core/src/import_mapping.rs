//! Importing the bank's own files: a mapping names, for each column of its CSV, the profile
//! attribute it fills (a standard field or an attribute of the customer schema), with a date
//! format where the file does not use ISO 8601, and says what an empty cell means. Rows update
//! the stored profile (columns not in the file keep their values) or make a new customer.
//!
//! ```json
//! {"columns": {"CustomerID": "id", "Band": "risk_band",
//!              "LastLogin": {"attribute": "last_login_at", "format": "%d/%m/%Y %H:%M"},
//!              "Notes": null},
//!  "empty_cells": "keep"}
//! ```

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::customer_schema::{AttributeKind, CustomerSchema};
use crate::population::{blank_customer, Customer, RowError, CSV_COLUMNS};

/// Where one column goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ColumnTarget {
    /// The attribute's name.
    Attribute(String),
    /// With a `chrono` format for dates and timestamps, e.g. `%d/%m/%Y`.
    Formatted { attribute: String, format: String },
}

impl ColumnTarget {
    pub fn attribute(&self) -> &str {
        match self {
            ColumnTarget::Attribute(a) | ColumnTarget::Formatted { attribute: a, .. } => a,
        }
    }
}

/// What an empty cell does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyCells {
    /// The stored value stays (a partial update).
    #[default]
    Keep,
    /// A schema attribute is cleared (standard fields keep theirs: they always have a value).
    Clear,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportMapping {
    /// Column name → target; `null` skips the column. Every column of the file must be named.
    pub columns: BTreeMap<String, Option<ColumnTarget>>,
    #[serde(default)]
    pub empty_cells: EmptyCells,
}

/// A mapped file, row by row: each row's customer id and its cells in target order.
#[derive(Debug)]
pub struct MappedFile {
    /// (position in the record, target attribute, format)
    targets: Vec<(usize, String, Option<String>)>,
    id_column: usize,
    empty_cells: EmptyCells,
}

impl ImportMapping {
    /// The file's columns that are standard fields or schema attributes, each onto itself (the
    /// `population generate` CSV); any other column stays unmapped, so `plan` reports it.
    pub fn identity(headers: &csv::StringRecord, schema: &CustomerSchema) -> ImportMapping {
        let known = headers.iter().filter(|h| CSV_COLUMNS.contains(h) || schema.attribute(h).is_some());
        ImportMapping { columns: known.map(|n| (n.to_string(), Some(ColumnTarget::Attribute(n.to_string())))).collect(), empty_cells: EmptyCells::Keep }
    }

    pub fn parse(text: &str) -> Result<ImportMapping, String> {
        serde_json::from_str(text).map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))
    }

    /// Check the mapping against the file's header and the schema; every problem is a row-1
    /// error naming the column.
    pub fn plan(&self, headers: &csv::StringRecord, schema: &CustomerSchema) -> Result<MappedFile, Vec<RowError>> {
        let header_error = |column: &str, message: String| RowError { row: 1, column: Some(column.to_string()), message };
        let mut errors = Vec::new();
        let mut targets = Vec::new();
        let mut id_column = None;
        for (i, column) in headers.iter().enumerate() {
            match self.columns.get(column) {
                None => errors.push(header_error(column, "the mapping does not name this column (map it, or map it to null to skip it)".into())),
                Some(None) => {}
                Some(Some(target)) => {
                    let attribute = target.attribute();
                    let format = match target {
                        ColumnTarget::Formatted { format, .. } => Some(format.clone()),
                        ColumnTarget::Attribute(_) => None,
                    };
                    if attribute == "id" {
                        id_column = Some(i);
                    } else if let Some(def) = schema.attribute(attribute) {
                        if format.is_some() && !matches!(def.kind, AttributeKind::Date | AttributeKind::Timestamp) {
                            errors.push(header_error(column, format!("a format is for dates and timestamps; {attribute} is {}", def.kind.key())));
                        }
                        targets.push((i, attribute.to_string(), format));
                    } else if CSV_COLUMNS.contains(&attribute) {
                        targets.push((i, attribute.to_string(), format));
                    } else {
                        errors.push(header_error(column, format!("maps to {attribute}, which is neither a profile field nor an attribute of the customer schema")));
                    }
                }
            }
        }
        for (column, target) in &self.columns {
            if target.is_some() && !headers.iter().any(|h| h == column) {
                errors.push(header_error(column, "the mapping names this column but the file has none".into()));
            }
        }
        match id_column {
            Some(id_column) if errors.is_empty() => Ok(MappedFile { targets, id_column, empty_cells: self.empty_cells }),
            None => {
                errors.push(RowError { row: 1, column: None, message: "no column is mapped to id".into() });
                Err(errors)
            }
            Some(_) => Err(errors),
        }
    }
}

impl MappedFile {
    pub fn id<'a>(&self, record: &'a csv::StringRecord) -> &'a str {
        record.get(self.id_column).unwrap_or_default().trim()
    }

    /// The profile after this row: `stored` (or a blank new customer) with the row's cells.
    pub fn apply(&self, row: u64, record: &csv::StringRecord, stored: Option<Customer>, schema: &CustomerSchema) -> Result<Customer, RowError> {
        let id = self.id(record);
        if id.is_empty() {
            return Err(RowError { row, column: None, message: "empty customer id".into() });
        }
        let mut customer = stored.unwrap_or_else(|| blank_customer(id));
        let mut fields = serde_json::to_value(&customer).map_err(|e| RowError { row, column: None, message: e.to_string() })?;
        for (position, attribute, format) in &self.targets {
            let cell = record.get(*position).unwrap_or_default().trim();
            let fail = |message: String| RowError { row, column: Some(attribute.clone()), message };
            if cell.is_empty() {
                if self.empty_cells == EmptyCells::Clear {
                    customer.attributes.remove(attribute);
                }
                continue;
            }
            if schema.attribute(attribute).is_some() {
                let value = match format {
                    Some(format) => Value::from(parse_formatted(cell, format).ok_or_else(|| fail(format!("'{cell}' does not match the format {format}")))?),
                    None => Value::String(cell.to_string()),
                };
                let stored = schema.convert(attribute, &value).map_err(|e| fail(e.to_string()))?;
                customer.attributes.extend(stored.map(|v| (attribute.clone(), v)));
            } else {
                // A standard field: the cell read as the field's JSON type.
                let current = fields.get(attribute.as_str()).cloned().unwrap_or(Value::Null);
                let value = match current {
                    Value::Bool(_) => match cell.to_ascii_lowercase().as_str() {
                        "true" | "yes" | "y" | "1" => Value::Bool(true),
                        "false" | "no" | "n" | "0" => Value::Bool(false),
                        _ => return Err(fail(format!("'{cell}' is not true or false"))),
                    },
                    Value::Number(n) if n.is_i64() => cell.parse::<i64>().map(Value::from).map_err(|_| fail(format!("'{cell}' is not an integer")))?,
                    Value::Number(_) => cell.parse::<f64>().ok().filter(|f| f.is_finite()).map(Value::from).ok_or_else(|| fail(format!("'{cell}' is not a number")))?,
                    _ => Value::String(cell.to_string()),
                };
                if let Some(map) = fields.as_object_mut() {
                    map.insert(attribute.clone(), value);
                }
            }
        }
        // Standard fields go through the typed profile once, with the attributes set above.
        if let Some(map) = fields.as_object_mut() {
            map.insert("attributes".into(), serde_json::to_value(&customer.attributes).unwrap_or_default());
        }
        let customer: Customer = serde_json::from_value(fields).map_err(|e| RowError { row, column: None, message: e.to_string() })?;
        if let Some(missing) = schema.missing_required(&customer.attributes) {
            return Err(RowError { row, column: Some(missing.name.clone()), message: format!("{} is required", missing.name) });
        }
        Ok(customer)
    }
}

/// A date or timestamp in the file's own format, as epoch ms (UTC).
fn parse_formatted(cell: &str, format: &str) -> Option<i64> {
    NaiveDateTime::parse_from_str(cell, format)
        .map(|t| t.and_utc().timestamp_millis())
        .ok()
        .or_else(|| NaiveDate::parse_from_str(cell, format).ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc().timestamp_millis()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> CustomerSchema {
        CustomerSchema::parse(r#"{"attributes": [{"name": "risk_band", "type": "enum", "values": ["low", "high"]}, {"name": "last_login_at", "type": "timestamp"}, {"name": "joined", "type": "date"}]}"#).expect("schema")
    }

    fn mapping() -> ImportMapping {
        ImportMapping::parse(r#"{"columns": {"CustomerID": "id", "Band": "risk_band", "Login": {"attribute": "last_login_at", "format": "%d/%m/%Y %H:%M"}, "Joined": {"attribute": "joined", "format": "%d/%m/%Y"}, "Tenure": "tenure_months", "Email ok": "consent_email", "Notes": null}}"#).expect("mapping")
    }

    fn record(cells: &[&str]) -> csv::StringRecord {
        csv::StringRecord::from(cells.to_vec())
    }

    const HEADER: &[&str] = &["CustomerID", "Band", "Login", "Joined", "Tenure", "Email ok", "Notes"];

    #[test]
    fn a_row_fills_fields_and_attributes_and_keeps_what_it_does_not_name() {
        let schema = schema();
        let plan = mapping().plan(&record(HEADER), &schema).expect("plan");
        let new = plan.apply(2, &record(&["B-1", "high", "02/01/2026 10:00", "29/02/1980", "14", "yes", "vip"]), None, &schema).expect("row");
        assert_eq!((new.id.as_str(), new.tenure_months, new.consent_email, new.consent_sms), ("B-1", 14, true, false), "a new customer consents to nothing unmapped");
        assert_eq!(new.attributes["risk_band"], "high");
        assert_eq!(new.attributes["last_login_at"], 1_767_348_000_000_i64);
        assert_eq!(new.attributes["joined"], 320_630_400_000_i64);
        // A partial update: empty cells keep the stored values.
        let updated = plan.apply(3, &record(&["B-1", "low", "", "", "", "", ""]), Some(new.clone()), &schema).expect("row");
        assert_eq!((updated.attributes["risk_band"].as_str(), updated.tenure_months), (Some("low"), 14));
        assert_eq!(updated.attributes["last_login_at"], new.attributes["last_login_at"]);
    }

    #[test]
    fn bad_cells_and_bad_mappings_name_the_row_and_column() {
        let schema = schema();
        let plan = mapping().plan(&record(HEADER), &schema).expect("plan");
        let error = plan.apply(7, &record(&["B-2", "high", "2026-01-02", "", "x", "", ""]), None, &schema).expect_err("bad login");
        assert_eq!(error.to_string(), "row 7, column last_login_at: '2026-01-02' does not match the format %d/%m/%Y %H:%M");
        let error = plan.apply(8, &record(&["B-2", "high", "", "", "fourteen", "", ""]), None, &schema).expect_err("bad tenure");
        assert_eq!(error.to_string(), "row 8, column tenure_months: 'fourteen' is not an integer");
        let errors = mapping().plan(&record(&["CustomerID", "Band", "Shoe"]), &schema).expect_err("unmapped column");
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(text.contains(&"row 1, column Shoe: the mapping does not name this column (map it, or map it to null to skip it)".to_string()), "{text:?}");
        assert!(text.iter().any(|e| e.contains("column Tenure: the mapping names this column but the file has none")), "{text:?}");
        let wrong = ImportMapping::parse(r#"{"columns": {"id": "id", "x": "favourite_colour"}}"#).expect("mapping");
        let errors = wrong.plan(&record(&["id", "x"]), &schema).expect_err("unknown attribute");
        assert!(errors[0].to_string().contains("favourite_colour, which is neither a profile field nor an attribute"), "{errors:?}");
    }
}
