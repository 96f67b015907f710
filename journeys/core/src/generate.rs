//! Seeded generation of valid journeys of any size: benchmarks (`journeys bench validate`),
//! property tests and canvas stress tests use it. Same seed, same journey.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::kinds::*;
use crate::model::{Edge, Journey, Node, Position, Stage};
use crate::settings::Offer;

const CONDITIONS: &[&str] = &[
    "customer.segment == \"affluent\"",
    "customer.tenure_months > 6 && scores.churn < 0.4",
    "customer.has_product(\"savings\") && !customer.has_product(\"credit_card\")",
    "days_since(customer.last_activity_at) > 90",
    "customer.balance > 10000.0 || customer.segment == \"hni\"",
    "scores.cross_sell_insurance > 0.3",
];

const EVENTS: &[&str] = &["salary_credit", "card_txn", "app_login", "application_abandoned", "policy_renewal_due"];
const GOALS: &[&str] = &["product_opened", "card_activated", "application_completed", "renewal_completed"];

fn offers() -> Vec<Offer> {
    let offer = |id: &str, product: &str, channel, cost, value| Offer {
        id: id.into(),
        name: id.replace('_', " "),
        product: product.into(),
        channel,
        cost,
        value,
        propensity_score: Some(format!("cross_sell_{product}")),
        eligibility: Some("customer.segment != \"mass\" || customer.tenure_months > 12".into()),
        mandatory: false,
        value_score: None,
        lever: None,
        contact_policy: None,
        valid_from: None,
        valid_until: None,
    };
    vec![
        offer("platinum_card", "credit_card", Channel::Email, 0.5, 106.91),
        offer("top_up_loan", "personal_loan", Channel::Push, 0.05, 152.55),
        offer("home_insurance", "insurance", Channel::Sms, 0.05, 50.33),
    ]
}

/// A valid journey of about `size` nodes (at least 2): a trigger, then a random tree of every
/// step kind, each open port closed by an exit.
pub fn random_journey(seed: u64, size: usize) -> Journey {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut journey = Journey::empty(&format!("generated-{seed}-{size}"), &format!("Generated journey {seed} ({size} nodes)"));
    journey.offers = offers();
    let stage = |rng: &mut ChaCha8Rng| Stage::ALL[rng.random_range(0..Stage::ALL.len())];
    let trigger = NodeKind::Trigger(Trigger::on_event(EVENTS[rng.random_range(0..EVENTS.len())]));
    let first = Node { id: "n0".into(), label: "Entry".into(), stage: Some(stage(&mut rng)), position: Position::default(), kind: trigger };
    // Open ports waiting for a next step: (node id, port, depth).
    let mut open: Vec<(String, String, usize)> = vec![("n0".into(), "out".into(), 0)];
    journey.nodes.push(first);
    while !open.is_empty() {
        let (from, port, depth) = open.swap_remove(rng.random_range(0..open.len()));
        let id = format!("n{}", journey.nodes.len());
        // Stop growing once the open ports alone will reach the size: close them with exits.
        let kind = if journey.nodes.len() + open.len() + 1 >= size.max(2) { NodeKind::Exit {} } else { random_step(&mut rng) };
        let row = journey.nodes.len() % 12;
        let node = Node {
            id: id.clone(),
            label: format!("{} {}", kind.name(), journey.nodes.len()),
            stage: Some(stage(&mut rng)),
            position: Position { x: 220.0 * (depth + 1) as f64, y: 100.0 * row as f64 },
            kind,
        };
        for p in node.kind.output_ports() {
            open.push((id.clone(), p, depth + 1));
        }
        journey.nodes.push(node);
        let edge = format!("e{}", journey.edges.len() + 1);
        journey.edges.push(Edge { id: edge, from, port, to: id });
    }
    journey
}

fn random_step(rng: &mut ChaCha8Rng) -> NodeKind {
    let pick = |rng: &mut ChaCha8Rng, list: &[&str]| list[rng.random_range(0..list.len())].to_string();
    match rng.random_range(0..20) {
        0..=3 => NodeKind::Wait(Wait::for_duration(&format!("{}d", rng.random_range(1..14)))),
        4 => NodeKind::Wait(Wait { until_event: Some("message_opened".into()), timeout: Some("3d".into()), ..Wait::default() }),
        5 => NodeKind::Wait(Wait { until_time: Some(format!("{:02}:00", rng.random_range(8..20))), ..Wait::default() }),
        6..=8 => NodeKind::Condition { expression: pick(rng, CONDITIONS) },
        9 => NodeKind::Switch {
            cases: vec![
                SwitchCase { name: "hni".into(), expression: "customer.segment == \"hni\"".into() },
                SwitchCase { name: "affluent".into(), expression: pick(rng, CONDITIONS) },
            ],
        },
        10 => {
            let a = rng.random_range(10..90);
            NodeKind::Split { branches: vec![SplitBranch { name: "a".into(), percent: a }, SplitBranch { name: "b".into(), percent: 100 - a }] }
        }
        11 => NodeKind::Holdout { control_percent: f64::from(rng.random_range(5..20_u32)) },
        12 => NodeKind::Decision(Decision {
            offers: offers().into_iter().map(|o| o.id).take(rng.random_range(1..4)).collect(),
            objective: Objective::Profit,
        }),
        13..=16 => NodeKind::Action(Action {
            channel: Channel::ALL[rng.random_range(0..Channel::ALL.len())],
            content: "Hello from a generated journey".into(),
            purpose: Some(Purpose::Marketing),
            offer: None,
            cost: 0.05,
            mandatory: false,
        }),
        17 => NodeKind::Update { attribute: "tags".into(), value: serde_json::json!(["generated"]) },
        _ => NodeKind::Goal { event: pick(rng, GOALS) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_journeys_are_valid_and_sized() {
        for (seed, size) in [(1, 2), (2, 10), (3, 500)] {
            let journey = random_journey(seed, size);
            assert_eq!(crate::validate(&journey), vec![], "seed {seed}");
            assert!(journey.nodes.len() >= size && journey.nodes.len() <= size + 4, "{} nodes for {size}", journey.nodes.len());
        }
        assert_eq!(random_journey(7, 50), random_journey(7, 50));
    }
}
