//! Rules about what each node and the journey settings say.

use std::collections::HashSet;

use super::*;
use crate::model::{Action, EntryPolicy, Journey, Node, NodeKind, Purpose, Trigger, Wait};
use crate::vocabulary::is_known_event;

const MAX_LABEL: usize = 200;
const MAX_TEXT: usize = 10_000;

pub(super) fn check(journey: &Journey, out: &mut Vec<Diagnostic>) {
    for (field, checked) in [("id", crate::text::check_id("id", &journey.id)), ("name", crate::text::check_free_text("name", &journey.name))] {
        if let Err(e) = checked {
            out.push(CONTROL_CHARACTER.at_field(None, field, format!("journey {field}: {}", e.problem), "use plain visible text"));
        }
    }
    for node in &journey.nodes {
        let id = node.id.as_str();
        if node.stage.is_none() {
            out.push(MISSING_STAGE.at(&[id], format!("node '{id}' has no lifecycle stage"), "set its stage: acquire, activate, cross_sell, retain or reactivate"));
        }
        lengths(node, out);
        match &node.kind {
            NodeKind::Trigger(t) => trigger(journey, id, t, out),
            NodeKind::Wait(w) => wait(journey, id, w, out),
            NodeKind::Condition { expression } => required(id, "expression", expression, "condition", out),
            NodeKind::Switch { cases } => {
                if cases.is_empty() {
                    out.push(PORT_NAMES.at_field(Some(id), "cases", format!("switch '{id}' has no cases"), "add at least one case, or use a condition"));
                }
                port_names(id, "cases", cases.iter().map(|c| c.name.as_str()), out);
            }
            NodeKind::Split { branches } => {
                let total: u32 = branches.iter().map(|b| b.percent).sum();
                if branches.is_empty() || total != 100 {
                    out.push(SPLIT_PERCENT.at_field(Some(id), "branches", format!("split '{id}' branches add up to {total}%, not 100%"), "adjust the branch percentages"));
                }
                port_names(id, "branches", branches.iter().map(|b| b.name.as_str()), out);
            }
            NodeKind::Holdout { control_percent } => {
                if !(*control_percent > 0.0 && *control_percent <= 50.0) {
                    out.push(HOLDOUT_SHARE.at_field(Some(id), "control_percent", format!("holdout '{id}' keeps {control_percent}% as control; it must be above 0% and at most 50%"), "typical control groups are 5–10%"));
                }
            }
            NodeKind::Decision(d) => {
                if d.offers.is_empty() {
                    out.push(DECISION_OFFERS.at_field(Some(id), "offers", format!("decision '{id}' has no offers to choose from"), "add offers from the journey's catalogue"));
                }
                for (i, offer) in d.offers.iter().enumerate() {
                    if !journey.knows_offer(offer) {
                        out.push(DECISION_OFFERS.at_field(Some(id), &format!("offers[{i}]"), format!("decision '{id}' offers '{offer}', which is neither in the journey's offers nor in its catalogue offers"), "define the offer in `offers`, add it to `catalogue_offers`, or remove it here"));
                    }
                }
                port_names(id, "offers", d.offers.iter().map(String::as_str), out);
            }
            NodeKind::Action(a) => action(journey, id, a, out),
            NodeKind::Update { attribute, .. } => {
                required(id, "attribute", attribute, "update", out);
                let known = crate::population::CSV_COLUMNS.contains(&attribute.as_str()) || crate::vocabulary::attribute_type(journey, attribute).is_some();
                if !attribute.trim().is_empty() && !known {
                    out.push(UNKNOWN_ATTRIBUTE.at_field(Some(id), "attribute", format!("update '{id}' sets {}, which is not an attribute of the profile: nothing would read it", short(attribute)), "set a profile attribute, or add it to the customer schema"));
                }
            }
            NodeKind::Goal { event } => {
                required(id, "event", event, "goal", out);
                goal_event(journey, Some(id), "event", event, out);
            }
            NodeKind::Exit {} => {}
        }
    }
    settings(journey, out);
}

fn required(id: &str, field: &str, value: &str, kind: &str, out: &mut Vec<Diagnostic>) {
    if value.trim().is_empty() {
        out.push(REQUIRED_FIELD.at_field(Some(id), field, format!("{kind} node '{id}' has an empty {field}"), "fill it in in the inspector"));
    }
}

