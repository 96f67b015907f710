//! What clients send: customers and events, as a JSON array or as NDJSON (one per line), with
//! every bad line reported by number. Nothing here touches the database.

use chrono::DateTime;
use journeys_core::customer_schema::CustomerSchema;
use journeys_core::population::Customer;
use journeys_store::EventRecord;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use journeys_core::text::{check_free_text, check_id, check_json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// One JSON array of objects.
    Json,
    /// One JSON object per line; blank lines are skipped.
    Ndjson,
    /// Customers only: CSV with a header row, the columns of `journeys population` files.
    Csv,
}

/// One bad item: its 1-based line (NDJSON, or a JSON syntax error) or array position (JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineError {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
}

/// An event as posted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventIn {
    id: String,
    customer_id: String,
    #[serde(rename = "type")]
    event_type: String,
    /// RFC 3339, e.g. `2026-01-12T09:00:00Z`.
    time: String,
    #[serde(default)]
    attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A checked event, ready to process.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    pub customer_id: String,
    pub event_type: String,
    /// Epoch ms.
    pub time: i64,
    pub attributes: serde_json::Value,
    /// Where it was in the request (line or item), for error messages.
    pub position: Position,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Line(usize),
    Item(usize),
}

impl Position {
    pub fn error(self, error: String) -> LineError {
        match self {
            Position::Line(n) => LineError { error, line: Some(n), item: None },
            Position::Item(n) => LineError { error, line: None, item: Some(n) },
        }
    }
}

impl Event {
    /// An event as stored (by another engine), back in checked form.
    pub fn from_record(record: &EventRecord) -> Event {
        Event {
            id: record.id.clone(),
            customer_id: record.customer_id.clone(),
            event_type: record.event_type.clone(),
            time: record.time,
            attributes: serde_json::from_str(&record.attributes).unwrap_or(serde_json::Value::Null),
            position: Position::Item(0),
        }
    }

    pub fn record(&self) -> EventRecord {
        EventRecord {
            id: self.id.clone(),
            customer_id: self.customer_id.clone(),
            event_type: self.event_type.clone(),
            time: self.time,
            attributes: self.attributes.to_string(),
        }
    }
}

