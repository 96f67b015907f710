//! The JSON file format: parsing with precise errors, and canonical pretty output.

use crate::model::Journey;

/// The only `format_version` this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Why a text is not a journey. Line and column are 1-based and point into the text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("the file is empty")]
    Empty,
    #[error("line {line}, column {column}: {}{message}", path_prefix(path))]
    Json { line: usize, column: usize, path: Option<String>, message: String },
    #[error("J001 unsupported format_version {found} (this version of Journeys reads {FORMAT_VERSION})")]
    UnsupportedVersion { found: String },
}

/// Parse a journey file. Checks `format_version` before the shape, so a file from a newer
/// release says so instead of failing on a field it does not know.
pub fn parse_journey(text: &str) -> Result<Journey, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| json_error(e, None))?;
    match value.get("format_version") {
        Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
        Some(v) => return Err(ParseError::UnsupportedVersion { found: v.to_string() }),
        None => {
            return Err(ParseError::Json {
                line: 1,
                column: 1,
                path: None,
                message: "missing field `format_version`".into(),
            })
        }
    }
    // Parse the text again (not the Value) so shape errors keep their line, column and path.
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        json_error(e.into_inner(), Some(path).filter(|p| p != "."))
    })
}

fn json_error(e: serde_json::Error, path: Option<String>) -> ParseError {
    // serde_json reports the position after the offending token; column 0 means "start of line".
    ParseError::Json { line: e.line().max(1), column: e.column().max(1), path, message: strip_position(&e.to_string()) }
}

fn path_prefix(path: &Option<String>) -> String {
    path.as_ref().map(|p| format!("at {p}: ")).unwrap_or_default()
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Pretty JSON in the order the journey holds its nodes and edges (what the editor saves).
pub fn to_pretty_json(journey: &Journey) -> String {
    // Serializing a model of strings, numbers and JSON values cannot fail.
    serde_json::to_string_pretty(journey).unwrap_or_default()
}

/// The canonical form: nodes sorted by id, edges by (from, port, to, id), offers by id; keys
/// in declaration order (maps inside values sorted). Its hash identifies a version.
pub fn canonical(journey: &Journey) -> Journey {
    let mut c = journey.clone();
    c.nodes.sort_by(|a, b| a.id.cmp(&b.id));
    c.edges.sort_by(|a, b| (&a.from, &a.port, &a.to, &a.id).cmp(&(&b.from, &b.port, &b.to, &b.id)));
    c.offers.sort_by(|a, b| a.id.cmp(&b.id));
    c
}

/// `journeys fmt` output: the canonical form, pretty-printed, ending in a newline.
pub fn to_canonical_json(journey: &Journey) -> String {
    let mut text = to_pretty_json(&canonical(journey));
    text.push('\n');
    text
}

/// SHA-256 of the canonical JSON, hex: the content hash of a journey version.
pub fn content_hash(journey: &Journey) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(to_canonical_json(journey).as_bytes()))
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
        assert_eq!(err.to_string(), "J001 unsupported format_version 7 (this version of Journeys reads 1)");
    }

    #[test]
    fn shape_errors_name_the_json_path() {
        let text = r#"{"format_version":1,"id":"j","name":"J","nodes":[{"id":"a","kind":"exit"},{"id":"b","kind":"wait","duration":3}]}"#;
        let err = parse_journey(text).unwrap_err().to_string();
        assert!(err.contains("at nodes[1]"), "{err}");
    }

    #[test]
    fn deeply_nested_json_is_an_error_not_a_crash() {
        let text = format!(r#"{{"format_version":1,"id":"j","name":"J","nodes":[{{"id":"u","kind":"update","attribute":"a","value":{}1{}}}]}}"#, "[".repeat(100_000), "]".repeat(100_000));
        let err = parse_journey(&text).unwrap_err().to_string();
        assert!(err.contains("recursion limit"), "{err}");
    }

    #[test]
    fn canonical_form_ignores_node_and_edge_order() {
        let mut journey = crate::catalog::sample_journeys().remove(0);
        let hash = content_hash(&journey);
        journey.nodes.reverse();
        journey.edges.reverse();
        assert_eq!(content_hash(&journey), hash);
        journey.nodes[0].label.push('!');
        assert_ne!(content_hash(&journey), hash);
    }

    #[test]
    fn unknown_node_kind_is_a_shape_error() {
        let text = r#"{"format_version":1,"id":"j","name":"J","nodes":[{"id":"a","kind":"teleport"}]}"#;
        let err = parse_journey(text).unwrap_err().to_string();
        assert!(err.contains("teleport"), "{err}");
    }
}
