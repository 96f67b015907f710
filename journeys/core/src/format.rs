//! The JSON file format: parsing with precise errors, and canonical pretty output.

use crate::model::Journey;

/// The only `format_version` this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Why a text is not a journey. Line and column are 1-based and point into the text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("the file is empty")]
    Empty,
    #[error("line {line}, column {column}: {message}")]
    Json { line: usize, column: usize, message: String },
    #[error("unsupported format_version {found} (this version of Journeys reads {FORMAT_VERSION})")]
    UnsupportedVersion { found: String },
}

/// Parse a journey file. Checks `format_version` before the shape, so a file from a newer
/// release says so instead of failing on a field it does not know.
pub fn parse_journey(text: &str) -> Result<Journey, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(json_error)?;
    match value.get("format_version") {
        Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
        Some(v) => return Err(ParseError::UnsupportedVersion { found: v.to_string() }),
        None => {
            return Err(ParseError::Json {
                line: 1,
                column: 1,
                message: "missing field `format_version`".into(),
            })
        }
    }
    // Parse the text again (not the Value) so shape errors keep their line and column.
    serde_json::from_str(text).map_err(json_error)
}

fn json_error(e: serde_json::Error) -> ParseError {
    // serde_json reports the position after the offending token; column 0 means "start of line".
    ParseError::Json { line: e.line().max(1), column: e.column().max(1), message: strip_position(&e.to_string()) }
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The canonical pretty form used for files and the database.
pub fn to_pretty_json(journey: &Journey) -> String {
    // Serializing a model of strings, numbers and JSON values cannot fail.
    serde_json::to_string_pretty(journey).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text_is_reported_as_empty() {
        assert_eq!(parse_journey("  \n"), Err(ParseError::Empty));
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = parse_journey("{\n  \"format_version\": 1,\n  \"id\" \"x\"\n}").unwrap_err();
        match err {
            ParseError::Json { line, column, .. } => assert_eq!((line, column), (3, 8)),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn newer_format_version_is_named() {
        let err = parse_journey(r#"{"format_version": 7, "id": "x"}"#).unwrap_err();
        assert_eq!(err.to_string(), "unsupported format_version 7 (this version of Journeys reads 1)");
    }

    #[test]
    fn unknown_node_kind_is_a_shape_error() {
        let text = r#"{"format_version":1,"id":"j","name":"J","nodes":[{"id":"a","kind":"teleport"}]}"#;
        let err = parse_journey(text).unwrap_err().to_string();
        assert!(err.contains("teleport"), "{err}");
    }
}
