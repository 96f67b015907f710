//! The bank's customer schema: the attributes its profiles carry beyond the standard ones,
//! each with a type. An admin applies it (the store keeps it, audited); imports check and
//! convert every value against it; profiles keep the converted values under `attributes`;
//! expressions read them as `customer.NAME` in the simulator and the engine alike; validation
//! knows their names and types.
//!
//! Stored values are canonical JSON: text and enums as strings, integers and numbers as
//! numbers, booleans, lists as arrays of strings, and dates and timestamps as epoch
//! milliseconds (so `days_since(customer.last_login_at)` grows as the clock moves).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::settings::AttributeType;
use crate::text;

/// Attributes every profile has whatever the schema says; a schema may not redeclare them.
pub const BUILT_IN: &[(&str, AttributeKind)] = &[("id", AttributeKind::Text), ("time_zone", AttributeKind::Text), ("email", AttributeKind::Text)];

/// Most attributes one schema may declare.
pub const MAX_ATTRIBUTES: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeKind {
    Text,
    Integer,
    Number,
    Boolean,
    /// A calendar date, `YYYY-MM-DD` in files (midnight UTC inside).
    Date,
    /// An instant, RFC 3339 in files.
    Timestamp,
    /// One of `values`.
    Enum,
    /// A list of text (`a;b;c` in a CSV cell).
    List,
}

impl AttributeKind {
    pub fn key(self) -> &'static str {
        match self {
            AttributeKind::Text => "text",
            AttributeKind::Integer => "integer",
            AttributeKind::Number => "number",
            AttributeKind::Boolean => "boolean",
            AttributeKind::Date => "date",
            AttributeKind::Timestamp => "timestamp",
            AttributeKind::Enum => "enum",
            AttributeKind::List => "list",
        }
    }

    /// The type expressions see.
    pub fn expression_type(self) -> AttributeType {
        match self {
            AttributeKind::Text | AttributeKind::Enum => AttributeType::String,
            AttributeKind::Integer => AttributeType::Int,
            AttributeKind::Number => AttributeType::Float,
            AttributeKind::Boolean => AttributeType::Bool,
            AttributeKind::Date | AttributeKind::Timestamp => AttributeType::Date,
            AttributeKind::List => AttributeType::List,
        }
    }
}

/// One declared attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AttributeKind,
    /// The allowed values of an enum.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// A required attribute must be in every imported profile.
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Personal data: masked in logs, listed in a subject access export.
    #[serde(default)]
    pub pii: bool,
}

/// The schema as a file holds it and the store keeps it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerSchema {
    pub attributes: Vec<AttributeDef>,
    /// Events that set attributes: `{"event": "address_changed", "set": {"postcode": "event.postcode"}}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventRule>,
    /// Rolling aggregates over events, readable as `customer.NAME`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aggregates: Vec<Aggregate>,
}

/// An event type that keeps attributes current: each target attribute takes `event.time` or
/// `event.FIELD` (converted by the attribute's type) whenever such an event arrives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRule {
    pub event: String,
    pub set: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggregateFunction {
    Count,
    Sum,
}

/// `count` of `event`s, or `sum` of their numeric `field`, over the last `days` days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregate {
    pub name: String,
    pub event: String,
    pub function: AggregateFunction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub days: u32,
}

impl Aggregate {
    pub fn expression_type(&self) -> AttributeType {
        match self.function {
            AggregateFunction::Count => AttributeType::Int,
            AggregateFunction::Sum => AttributeType::Float,
        }
    }
}

/// Most days a rolling aggregate may look back.
pub const MAX_AGGREGATE_DAYS: u32 = 400;

/// The schema in force, as the store keeps it and the app shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedSchema {
    /// 0 for the empty schema of a database where none was applied yet.
    pub version: i64,
    pub schema: CustomerSchema,
    pub applied_by: Option<String>,
    pub applied_at: Option<i64>,
}