fn lengths(node: &Node, out: &mut Vec<Diagnostic>) {
    let id = node.id.as_str();
    let mut check = |field: &str, value: &str, max: usize| {
        if value.len() > max {
            out.push(FIELD_TOO_LONG.at_field(Some(id), field, format!("{field} of node '{id}' is {} bytes; the limit is {max}", value.len()), "shorten it; put long content in a template referenced by name"));
        }
    };
    check("id", &node.id, MAX_LABEL);
    check("label", &node.label, MAX_LABEL);
    if let NodeKind::Action(a) = &node.kind {
        check("content", &a.content, MAX_TEXT);
    }
    // The one text rule the store applies to what it keeps (`core::text`).
    let mut text = |field: &str, checked: Result<(), crate::text::TextError>| {
        if let Err(e) = checked {
            out.push(CONTROL_CHARACTER.at_field(Some(id), field, format!("{field} of node '{}': {}", id.escape_debug(), e.problem), "remove the character; use plain visible text"));
        }
    };
    if !node.id.is_empty() {
        text("id", crate::text::check_id("id", &node.id));
    }
    text("label", crate::text::check_free_text("label", &node.label));
    if let NodeKind::Action(a) = &node.kind {
        text("content", crate::text::check_free_text("content", &a.content));
    }
}

fn duration(id: Option<&str>, field: &str, value: &str, out: &mut Vec<Diagnostic>) {
    if parse_duration_minutes(value).is_none() {
        out.push(BAD_DURATION.at_field(id, field, format!("{field} '{}' is not a duration", short(value)), "write it like 30m, 6h, 3d or 2w"));
    }
}

fn time_of_day(id: Option<&str>, field: &str, value: &str, out: &mut Vec<Diagnostic>) {
    if parse_time_of_day(value).is_none() {
        out.push(BAD_DURATION.at_field(id, field, format!("{field} '{}' is not a time of day", short(value)), "write it as HH:MM, e.g. 09:00"));
    }
}

fn short(value: &str) -> String {
    if value.chars().count() > 40 {
        format!("{}…", value.chars().take(40).collect::<String>())
    } else {
        value.to_string()
    }
}

fn event_known(journey: &Journey, id: Option<&str>, field: &str, event: &str, out: &mut Vec<Diagnostic>) {
    if !event.trim().is_empty() && !is_known_event(journey, event) {
        out.push(UNKNOWN_EVENT.at_field(id, field, format!("event '{}' is not a known event type", short(event)), "check the spelling, or declare it in settings.events"));
    }
}

fn goal_event(journey: &Journey, id: Option<&str>, field: &str, event: &str, out: &mut Vec<Diagnostic>) {
    if !event.trim().is_empty() && !is_known_event(journey, event) {
        out.push(GOAL_IMPOSSIBLE.at_field(id, field, format!("goal event '{}' is never received, so the goal can never be met", short(event)), "pick a known event, or declare it in settings.events"));
    }
}

fn trigger(journey: &Journey, id: &str, t: &Trigger, out: &mut Vec<Diagnostic>) {
    let kinds = t.entry_kinds();
    if kinds.len() != 1 {
        let found = if kinds.is_empty() { "none".to_string() } else { kinds.join(", ") };
        out.push(TRIGGER_ENTRY.at(&[id], format!("trigger '{id}' must have exactly one entry kind (event, segment, date_rule, audience); it has {found}"), "keep one entry kind per trigger; add another trigger for another way in"));
    }
    if t.filter.is_some() && t.event.is_none() {
        out.push(TRIGGER_ENTRY.at_field(Some(id), "filter", format!("trigger '{id}' has a filter but no event to filter"), "set the event, or remove the filter"));
    }
    if let Some(event) = &t.event {
        required(id, "event", event, "trigger", out);
        event_known(journey, Some(id), "event", event, out);
    }
    if let Some(audience) = &t.audience {
        required(id, "audience", audience, "trigger", out);
    }
    if let Some(rule) = &t.date_rule {
        match crate::vocabulary::attribute_type(journey, &rule.attribute) {
            Some(crate::model::AttributeType::Date) => {}
            _ => out.push(UNKNOWN_ATTRIBUTE.at_field(Some(id), "date_rule.attribute", format!("date rule of trigger '{id}' uses '{}', which is not a date attribute of the customer", short(&rule.attribute)), "use a date attribute such as policy_renewal_date, or declare it in settings.attributes with type date")),
        }
        if let Some(at) = &rule.at {
            time_of_day(Some(id), "date_rule.at", at, out);
        }
    }
}

fn wait(journey: &Journey, id: &str, w: &Wait, out: &mut Vec<Diagnostic>) {
    let bounds = [w.duration.is_some(), w.until_time.is_some(), w.until_event.is_some()].iter().filter(|b| **b).count();
    if bounds != 1 {
        out.push(UNBOUNDED_WAIT.at(&[id], format!("wait '{id}' must have exactly one of duration, until_time, until_event; it has {bounds}"), "choose one kind of wait"));
    }
    if w.until_event.is_some() && w.timeout.is_none() {
        out.push(UNBOUNDED_WAIT.at_field(Some(id), "timeout", format!("wait '{id}' waits for an event with no timeout"), "set a timeout, e.g. 7d, after which customers leave by the `timeout` port"));
    }
    if let Some(d) = &w.duration {
        duration(Some(id), "duration", d, out);
    }
    if let Some(t) = &w.until_time {
        time_of_day(Some(id), "until_time", t, out);
    }
    if let Some(e) = &w.until_event {
        required(id, "until_event", e, "wait", out);
        event_known(journey, Some(id), "until_event", e, out);
    }
    if let Some(t) = &w.timeout {
        duration(Some(id), "timeout", t, out);
    }
}

