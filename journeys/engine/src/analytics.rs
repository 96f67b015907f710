//! What the engine records for journey analytics, one call per effect (`record`) and one per
//! event (`on_event`, for conversions), in the step's transaction: the step log and the counters
//! core's `analytics::live_report` turns into the same report the simulator produces. Counting
//! follows the simulator: an entry is the move out of a trigger; a conversion is the journey's
//! goal event inside the goal window after the latest entry, once per customer; a branch counts
//! each customer once per port; the value is the last sent offer's value.

use journeys_core::analytics::{self, metric};
use journeys_core::interpret::{Effect, ExitReason, Instance};
use journeys_core::model::NodeKind;
use journeys_store::{EngineTx, StepRecord};

use crate::live::LiveVersion;
use crate::wire::Event;
use crate::EngineError;

/// Record one effect of a step taken at `at`.
pub async fn record(tx: &mut EngineTx, live: &LiveVersion, customer_id: &str, effect: &Effect, at: i64) -> Result<(), EngineError> {
    let (j, v) = (live.journey_id.as_str(), live.version);
    let is_trigger = |node: &str| matches!(live.compiled.kind(node), Some(NodeKind::Trigger(_)));
    let step = |kind: &str, node: &str| StepRecord {
        journey_id: j.to_string(),
        version: v,
        customer_id: customer_id.to_string(),
        at,
        kind: kind.to_string(),
        node: node.to_string(),
        port: None,
        to_node: None,
        detail: None,
    };
    match effect {
        Effect::Moved { from, port, to } => {
            if is_trigger(from) {
                entered(tx, live, customer_id, from, at).await?;
            }
            tx.bump((j, v), at, metric::EDGE, from, port, 1).await?;
            tx.bump((j, v), at, metric::NODE_ENTERED, to, "", 1).await?;
            if live.compiled.kind(from).is_some_and(analytics::is_branching) {
                tx.note_branch(j, v, customer_id, from, port, at).await?;
            }
            tx.record_step(&StepRecord { port: Some(port.clone()), to_node: Some(to.clone()), ..step("moved", from) }).await?;
        }
        Effect::Exited { node, reason } => {
            if is_trigger(node) {
                entered(tx, live, customer_id, node, at).await?;
            }
            let reason = match reason {
                ExitReason::Completed => "completed",
                ExitReason::ExitEvent { .. } => "exit_event",
                ExitReason::ExpressionFailed { .. } => "expression_failed",
                ExitReason::Stuck { .. } => "stuck",
            };
            tx.bump((j, v), at, metric::NODE_EXITED, node, "", 1).await?;
            tx.bump((j, v), at, metric::EXIT, reason, "", 1).await?;
            tx.record_step(&StepRecord { detail: Some(reason.into()), ..step("exited", node) }).await?;
        }
        Effect::Goal { node, event } => {
            tx.bump((j, v), at, metric::GOAL, node, "", 1).await?;
            tx.record_step(&StepRecord { detail: Some(event.clone()), ..step("goal", node) }).await?;
        }
        // The verdict is counted where it is written (`EngineTx::log_action`).
        Effect::Contact { node, channel, .. } => tx.record_step(&StepRecord { detail: Some(channel.key().into()), ..step("contact", node) }).await?,
        Effect::HeldOut { node } => tx.record_step(&step("held_out", node)).await?,
        Effect::Decided { node, chosen, .. } => tx.record_step(&StepRecord { detail: chosen.clone(), ..step("decided", node) }).await?,
        Effect::Update { .. } | Effect::Schedule { .. } => {}
    }
    Ok(())
}

async fn entered(tx: &mut EngineTx, live: &LiveVersion, customer_id: &str, trigger: &str, at: i64) -> Result<(), EngineError> {
    tx.bump((&live.journey_id, live.version), at, metric::NODE_ENTERED, trigger, "", 1).await?;
    tx.note_entry(&live.journey_id, live.version, customer_id, at).await?;
    Ok(())
}

/// An event reached a version in which the customer has (or had) an instance: the journey's
/// goal event inside the window after the latest entry converts them, once.
pub async fn on_event(tx: &mut EngineTx, live: &LiveVersion, instance: Option<&Instance>, event: &Event) -> Result<(), EngineError> {
    let journey = live.compiled.journey();
    let Some(instance) = instance else { return Ok(()) };
    if analytics::goal_event(journey) != Some(event.event_type.as_str()) || !analytics::converts(journey, instance.entered_at, event.time) {
        return Ok(());
    }
    let (j, v) = (live.journey_id.as_str(), live.version);
    let Some(customer) = tx.journey_customer(j, v, &event.customer_id).await?.filter(|c| c.converted_at.is_none()) else { return Ok(()) };
    let offer = customer.last_offer.and_then(|o| journey.offers.iter().find(|x| x.id == o));
    let value = offer.map(|o| o.value).unwrap_or(0.0);
    if tx.note_conversion(j, v, &event.customer_id, event.time, (value * 1e6).round() as i64).await? {
        let step = StepRecord {
            journey_id: j.to_string(),
            version: v,
            customer_id: event.customer_id.clone(),
            at: event.time,
            kind: "converted".into(),
            node: instance.node.clone(),
            port: None,
            to_node: None,
            detail: Some(event.event_type.clone()),
        };
        tx.record_step(&step).await?;
    }
    Ok(())
}