/// The sample bank's schema a new sample database starts with (every attribute optional, so
/// profiles without them still import).
pub const SAMPLE_SCHEMA: &str = include_str!("../../../schema/sample-customer-schema.json");

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SchemaError {
    #[error("line {line}, column {column}: {message}")]
    Json { line: usize, column: usize, message: String },
    #[error("attributes[{index}] ('{name}'): {message}")]
    Attribute { index: usize, name: String, message: String },
    #[error("the schema declares {0} attributes; at most {MAX_ATTRIBUTES} are allowed")]
    TooMany(usize),
    #[error("{what}[{index}]: {message}")]
    Rule { what: &'static str, index: usize, message: String },
}

/// Why a value does not fit its attribute.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("'{0}' is not an attribute of the customer schema")]
    Unknown(String),
    #[error("{attribute} is required")]
    Missing { attribute: String },
    #[error("{attribute}: {found} is not {expected}")]
    Type { attribute: String, found: String, expected: String },
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') && name.len() <= 64
}

impl CustomerSchema {
    /// Read a schema file: JSON errors with line and column, then every attribute checked.
    pub fn parse(text: &str) -> Result<CustomerSchema, SchemaError> {
        let schema: CustomerSchema = serde_json::from_str(text).map_err(|e| SchemaError::Json { line: e.line(), column: e.column(), message: e.to_string() })?;
        schema.check()?;
        Ok(schema)
    }

    /// Names unique, lower_snake_case, not built in; enums with values; no odd text.
    pub fn check(&self) -> Result<(), SchemaError> {
        if self.attributes.len() > MAX_ATTRIBUTES {
            return Err(SchemaError::TooMany(self.attributes.len()));
        }
        let mut seen = BTreeSet::new();
        for (index, a) in self.attributes.iter().enumerate() {
            let fail = |message: String| SchemaError::Attribute { index, name: a.name.chars().flat_map(char::escape_debug).collect(), message };
            if !is_name(&a.name) {
                return Err(fail("a name is 1 to 64 of a-z, 0-9 and _, starting with a letter".into()));
            }
            if BUILT_IN.iter().any(|(b, _)| *b == a.name) {
                return Err(fail("is built in; it needs no declaration".into()));
            }
            if !seen.insert(a.name.as_str()) {
                return Err(fail("is declared twice".into()));
            }
            match (a.kind, a.values.is_empty()) {
                (AttributeKind::Enum, true) => return Err(fail("an enum lists its values".into())),
                (AttributeKind::Enum, false) => {}
                (_, false) => return Err(fail(format!("values are for enums, not {}", a.kind.key()))),
                _ => {}
            }
            for value in &a.values {
                text::check_id("value", value).map_err(|e| fail(e.to_string()))?;
            }
            text::check_free_text("description", &a.description).map_err(|e| fail(e.to_string()))?;
        }
        for (index, rule) in self.events.iter().enumerate() {
            let fail = |message: String| SchemaError::Rule { what: "events", index, message };
            text::check_id("event", &rule.event).map_err(|e| fail(e.to_string()))?;
            for (attribute, source) in &rule.set {
                if self.attribute(attribute).is_none() {
                    return Err(fail(format!("sets {attribute}, which the schema does not declare")));
                }
                let field = source.strip_prefix("event.").filter(|f| !f.is_empty());
                if field.is_none() {
                    return Err(fail(format!("{attribute} takes '{source}'; write event.time or event.FIELD")));
                }
            }
        }
        for (index, aggregate) in self.aggregates.iter().enumerate() {
            let fail = |message: String| SchemaError::Rule { what: "aggregates", index, message };
            if !is_name(&aggregate.name) || BUILT_IN.iter().any(|(b, _)| *b == aggregate.name) || self.attribute(&aggregate.name).is_some() || !seen.insert(aggregate.name.as_str()) {
                return Err(fail(format!("'{}' must be a new lower_snake_case name", aggregate.name.chars().flat_map(char::escape_debug).collect::<String>())));
            }
            text::check_id("event", &aggregate.event).map_err(|e| fail(e.to_string()))?;
            if !(1..=MAX_AGGREGATE_DAYS).contains(&aggregate.days) {
                return Err(fail(format!("days is {}; between 1 and {MAX_AGGREGATE_DAYS}", aggregate.days)));
            }
            match (aggregate.function, &aggregate.field) {
                (AggregateFunction::Sum, None) => return Err(fail("a sum names the event field it adds up (field)".into())),
                (AggregateFunction::Count, Some(_)) => return Err(fail("a count counts events; it takes no field".into())),
                _ => {}
            }
        }
        Ok(())
    }

    pub fn aggregate(&self, name: &str) -> Option<&Aggregate> {
        self.aggregates.iter().find(|a| a.name == name)
    }