fn action(journey: &Journey, id: &str, a: &Action, out: &mut Vec<Diagnostic>) {
    match a.purpose {
        None => out.push(CONSENT_PURPOSE.at_field(Some(id), "purpose", format!("action '{id}' on {} does not say which consent it relies on", a.channel.key()), "set purpose: marketing or service")),
        Some(Purpose::Marketing) if a.mandatory => out.push(CONSENT_PURPOSE.at_field(Some(id), "purpose", format!("action '{id}' is mandatory but has a marketing purpose"), "mandatory contacts are service messages; set purpose: service or make it discretionary")),
        _ => {}
    }
    if let Some(offer) = &a.offer {
        if !journey.knows_offer(offer) {
            out.push(DECISION_OFFERS.at_field(Some(id), "offer", format!("action '{id}' presents offer '{}', which is neither in the journey's offers nor in its catalogue offers", short(offer)), "define the offer in `offers`, add it to `catalogue_offers`, or remove it here"));
        }
    }
    if !(a.cost.is_finite() && a.cost >= 0.0) {
        out.push(BAD_SETTINGS.at_field(Some(id), "cost", format!("action '{id}' has cost {}, which is not a non-negative amount", a.cost), "set the cost of one contact, or 0"));
    }
}

/// Switch cases, split branches and decision offers become port names.
fn port_names<'a>(id: &str, field: &str, names: impl Iterator<Item = &'a str>, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, name) in names.enumerate() {
        let problem = if name.trim().is_empty() {
            Some("is empty".to_string())
        } else if !seen.insert(name) {
            Some(format!("'{}' is used twice", short(name)))
        } else if (name == "default" && field == "cases") || (name == "none" && field == "offers") {
            Some(format!("'{name}' is reserved"))
        } else {
            None
        };
        if let Some(problem) = problem {
            out.push(PORT_NAMES.at_field(Some(id), &format!("{field}[{i}]"), format!("in node '{id}', {field}[{i}] name {problem}"), "give each its own name"));
        }
    }
}

fn settings(journey: &Journey, out: &mut Vec<Diagnostic>) {
    let s = &journey.settings;
    if let EntryPolicy::ReenterAfter { days: 0 } = s.entry {
        out.push(BAD_SETTINGS.at_field(None, "settings.entry.days", "re-entry after 0 days would let a customer enter again at once".into(), "use once_ever, or a period of at least one day"));
    }
    if let Some(goal) = &s.goal {
        goal_event(journey, None, "settings.goal.event", &goal.event, out);
        duration(None, "settings.goal.window", &goal.window, out);
    }
    if let Some(q) = &s.quiet_hours {
        time_of_day(None, "settings.quiet_hours.start", &q.start, out);
        time_of_day(None, "settings.quiet_hours.end", &q.end, out);
    }
    for (i, cap) in s.frequency_caps.iter().enumerate() {
        if cap.max == 0 {
            out.push(BAD_SETTINGS.at_field(None, &format!("settings.frequency_caps[{i}].max"), "a frequency cap of 0 forbids every contact".into(), "use at least 1, or pause the journey instead"));
        }
        duration(None, &format!("settings.frequency_caps[{i}].per"), &cap.per, out);
    }
    for (i, event) in s.exit_on_events.iter().enumerate() {
        event_known(journey, None, &format!("settings.exit_on_events[{i}]"), event, out);
    }
    let mut ids = HashSet::new();
    for (i, offer) in journey.offers.iter().enumerate() {
        if !ids.insert(offer.id.as_str()) || offer.id.trim().is_empty() {
            out.push(BAD_SETTINGS.at_field(None, &format!("offers[{i}].id"), format!("offer id '{}' is empty or used twice", short(&offer.id)), "give each offer its own id"));
        }
        if !(offer.cost.is_finite() && offer.cost >= 0.0 && offer.value.is_finite()) {
            out.push(BAD_SETTINGS.at_field(None, &format!("offers[{i}]"), format!("offer '{}' needs a finite value and a non-negative cost", short(&offer.id)), "fix cost and value"));
        }
    }
    for (i, offer) in journey.catalogue_offers.iter().enumerate() {
        if !ids.insert(offer.as_str()) || offer.trim().is_empty() {
            out.push(BAD_SETTINGS.at_field(None, &format!("catalogue_offers[{i}]"), format!("catalogue offer '{}' is empty, listed twice or also defined in `offers`", short(offer)), "name each catalogue offer once, and not in `offers` too"));
        }
    }
}
