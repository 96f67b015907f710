//! The one rule for text that comes from outside (HTTP bodies and paths, imported files, the
//! app) before anything stores or looks it up: the same on SQLite and PostgreSQL.
//!
//! PostgreSQL cannot store a NUL character in text at all (SQLite can), and the product wants
//! no control characters in identifiers (they hide in logs and break CSV exports). So:
//! - an **identifier** (customer id, event id and type, channel, journey id) is 1 to
//!   [`MAX_ID_BYTES`] bytes, not blank, with no control character;
//! - **free text** (a reason, a comment, a name, a string attribute) has no NUL and no control
//!   character other than tab, line feed and carriage return;
//! - a **JSON value** (attributes) holds only free text, in its keys and strings alike.

use std::fmt;

/// Longest identifier accepted.
pub const MAX_ID_BYTES: usize = 200;

/// Why a piece of text was refused; `field` names it for the message (`id`, `attributes.note`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {problem}")]
pub struct TextError {
    pub field: String,
    pub problem: TextProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    TooLong { bytes: usize, max: usize },
    /// The character and its byte offset.
    Control { character: char, at: usize },
}

impl fmt::Display for TextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextProblem::Empty => write!(f, "is empty"),
            TextProblem::TooLong { bytes, max } => write!(f, "is {bytes} bytes long; at most {max} are allowed"),
            TextProblem::Control { character, at } => {
                let what = if *character == '\0' { "a NUL character" } else { "a control character" };
                write!(f, "contains {what} (U+{:04X}) at byte {at}; it cannot be stored", u32::from(*character))
            }
        }
    }
}

fn refuse(field: &str, problem: TextProblem) -> TextError {
    TextError { field: field.to_string(), problem }
}

/// An identifier: see the module comment.
pub fn check_id(field: &str, value: &str) -> Result<(), TextError> {
    if value.trim().is_empty() {
        return Err(refuse(field, TextProblem::Empty));
    }
    if value.len() > MAX_ID_BYTES {
        return Err(refuse(field, TextProblem::TooLong { bytes: value.len(), max: MAX_ID_BYTES }));
    }
    match value.char_indices().find(|(_, c)| c.is_control()) {
        Some((at, character)) => Err(refuse(field, TextProblem::Control { character, at })),
        None => Ok(()),
    }
}

/// Whether `value` may hold a control character: any C0 byte, DEL, or the lead byte of the
/// two-byte C1 range. A quick byte scan that lets the common case skip decoding characters.
fn may_hold_control(value: &str) -> bool {
    value.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2)
}

/// Free text: see the module comment.
pub fn check_free_text(field: &str, value: &str) -> Result<(), TextError> {
    if !may_hold_control(value) {
        return Ok(());
    }
    match value.char_indices().find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        Some((at, character)) => Err(refuse(field, TextProblem::Control { character, at })),
        None => Ok(()),
    }
}

/// Every key and string in a JSON value is free text; `field` is the value's name and the
/// error names the path inside it (`attributes.address.line1`, `attributes.tags[2]`).
pub fn check_json(field: &str, value: &serde_json::Value) -> Result<(), TextError> {
    check_json_named(|| field.to_string(), value)
}

/// `check_json` with the value's name made only when it fails (imports check millions).
pub fn check_json_named(field: impl FnOnce() -> String, value: &serde_json::Value) -> Result<(), TextError> {
    if json_is_clean(value) {
        return Ok(());
    }
    let field = field();
    match value {
        serde_json::Value::String(s) => check_free_text(&field, s),
        serde_json::Value::Array(items) => items.iter().enumerate().try_for_each(|(i, item)| check_json(&format!("{field}[{i}]"), item)),
        serde_json::Value::Object(map) => map.iter().try_for_each(|(key, item)| {
            let inner = format!("{field}.{key}");
            check_free_text(&inner, key).and_then(|()| check_json(&inner, item))
        }),
        _ => Ok(()),
    }
}

fn json_is_clean(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => check_free_text("", s).is_ok(),
        serde_json::Value::Array(items) => items.iter().all(json_is_clean),
        serde_json::Value::Object(map) => map.iter().all(|(key, item)| check_free_text("", key).is_ok() && json_is_clean(item)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_refuse_blank_long_and_control_characters() {
        assert!(check_id("id", "C00000001").is_ok());
        assert!(check_id("id", "Zoë-42").is_ok());
        assert_eq!(check_id("id", "  ").expect_err("blank").to_string(), "id is empty");
        assert!(check_id("id", &"x".repeat(201)).expect_err("long").to_string().contains("201 bytes"));
        let nul = check_id("customer_id", "a\0b").expect_err("NUL");
        assert_eq!(nul.to_string(), "customer_id contains a NUL character (U+0000) at byte 1; it cannot be stored");
        for control in ["a\u{1}", "tab\there", "new\nline", "del\u{7f}", "c1\u{85}"] {
            assert!(check_id("id", control).is_err(), "{control:?}");
        }
    }

    #[test]
    fn free_text_allows_layout_but_not_nul() {
        assert!(check_free_text("reason", "complaint open\n\tsee ticket\r\n").is_ok());
        assert!(check_free_text("reason", "").is_ok());
        assert!(check_free_text("reason", "a\0").is_err());
        assert!(check_free_text("reason", "bell\u{7}").is_err());
    }

    #[test]
    fn json_paths_name_where_the_bad_text_is() {
        let value = serde_json::json!({ "ok": 1, "address": { "line1": "x\u{0}y" } });
        assert_eq!(check_json("attributes", &value).expect_err("nested").field, "attributes.address.line1");
        let value = serde_json::json!({ "tags": ["a", "b\u{0}"] });
        assert_eq!(check_json("attributes", &value).expect_err("array").field, "attributes.tags[1]");
        let value = serde_json::json!({ "bad\u{0}key": true });
        assert!(check_json("attributes", &value).is_err());
        assert!(check_json("attributes", &serde_json::json!({ "amount": 3.5, "note": "fine" })).is_ok());
    }
}
