//! The template corpus: every file in `templates/` validates cleanly, survives the canonical
//! form, carries gallery metadata, and on 10,000 seeded sample customers reaches every node and
//! converts inside the range its metadata declares.

use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;

use journeys_core::catalog::{templates, TEMPLATE_FILES};
use journeys_core::interpret::CompiledJourney;
use journeys_core::model::Stage;
use journeys_core::simulate::{simulate, Options, Population, Scenario};
use journeys_core::{parse_journey, to_canonical_json, validate, Severity};

#[test]
fn every_template_file_parses_validates_and_round_trips() {
    for (file, text) in TEMPLATE_FILES {
        let journey = parse_journey(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(format!("{}.json", journey.id), *file, "file name is the journey id");
        let errors: Vec<_> = validate(&journey).into_iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(errors.is_empty(), "{file}: {errors:#?}");
        let canonical = to_canonical_json(&journey);
        let reparsed = parse_journey(&canonical).unwrap_or_else(|e| panic!("{file} canonical: {e}"));
        assert_eq!(to_canonical_json(&reparsed), canonical, "{file}: canonical form is stable");
        assert!(journey.template.is_some(), "{file}: gallery metadata (\"template\") is missing");
        assert!(!journey.description.is_empty(), "{file}: description is empty");
        assert!(journey.settings.goal.is_some(), "{file}: every template has a goal");
    }
}

#[test]
fn the_gallery_covers_every_stage_and_industry() {
    let all = templates();
    assert_eq!(all.len(), TEMPLATE_FILES.len(), "every file parses");
    assert!(all.len() >= 30, "{} templates; the gallery promises at least 30", all.len());
    let stages: BTreeSet<Stage> = all.iter().filter_map(|t| t.template.as_ref()).map(|m| m.stage).collect();
    assert_eq!(stages.len(), Stage::ALL.len(), "stages covered: {stages:?}");
    let industries: BTreeSet<_> = all.iter().filter_map(|t| t.template.as_ref()).map(|m| m.industry).collect();
    assert_eq!(industries.len(), 3, "industries covered: {industries:?}");
}

#[test]
fn every_template_reaches_every_node_and_converts_as_declared() {
    let options = Options { seed: 1, days: 90, threads: 2, trace: None, history: None, ..Options::default() };
    let population = Population::Generated { customers: 10_000, seed: 1 };
    let mut failures = Vec::new();
    for template in templates() {
        let id = template.id.clone();
        let Some(meta) = template.template.clone() else { continue };
        let compiled = CompiledJourney::new(template).unwrap_or_else(|e| panic!("{id}: {e:?}"));
        let report = simulate(&compiled, &population, &Scenario::default(), &options, &AtomicBool::new(false), &|_, _| {})
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let unreached: Vec<_> = report.nodes.iter().filter(|n| n.entered == 0).map(|n| n.id.as_str()).collect();
        if !unreached.is_empty() {
            failures.push(format!("{id}: nodes never reached: {unreached:?}"));
        }
        let rate = report.totals.conversion_rate;
        if !meta.expected_conversion.contains(rate) {
            failures.push(format!("{id}: conversion {rate:.4} outside {:?}", meta.expected_conversion));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