    /// Whether events of this type change profiles (attributes or aggregates).
    pub fn reacts_to(&self, event_type: &str) -> bool {
        self.events.iter().any(|r| r.event == event_type) || self.aggregates.iter().any(|a| a.event == event_type)
    }

    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The type of `customer.NAME` for expressions, when the schema declares it (an attribute
    /// or a rolling aggregate).
    pub fn expression_type(&self, name: &str) -> Option<AttributeType> {
        self.attribute(name).map(|a| a.kind.expression_type()).or_else(|| self.aggregate(name).map(Aggregate::expression_type))
    }

    /// Check and convert one imported value to its stored form; `None` for an empty value.
    /// CSV cells arrive as strings and are read by the attribute's type.
    pub fn convert(&self, name: &str, value: &Value) -> Result<Option<Value>, ValueError> {
        let def = self.attribute(name).ok_or_else(|| ValueError::Unknown(name.to_string()))?;
        convert(def, value)
    }

    /// Check and convert a profile's `attributes`: every name declared, every value of its
    /// type, every required one present. Returns the stored form.
    pub fn convert_all(&self, attributes: &BTreeMap<String, Value>) -> Result<BTreeMap<String, Value>, ValueError> {
        let mut out = BTreeMap::new();
        for (name, value) in attributes {
            if let Some(stored) = self.convert(name, value)? {
                out.insert(name.clone(), stored);
            }
        }
        if let Some(missing) = self.missing_required(&out) {
            return Err(ValueError::Missing { attribute: missing.name.clone() });
        }
        Ok(out)
    }

    /// The first required attribute a profile's `attributes` lack.
    pub fn missing_required(&self, attributes: &BTreeMap<String, Value>) -> Option<&AttributeDef> {
        self.attributes.iter().find(|a| a.required && !attributes.contains_key(&a.name))
    }

    /// What applying `next` over `self` would break: attributes removed or retyped that
    /// `reads` (version reference → attributes it reads) uses, as one line per version.
    pub fn breaking_changes<'a>(&self, next: &CustomerSchema, reads: impl IntoIterator<Item = (&'a str, &'a BTreeSet<String>)>) -> Vec<String> {
        let changed: BTreeMap<&str, String> = self
            .attributes
            .iter()
            .filter_map(|old| match next.attribute(&old.name) {
                None => Some((old.name.as_str(), "removed".to_string())),
                Some(new) if new.kind != old.kind => Some((old.name.as_str(), format!("changed from {} to {}", old.kind.key(), new.kind.key()))),
                Some(new) if new.kind == AttributeKind::Enum && old.values.iter().any(|v| !new.values.contains(v)) => Some((old.name.as_str(), "loses enum values".to_string())),
                Some(_) => None,
            })
            .collect();
        let mut out = Vec::new();
        for (version, attributes) in reads {
            for attribute in attributes {
                if let Some(change) = changed.get(attribute.as_str()) {
                    out.push(format!("{version} reads {attribute}, which would be {change}"));
                }
            }
        }
        out
    }
}

fn type_error(def: &AttributeDef, value: &Value, expected: &str) -> ValueError {
    let mut found = value.to_string();
    if found.len() > 60 {
        found = format!("{}…", found.chars().take(60).collect::<String>());
    }
    ValueError::Type { attribute: def.name.clone(), found, expected: expected.to_string() }
}

