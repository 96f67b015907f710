//! Rules about Rhai expressions: they compile, read only known attributes, give a boolean,
//! and stay within the engine's limits on a sample customer.

use rhai::{Array, Dynamic, Map};

use super::*;
use crate::expr::{self, Context, ExprError};
use crate::model::{AttributeType, Journey, NodeKind};
use crate::vocabulary::{attribute_type, CUSTOMER_ATTRIBUTES, SCORES};

/// A fixed instant for dry runs (2026-01-01T00:00Z), so validation is deterministic.
const SAMPLE_NOW_MS: i64 = 1_767_225_600_000;

pub(super) fn check(journey: &Journey, out: &mut Vec<Diagnostic>) {
    let mut sample = None;
    for node in &journey.nodes {
        for (field, text) in node.kind.expressions() {
            if text.trim().is_empty() {
                continue; // reported as a required field
            }
            let event = match &node.kind {
                NodeKind::Trigger(t) => t.event.as_deref(),
                _ => None,
            };
            let ctx = sample.get_or_insert_with(|| sample_context(journey));
            one(journey, Some(&node.id), &field, text, event, ctx, out);
        }
    }
    for (i, offer) in journey.offers.iter().enumerate() {
        if let Some(text) = offer.eligibility.as_deref().filter(|t| !t.trim().is_empty()) {
            let ctx = sample.get_or_insert_with(|| sample_context(journey));
            one(journey, None, &format!("offers[{i}].eligibility"), text, None, ctx, out);
        }
    }
}

fn one(journey: &Journey, node: Option<&str>, field: &str, text: &str, event: Option<&str>, ctx: &mut Context, out: &mut Vec<Diagnostic>) {
    let place = match node {
        Some(id) => format!("{field} of node '{id}'"),
        None => field.to_string(),
    };
    let ast = match expr::compile(text) {
        Ok(ast) => ast,
        Err(e) => {
            out.push(EXPRESSION_INVALID.at_field(node, field, format!("{place} does not compile: {e}"), "fix the expression; it may use customer, event, scores, now and the documented helpers"));
            return;
        }
    };
    let mut unknown = false;
    for prop in expr::properties(&ast) {
        let known = match prop.variable.as_str() {
            "customer" => attribute_type(journey, &prop.property).is_some(),
            "scores" => SCORES.contains(&prop.property.as_str()),
            _ => true, // event attributes vary by event type
        };
        if !known {
            unknown = true;
            out.push(UNKNOWN_ATTRIBUTE.at_field(node, field, format!("{place} reads {}.{}, which is not a known attribute", prop.variable, prop.property), "check the spelling, or declare the attribute in settings.attributes"));
        }
    }
    if unknown {
        return; // a dry run would only repeat the problem
    }
    ctx.set_event_type(event.unwrap_or("sample_event"));
    match expr::eval_bool(&ast, ctx) {
        Ok(_) => {}
        Err(ExprError::NotBoolean(found)) => {
            out.push(NOT_BOOLEAN.at_field(node, field, format!("{place} gives {found}, not true or false"), "compare it, e.g. `customer.tenure_months > 6`"));
        }
        Err(e) if expr::is_limit_error(&e.to_string()) => {
            out.push(EXPRESSION_INVALID.at_field(node, field, format!("{place} runs away: {e}"), "simplify the expression; it must finish in a few thousand operations"));
        }
        // Other run-time errors depend on the data (missing event attributes and the like).
        Err(_) => {}
    }
}

/// A sample customer with every known attribute set to a value of its type.
fn sample_context(journey: &Journey) -> Context {
    let mut customer = Map::new();
    let declared = journey.settings.attributes.iter().map(|a| (a.name.as_str(), a.kind));
    for (name, kind) in CUSTOMER_ATTRIBUTES.iter().copied().chain(declared) {
        let value = match kind {
            AttributeType::String => expr::string("sample"),
            AttributeType::Int => Dynamic::from(1_i64),
            AttributeType::Float => Dynamic::from(1.0_f64),
            AttributeType::Bool => Dynamic::from(false),
            AttributeType::Date => Dynamic::from(SAMPLE_NOW_MS - 30 * 86_400_000),
            AttributeType::List => Dynamic::from(Array::new()),
        };
        customer.insert(name.into(), value);
    }
    customer.insert("time_zone".into(), expr::string("Europe/London"));
    let scores = SCORES.iter().map(|s| ((*s).into(), Dynamic::from(0.5_f64))).collect();
    Context::new(customer, scores, SAMPLE_NOW_MS)
}
