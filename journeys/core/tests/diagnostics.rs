//! Data-driven validation tests: every journey in `fixtures/` is validated and its
//! diagnostics are compared with the reviewed snapshot beside it (`cargo insta review`).
//! Fixtures named `valid*` must have no diagnostics at all: one per node kind and variant.

use journeys_core::{parse_journey, validate};

#[test]
fn fixture_diagnostics() {
    insta::glob!("fixtures/*.json", |path| {
        let text = std::fs::read_to_string(path).expect("fixture readable");
        let journey = parse_journey(&text).expect("fixture parses");
        let diagnostics = validate(&journey);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("valid") {
            assert_eq!(diagnostics, vec![], "{name} must be valid");
        } else {
            assert!(!diagnostics.is_empty(), "{name} must trigger its rule");
        }
        let report: Vec<String> = diagnostics
            .iter()
            .map(|d| {
                let field = d.field.as_deref().map(|f| format!(" field={f}")).unwrap_or_default();
                format!(
                    "{}[{}] nodes={:?} edges={:?}{field}: {} (hint: {})",
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

#[test]
fn every_node_kind_has_a_valid_fixture() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut kinds = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("fixtures dir") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("valid")) {
            let journey = parse_journey(&std::fs::read_to_string(&path).expect("read")).expect("parse");
            kinds.extend(journey.nodes.iter().map(|n| n.kind.name()));
        }
    }
    let all: std::collections::BTreeSet<_> = journeys_core::kinds::KIND_NAMES.iter().copied().collect();
    assert_eq!(kinds, all);
}