fn convert(def: &AttributeDef, value: &Value) -> Result<Option<Value>, ValueError> {
    let cell = match value {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() && def.kind != AttributeKind::Text => return Ok(None),
        Value::String(s) => Some(s.trim()),
        _ => None,
    };
    let converted = match def.kind {
        AttributeKind::Text => match value {
            Value::String(s) => text::check_free_text(&def.name, s).ok().map(|()| Value::String(s.clone())),
            _ => None,
        },
        AttributeKind::Integer => value.as_i64().or_else(|| cell.and_then(|c| c.parse().ok())).map(Value::from),
        AttributeKind::Number => value.as_f64().or_else(|| cell.and_then(|c| c.parse().ok())).filter(|n: &f64| n.is_finite()).map(Value::from),
        AttributeKind::Boolean => value
            .as_bool()
            .or_else(|| match cell.map(str::to_ascii_lowercase).as_deref() {
                Some("true" | "yes" | "y" | "1") => Some(true),
                Some("false" | "no" | "n" | "0") => Some(false),
                _ => None,
            })
            .map(Value::from),
        AttributeKind::Date => value.as_i64().or_else(|| cell.and_then(parse_date)).map(Value::from),
        AttributeKind::Timestamp => value.as_i64().or_else(|| cell.and_then(|c| DateTime::parse_from_rfc3339(c).ok()).map(|t| t.timestamp_millis())).map(Value::from),
        AttributeKind::Enum => cell.filter(|c| def.values.iter().any(|v| v == c)).map(|c| Value::String(c.to_string())),
        AttributeKind::List => match value {
            Value::Array(items) if items.iter().all(|i| i.as_str().is_some_and(|s| text::check_id("item", s).is_ok())) => Some(value.clone()),
            Value::String(s) => {
                let items: Vec<&str> = s.split(';').map(str::trim).filter(|i| !i.is_empty()).collect();
                items.iter().all(|i| text::check_id("item", i).is_ok()).then(|| Value::from(items))
            }
            _ => None,
        },
    };
    let expected = match def.kind {
        AttributeKind::Date => "a date (YYYY-MM-DD)".to_string(),
        AttributeKind::Timestamp => "a timestamp (RFC 3339, e.g. 2026-01-12T09:00:00Z)".to_string(),
        AttributeKind::Enum => format!("one of {}", def.values.join(", ")),
        AttributeKind::List => "a list of text (a;b;c)".to_string(),
        AttributeKind::Text => "text without control characters".to_string(),
        other => format!("{} {}", if other == AttributeKind::Integer { "an" } else { "a" }, other.key()),
    };
    converted.map(Some).ok_or_else(|| type_error(def, value, &expected))
}

