//! Historical events for a simulation: NDJSON lines `{"customer_id", "type", "time"}` (time as
//! RFC 3339 text or epoch milliseconds), replayed into each customer's event queue.

use std::collections::HashMap;

use serde::Deserialize;

use crate::population::RowError;

/// Events by customer id, each as (epoch ms, event type), in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    by_customer: HashMap<String, Vec<(i64, String)>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    customer_id: String,
    #[serde(rename = "type")]
    event_type: String,
    time: Time,
    /// Event attributes are accepted (and not used by the simulator yet).
    #[serde(default)]
    #[allow(dead_code)]
    attributes: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Time {
    Millis(i64),
    Text(String),
}

impl History {
    pub fn events_of(&self, customer: &str) -> &[(i64, String)] {
        self.by_customer.get(customer).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.by_customer.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Parse NDJSON. Every bad line is reported (line number, field); blank lines are skipped.
    pub fn parse_ndjson(text: &str) -> Result<History, Vec<RowError>> {
        let mut history = History::default();
        let mut errors = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let row = i as u64 + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let line: Line = match serde_json::from_str(raw) {
                Ok(line) => line,
                Err(e) => {
                    errors.push(RowError { row, column: None, message: e.to_string() });
                    continue;
                }
            };
            let at = match &line.time {
                Time::Millis(ms) => Some(*ms),
                Time::Text(text) => chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis()),
            };
            match at {
                Some(at) if !line.customer_id.is_empty() && !line.event_type.is_empty() => {
                    history.by_customer.entry(line.customer_id).or_default().push((at, line.event_type));
                }
                None => errors.push(RowError { row, column: Some("time".into()), message: "not an RFC 3339 time or epoch milliseconds".into() }),
                Some(_) => errors.push(RowError { row, column: None, message: "customer_id and type must not be empty".into() }),
            }
        }
        if errors.is_empty() {
            Ok(history)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_and_bad_lines_are_numbered() {
        let text = "{\"customer_id\":\"C1\",\"type\":\"card_issued\",\"time\":\"2026-01-02T09:00:00Z\"}\n\n{\"customer_id\":\"C1\",\"type\":\"app_login\",\"time\":1767348000000}\n";
        let history = History::parse_ndjson(text).expect("parses");
        assert_eq!(history.events_of("C1"), &[(1_767_344_400_000, "card_issued".to_string()), (1_767_348_000_000, "app_login".to_string())]);
        assert!(history.events_of("C2").is_empty());
        let bad = "{\"customer_id\":\"C1\",\"type\":\"x\",\"time\":\"yesterday\"}\nnot json\n";
        let errors = History::parse_ndjson(bad).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.row).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(errors[0].column.as_deref(), Some("time"));
    }
}
