//! The journeys and stage blocks shipped in `templates/`, embedded at compile time so the
//! desktop app, the CLI and the wasm canvas carry the same copies.

use crate::format::parse_journey;
use crate::model::{Journey, Stage};

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// The templates loaded as drafts into a new database, so the app opens on something to explore.
pub const SAMPLE_TEMPLATE_IDS: &[&str] =
    &["loan-application-abandonment", "credit-card-activation", "dormant-account-winback", "churn-early-warning"];

/// Every template in the gallery, parsed. Files that fail to parse are left out (and fail the tests).
pub fn templates() -> Vec<Journey> {
    TEMPLATE_FILES.iter().filter_map(|(_, text)| parse_journey(text).ok()).collect()
}

/// A template by id.
pub fn template(id: &str) -> Option<Journey> {
    templates().into_iter().find(|t| t.id == id)
}

fn stage_block_text(stage: Stage) -> &'static str {
    match stage {
        Stage::Acquire => include_str!("../../../templates/stages/acquire.json"),
        Stage::Activate => include_str!("../../../templates/stages/activate.json"),
        Stage::CrossSell => include_str!("../../../templates/stages/cross_sell.json"),
        Stage::Retain => include_str!("../../../templates/stages/retain.json"),
        Stage::Reactivate => include_str!("../../../templates/stages/reactivate.json"),
    }
}

/// The starter steps dropped on the canvas when a stage is dragged from the palette.
pub fn stage_block(stage: Stage) -> Journey {
    // The files are checked by `catalog_files_parse` below; an empty block is the safe fallback.
    parse_journey(stage_block_text(stage)).unwrap_or_else(|_| Journey::empty(&format!("stage-{}", stage.key()), stage.label()))
}

/// Step kinds offered in the palette, in palette order.
pub use crate::kinds::KIND_NAMES as STEP_KINDS;

/// A one-node fragment for a palette step, with sensible defaults to edit in the inspector.
pub fn step_block(kind: &str, stage: Stage) -> Option<Journey> {
    use crate::model::*;
    let (label, kind) = match kind {
        "trigger" => ("Entry event", NodeKind::Trigger(Trigger::on_event("app_login"))),
        "wait" => ("Wait 1 day", NodeKind::Wait(Wait::for_duration("1d"))),
        "condition" => ("Condition", NodeKind::Condition { expression: "customer.segment == \"affluent\"".into() }),
        "switch" => ("Segment switch", NodeKind::Switch {
            cases: vec![
                SwitchCase { name: "mass".into(), expression: "customer.segment == \"mass\"".into() },
                SwitchCase { name: "affluent".into(), expression: "customer.segment == \"affluent\"".into() },
            ],
        }),
        "split" => ("A/B split", NodeKind::Split {
            branches: vec![SplitBranch { name: "a".into(), percent: 50 }, SplitBranch { name: "b".into(), percent: 50 }],
        }),
        "holdout" => ("Holdout 10%", NodeKind::Holdout { control_percent: 10.0 }),
        "decision" => ("Next best action", NodeKind::Decision(Decision { offers: Vec::new(), objective: Objective::Profit })),
        "action" => ("Send email", NodeKind::Action(Action {
            channel: Channel::Email,
            content: String::new(),
            purpose: Some(Purpose::Marketing),
            offer: None,
            cost: 0.0,
            mandatory: false,
        })),
        "update" => ("Update profile", NodeKind::Update { attribute: "tags".into(), value: serde_json::json!("contacted") }),
        "goal" => ("Goal", NodeKind::Goal { event: "product_opened".into() }),
        "exit" => ("Exit", NodeKind::Exit {}),
        _ => return None,
    };
    let mut block = Journey::empty("step", label);
    block.nodes.push(Node { id: "step".into(), label: label.into(), stage: Some(stage), position: Position::default(), kind });
    Some(block)
}

/// The sample journeys loaded into a new database: drafts made from the sample templates.
pub fn sample_journeys() -> Vec<Journey> {
    SAMPLE_TEMPLATE_IDS.iter().filter_map(|id| template(id)).map(|t| crate::template::instantiate(&t, &t.id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate;

    #[test]
    fn catalog_files_parse() {
        for (name, text) in TEMPLATE_FILES {
            assert!(parse_journey(text).is_ok(), "{name}: {:?}", parse_journey(text).err());
        }
        for stage in Stage::ALL {
            assert!(parse_journey(stage_block_text(stage)).is_ok(), "stage block {}", stage.key());
        }
    }

    #[test]
    fn every_palette_step_has_a_block() {
        for kind in STEP_KINDS {
            let block = step_block(kind, Stage::Retain).expect("known kind");
            assert_eq!(block.nodes[0].kind.name(), *kind);
        }
        assert!(step_block("teleport", Stage::Retain).is_none());
    }

    #[test]
    fn samples_are_clean() {
        for journey in sample_journeys() {
            assert_eq!(validate(&journey), vec![], "{}", journey.id);
        }
    }

    #[test]
    fn stage_blocks_need_only_an_entry_edge() {
        // Dropped on the canvas, only the block's first step is unreachable; nothing dangles.
        for stage in Stage::ALL {
            let block = stage_block(stage);
            let codes: Vec<_> = validate(&block).into_iter().map(|d| d.code).collect();
            assert!(codes.iter().all(|c| c == "J005"), "{}: {codes:?}", stage.key());
            assert!(block.nodes.iter().all(|n| n.stage == Some(stage)), "{}", stage.key());
        }
    }
}