/// `YYYY-MM-DD` as epoch ms at midnight UTC.
fn parse_date(cell: &str) -> Option<i64> {
    NaiveDate::parse_from_str(cell, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> CustomerSchema {
        CustomerSchema::parse(
            r#"{"attributes": [
                {"name": "risk_band", "type": "enum", "values": ["low", "medium", "high"], "required": true},
                {"name": "date_of_birth", "type": "date", "pii": true},
                {"name": "last_login_at", "type": "timestamp"},
                {"name": "open_loans", "type": "integer"},
                {"name": "income", "type": "number"},
                {"name": "paperless", "type": "boolean"},
                {"name": "postcode", "type": "text", "pii": true},
                {"name": "segments", "type": "list"}
            ]}"#,
        )
        .expect("schema")
    }

    #[test]
    fn every_type_converts_from_json_and_from_csv_cells() {
        let s = schema();
        let cases = [
            ("risk_band", json!("high"), json!("high")),
            ("date_of_birth", json!("1980-02-29"), json!(320_630_400_000_i64)),
            ("last_login_at", json!("2026-01-12T09:00:00+01:00"), json!(1_768_204_800_000_i64)),
            ("open_loans", json!("3"), json!(3)),
            ("open_loans", json!(4), json!(4)),
            ("income", json!("52000.5"), json!(52000.5)),
            ("paperless", json!("yes"), json!(true)),
            ("paperless", json!(false), json!(false)),
            ("postcode", json!("EC1A 1BB"), json!("EC1A 1BB")),
            ("segments", json!("young;digital"), json!(["young", "digital"])),
        ];
        for (name, input, stored) in cases {
            assert_eq!(s.convert(name, &input), Ok(Some(stored)), "{name} from {input}");
        }
        assert_eq!(s.convert("open_loans", &json!("")), Ok(None), "an empty cell is no value");
    }

    #[test]
    fn wrong_values_and_unknown_attributes_say_what_is_expected() {
        let s = schema();
        let error = |name: &str, value: Value| s.convert(name, &value).expect_err("refused").to_string();
        assert_eq!(error("risk_band", json!("extreme")), "risk_band: \"extreme\" is not one of low, medium, high");
        assert_eq!(error("date_of_birth", json!("29/02/1980")), "date_of_birth: \"29/02/1980\" is not a date (YYYY-MM-DD)");
        assert!(error("last_login_at", json!("yesterday")).contains("RFC 3339"));
        assert_eq!(error("open_loans", json!("two")), "open_loans: \"two\" is not an integer");
        assert_eq!(error("income", json!(true)), "income: true is not a number");
        assert_eq!(error("nickname", json!("x")), "'nickname' is not an attribute of the customer schema");
        let missing = s.convert_all(&BTreeMap::from([("income".to_string(), json!(1.5))])).expect_err("required");
        assert_eq!(missing.to_string(), "risk_band is required");
    }

    #[test]
    fn event_rules_and_aggregates_are_checked() {
        let bad = |rest: &str| CustomerSchema::parse(&format!(r#"{{"attributes": [{{"name": "seen_at", "type": "timestamp"}}], {rest}}}"#)).expect_err("refused").to_string();
        assert!(bad(r#""events": [{"event": "login", "set": {"nope": "event.time"}}]"#).contains("events[0]: sets nope, which the schema does not declare"));
        assert!(bad(r#""events": [{"event": "login", "set": {"seen_at": "now"}}]"#).contains("write event.time or event.FIELD"));
        assert!(bad(r#""aggregates": [{"name": "spend", "event": "txn", "function": "sum", "days": 30}]"#).contains("names the event field"));
        assert!(bad(r#""aggregates": [{"name": "n", "event": "txn", "function": "count", "days": 0}]"#).contains("days is 0"));
        assert!(bad(r#""aggregates": [{"name": "seen_at", "event": "txn", "function": "count", "days": 7}]"#).contains("must be a new"));
        let good = CustomerSchema::parse(r#"{"attributes": [], "aggregates": [{"name": "logins_7d", "event": "app_login", "function": "count", "days": 7}]}"#).expect("valid");
        assert_eq!(good.expression_type("logins_7d"), Some(AttributeType::Int));
        assert!(good.reacts_to("app_login") && !good.reacts_to("card_txn"));
    }

    #[test]
    fn the_sample_schema_is_valid_and_all_optional() {
        let sample = CustomerSchema::parse(SAMPLE_SCHEMA).expect("sample schema");
        assert!(sample.attributes.len() >= 8 && sample.attributes.iter().all(|a| !a.required));
        let kinds: BTreeSet<&str> = sample.attributes.iter().map(|a| a.kind.key()).collect();
        assert_eq!(kinds.len(), 8, "one attribute of every type: {kinds:?}");
    }

    #[test]
    fn bad_schemas_are_refused_naming_the_attribute() {
        let bad = |text: &str| CustomerSchema::parse(text).expect_err("refused").to_string();
        assert!(bad(r#"{"attributes": [{"name": "Risk", "type": "text"}]}"#).contains("attributes[0] ('Risk')"));
        assert!(bad(r#"{"attributes": [{"name": "email", "type": "text"}]}"#).contains("built in"));
        assert!(bad(r#"{"attributes": [{"name": "a", "type": "text"}, {"name": "a", "type": "integer"}]}"#).contains("attributes[1] ('a'): is declared twice"));
        assert!(bad(r#"{"attributes": [{"name": "band", "type": "enum"}]}"#).contains("lists its values"));
        assert!(bad(r#"{"attributes": [{"name": "band", "type": "colour"}]}"#).starts_with("line 1, column"));
        assert!(bad("{\"attributes\": [{\"name\": \"band\", \"type\": \"text\", \"description\": \"a\\u0000\"}]}").contains("NUL"));
    }

    #[test]
    fn a_change_breaks_the_versions_that_read_what_it_removes_or_retypes() {
        let old = schema();
        let mut next = old.clone();
        next.attributes.retain(|a| a.name != "postcode");
        next.attributes.iter_mut().filter(|a| a.name == "open_loans").for_each(|a| a.kind = AttributeKind::Number);
        next.attributes.push(AttributeDef { name: "new_one".into(), kind: AttributeKind::Text, values: vec![], required: false, description: String::new(), pii: false });
        let reads_postcode = BTreeSet::from(["postcode".to_string(), "income".to_string()]);
        let reads_loans = BTreeSet::from(["open_loans".to_string()]);
        let reads_nothing_changed = BTreeSet::from(["income".to_string()]);
        let broken = old.breaking_changes(&next, [("a@1", &reads_postcode), ("b@2", &reads_loans), ("c@1", &reads_nothing_changed)]);
        assert_eq!(broken, vec!["a@1 reads postcode, which would be removed".to_string(), "b@2 reads open_loans, which would be changed from integer to number".to_string()]);
        assert!(old.breaking_changes(&next, [("c@1", &reads_nothing_changed)]).is_empty(), "adding is always allowed");
    }
}
