//! Data-driven validation tests: every journey in `fixtures/` is validated and its
//! diagnostics are compared with the reviewed snapshot beside it (`cargo insta review`).

use journeys_core::{parse_journey, validate};

#[test]
fn fixture_diagnostics() {
    insta::glob!("fixtures/*.json", |path| {
        let text = std::fs::read_to_string(path).expect("fixture readable");
        let journey = parse_journey(&text).expect("fixture parses");
        let report: Vec<String> = validate(&journey)
            .iter()
            .map(|d| {
                format!(
                    "{}[{}] nodes={:?} edges={:?}: {} (hint: {})",
                    d.severity.as_str(),
                    d.code,
                    d.node_ids,
                    d.edge_ids,
                    d.message,
                    d.hint
                )
            })
            .collect();
        insta::assert_snapshot!(report.join("\n"));
    });
}
