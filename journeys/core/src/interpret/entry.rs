//! Who enters a journey, and when: the trigger an event enters by, and the entry policy. The
//! simulator and the engine both ask here, so they admit the same customers.

use super::{CompiledJourney, Instance, Status};
use crate::expr::Context;
use crate::kinds::Trigger;
use crate::model::NodeKind;
use crate::settings::EntryPolicy;

const DAY_MS: i64 = 86_400_000;

/// The first trigger (in file order) that an event of `event_type` enters by for this
/// customer: its event matches and its filter, if any, holds. A failing filter does not enter.
pub fn entry_trigger<'a>(journey: &'a CompiledJourney, event_type: &str, ctx: &mut Context) -> Option<&'a str> {
    journey.triggers().find_map(|node| match &node.kind {
        NodeKind::Trigger(Trigger { event: Some(event), filter, .. }) if event == event_type => {
            let passes = filter.is_none() || journey.eval_bool(&node.id, 0, ctx).unwrap_or(false);
            passes.then_some(node.id.as_str())
        }
        _ => None,
    })
}

/// Whether the customer may enter at `at`, given their previous instance of this journey.
pub fn may_enter(policy: &EntryPolicy, previous: Option<&Instance>, at: i64) -> bool {
    match (previous, policy) {
        (None, _) => true,
        (Some(i), _) if i.status == Status::Waiting => false,
        (Some(_), EntryPolicy::OnceEver) => false,
        (Some(i), EntryPolicy::ReenterAfter { days }) => i.wake_at.is_none() && at - i.entered_at >= i64::from(*days) * DAY_MS,
    }
}
