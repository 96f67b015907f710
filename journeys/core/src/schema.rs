//! The JSON Schema of the journey file format, generated from the Rust types. A checked-in
//! copy lives at `schema/journey.schema.json`; a test fails when it is stale.

use crate::model::Journey;

pub fn journey_schema() -> String {
    let schema = schemars::schema_for!(Journey);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn checked_in_schema_is_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/journey.schema.json");
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == super::journey_schema(),
            "{} is stale: run `cargo run -p journeys-cli -- schema > schema/journey.schema.json`",
            path.display()
        );
    }
}