/// Parse a batch of `T`; every bad item is reported, and then none is returned.
fn parse_items<T: DeserializeOwned>(body: &[u8], format: BodyFormat) -> Result<Vec<(Position, T)>, Vec<LineError>> {
    let text = std::str::from_utf8(body).map_err(|e| vec![LineError { error: format!("the body is not UTF-8: {e}"), line: None, item: None }])?;
    let mut items = Vec::new();
    let mut errors = Vec::new();
    match format {
        BodyFormat::Json => {
            let values: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| {
                vec![LineError { error: format!("not a JSON array of objects: {e}"), line: Some(e.line()).filter(|l| *l > 0), item: None }]
            })?;
            for (i, value) in values.into_iter().enumerate() {
                match serde_json::from_value(value) {
                    Ok(item) => items.push((Position::Item(i + 1), item)),
                    Err(e) => errors.push(Position::Item(i + 1).error(e.to_string())),
                }
            }
        }
        BodyFormat::Csv => return Err(vec![LineError { error: "CSV is accepted for customers only; send JSON or NDJSON".into(), line: None, item: None }]),
        BodyFormat::Ndjson => {
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str(line) {
                    Ok(item) => items.push((Position::Line(i + 1), item)),
                    Err(e) => errors.push(Position::Line(i + 1).error(e.to_string())),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// An id as it may appear in an error message: control characters shown escaped.
fn shown(id: &str) -> String {
    id.chars().take(60).flat_map(char::escape_debug).collect()
}

pub fn parse_events(body: &[u8], format: BodyFormat) -> Result<Vec<Event>, Vec<LineError>> {
    let items: Vec<(Position, EventIn)> = parse_items(body, format)?;
    let mut events = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (position, e) in items {
        let attributes = serde_json::Value::Object(e.attributes.unwrap_or_default());
        let checked = check_id("id", &e.id)
            .and_then(|_| check_id("customer_id", &e.customer_id))
            .and_then(|_| check_id("type", &e.event_type))
            .and_then(|_| check_json("attributes", &attributes))
            .map_err(|err| err.to_string())
            // A consent event must say what it changes.
            .and_then(|_| match journeys_core::consent::change_of(&e.event_type, &attributes, 0) {
                Some(Err(message)) => Err(message),
                _ => Ok(()),
            })
            .and_then(|_| {
                DateTime::parse_from_rfc3339(&e.time).map(|t| t.timestamp_millis()).map_err(|err| format!("time '{}' is not RFC 3339: {err}", e.time))
            });
        match checked {
            Ok(time) => events.push(Event {
                id: e.id,
                customer_id: e.customer_id,
                event_type: e.event_type,
                time,
                attributes,
                position,
            }),
            Err(message) => errors.push(position.error(format!("event '{}': {message}", shown(&e.id)))),
        }
    }
    if errors.is_empty() {
        Ok(events)
    } else {
        Err(errors)
    }
}

/// Customers, their own attributes checked and converted against the applied schema.
pub fn parse_customers(body: &[u8], format: BodyFormat, schema: &CustomerSchema) -> Result<Vec<Customer>, Vec<LineError>> {
    let mut items: Vec<(Position, Customer)> = match format {
        BodyFormat::Csv => parse_customer_csv(body, schema)?,
        _ => parse_items(body, format)?,
    };
    let mut errors = Vec::new();
    for (position, c) in &mut items {
        if format != BodyFormat::Csv {
            if let Err(e) = c.conform(schema) {
                errors.push(position.error(format!("customer '{}': attributes: {e}", shown(&c.id))));
                continue;
            }
        }
        if let Err(message) = check_customer(c) {
            errors.push(position.error(message));
        }
    }
    if errors.is_empty() {
        Ok(items.into_iter().map(|(_, c)| c).collect())
    } else {
        Err(errors)
    }
}

/// What every customer must be before it is stored, however it arrived: a usable id, text
/// the databases can keep, a time zone that exists.
pub fn check_customer(c: &Customer) -> Result<(), String> {
    check_id("id", &c.id).map_err(|e| format!("customer: {e}"))?;
    c.check_text().map_err(|e| format!("customer '{}': {e}", c.id))?;
    if c.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(format!("customer '{}': unknown time zone '{}'", c.id, c.time_zone));
    }
    Ok(())
}

/// Customers from CSV (core's reader: every bad row with its line and column; the schema's
/// attributes as columns of their own).
fn parse_customer_csv(body: &[u8], schema: &CustomerSchema) -> Result<Vec<(Position, Customer)>, Vec<LineError>> {
    use journeys_core::population::{read_csv_with, PopulationError};
    match read_csv_with(body, false, Some(schema)) {
        // The header is line 1, so customer i is on line i + 2 (quoted line breaks aside).
        Ok((customers, _)) => Ok(customers.into_iter().enumerate().map(|(i, c)| (Position::Line(i + 2), c)).collect()),
        Err(PopulationError::BadRows(rows)) => Err(rows
            .into_iter()
            .map(|r| LineError { error: r.column.map_or(r.message.clone(), |c| format!("column {c}: {}", r.message)), line: usize::try_from(r.row).ok(), item: None })
            .collect()),
        Err(e) => Err(vec![LineError { error: e.to_string(), line: None, item: None }]),
    }
}

/// A suppression-list entry as posted: no contact on `channel` (`*` or absent: any channel).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub customer_id: String,
    #[serde(default = "any_channel")]
    pub channel: String,
    pub reason: String,
}

fn any_channel() -> String {
    "*".into()
}

pub fn parse_suppressions(body: &[u8], format: BodyFormat) -> Result<Vec<Suppression>, Vec<LineError>> {
    let items: Vec<(Position, Suppression)> = parse_items(body, format)?;
    let mut errors = Vec::new();
    for (position, s) in &items {
        if let Err(message) = check_id("customer_id", &s.customer_id).and_then(|()| check_free_text("reason", &s.reason)) {
            errors.push(position.error(format!("suppression: {message}")));
        } else if s.channel != "*" && journeys_core::kinds::Channel::from_key(&s.channel).is_none() {
            errors.push(position.error(format!("suppression of '{}': unknown channel '{}'", s.customer_id, shown(&s.channel))));
        } else if s.reason.trim().is_empty() || s.reason.len() > 500 {
            errors.push(position.error(format!("suppression of '{}': a reason of 1 to 500 characters is required", s.customer_id)));
        }
    }
    if errors.is_empty() {
        Ok(items.into_iter().map(|(_, s)| s).collect())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_errors_name_their_lines() {
        let body = b"{\"id\":\"e1\",\"customer_id\":\"c\",\"type\":\"t\",\"time\":\"2026-01-12T09:00:00Z\"}\n\n{oops\n{\"id\":\"e2\",\"customer_id\":\"c\",\"type\":\"t\",\"time\":\"yesterday\"}\n";
        let errors = parse_events(body, BodyFormat::Ndjson).expect_err("bad lines");
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![Some(3)], "syntax errors first");
        let body = b"{\"id\":\"e2\",\"customer_id\":\"c\",\"type\":\"t\",\"time\":\"yesterday\"}\n";
        let errors = parse_events(body, BodyFormat::Ndjson).expect_err("bad time");
        assert_eq!(errors[0].line, Some(1));
        assert!(errors[0].error.contains("RFC 3339"), "{}", errors[0].error);
    }

    #[test]
    fn json_array_items_are_numbered() {
        let body = br#"[{"id":"e1","customer_id":"c","type":"t","time":"2026-01-12T09:00:00+01:00","attributes":{"amount":3}},{"id":"e2"}]"#;
        let errors = parse_events(body, BodyFormat::Json).expect_err("second is incomplete");
        assert_eq!((errors[0].item, errors.len()), (Some(2), 1));
        let body = br#"[{"id":"e1","customer_id":"c","type":"t","time":"2026-01-12T09:00:00+01:00","attributes":{"amount":3}}]"#;
        let good = parse_events(body, BodyFormat::Json).expect("one good");
        assert_eq!(good[0].time, 1_768_204_800_000);
    }
}
