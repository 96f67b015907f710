//! A journey prepared for interpretation: routes by (node, port) and expressions compiled once.

use std::collections::HashMap;

use crate::expr::{Condition, Context};
use crate::model::{Journey, NodeKind};
use crate::validate::{Diagnostic, Severity};

pub struct CompiledJourney {
    journey: Journey,
    index: HashMap<String, usize>,
    /// By node position: (port, target node position, edge position). Nodes have a handful
    /// of ports, so a scan beats hashing, and lookups allocate nothing.
    routes: Vec<Vec<(String, usize, usize)>>,
    /// By node position: the node's compiled expressions, in `NodeKind::expressions` order.
    expressions: Vec<Vec<Condition>>,
    /// Offer eligibility by offer id.
    eligibility: HashMap<String, Condition>,
    /// The customer schema it was compiled against (its rolling aggregates feed the context).
    schema: crate::customer_schema::CustomerSchema,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("journey '{journey}' is not valid: {}", summary(.errors))]
pub struct CompileError {
    pub journey: String,
    pub errors: Vec<Diagnostic>,
}

fn summary(errors: &[Diagnostic]) -> String {
    let mut parts: Vec<String> = errors.iter().take(3).map(|d| format!("{} {}", d.code, d.message)).collect();
    if errors.len() > 3 {
        parts.push(format!("and {} more", errors.len() - 3));
    }
    parts.join("; ")
}

impl CompiledJourney {
    /// The customer schema this journey runs against.
    pub fn schema(&self) -> &crate::customer_schema::CustomerSchema {
        &self.schema
    }

    /// A rolling aggregate a profile has no events for yet reads as 0, not as nothing.
    pub fn fill_aggregate_defaults(&self, ctx: &mut crate::expr::Context) {
        for aggregate in &self.schema.aggregates {
            if ctx.customer(&aggregate.name).is_none() {
                let zero = match aggregate.function {
                    crate::customer_schema::AggregateFunction::Count => rhai::Dynamic::from(0_i64),
                    crate::customer_schema::AggregateFunction::Sum => rhai::Dynamic::from(0.0_f64),
                };
                ctx.set_customer(&aggregate.name, zero);
            }
        }
    }

    /// Validate and compile. Only a journey without errors runs (warnings are fine).
    pub fn new(journey: Journey) -> Result<CompiledJourney, CompileError> {
        CompiledJourney::with_schema(journey, &crate::customer_schema::CustomerSchema::default())
    }

    /// Compile a journey valid against the bank's customer schema (it may read the schema's
    /// attributes without declaring them).
    pub fn with_schema(journey: Journey, schema: &crate::customer_schema::CustomerSchema) -> Result<CompiledJourney, CompileError> {
        // The journey as it runs: the schema's attributes declared, update values stored-form.
        let (journey, mut findings) = crate::validate::effective(&journey, schema);
        findings.extend(crate::validate::validate(&journey));
        let errors: Vec<Diagnostic> = findings.into_iter().filter(|d| d.severity == Severity::Error).collect();
        if !errors.is_empty() {
            return Err(CompileError { journey: journey.id.clone(), errors });
        }
        let index: HashMap<String, usize> = journey.nodes.iter().enumerate().map(|(i, n)| (n.id.clone(), i)).collect();
        let mut routes = vec![Vec::new(); journey.nodes.len()];
        for (position, edge) in journey.edges.iter().enumerate() {
            // Validation guarantees both ends exist.
            if let (Some(&from), Some(&to)) = (index.get(&edge.from), index.get(&edge.to)) {
                routes[from].push((edge.port.clone(), to, position));
            }
        }
        // Validation compiled every expression already, so none is dropped here.
        let expressions = journey
            .nodes
            .iter()
            .map(|node| node.kind.expressions().into_iter().filter_map(|(_, text)| Condition::compile(text).ok()).collect())
            .collect();
        let eligibility = journey
            .offers
            .iter()
            .filter_map(|o| Some((o.id.clone(), Condition::compile(o.eligibility.as_deref()?).ok()?)))
            .collect();
        Ok(CompiledJourney { journey, index, routes, expressions, eligibility, schema: schema.clone() })
    }

    pub fn journey(&self) -> &Journey {
        &self.journey
    }

    pub fn kind(&self, node: &str) -> Option<&NodeKind> {
        self.index.get(node).map(|&i| &self.journey.nodes[i].kind)
    }

    /// The node's position in `journey().nodes`.
    pub fn node_position(&self, node: &str) -> Option<usize> {
        self.index.get(node).copied()
    }

    fn route(&self, node: &str, port: &str) -> Option<(usize, usize)> {
        let from = *self.index.get(node)?;
        self.routes[from].iter().find(|(p, ..)| p == port).map(|(_, to, edge)| (*to, *edge))
    }

    /// The position in `journey().edges` of the edge leaving `node` by `port`.
    pub fn edge_position(&self, node: &str, port: &str) -> Option<usize> {
        self.route(node, port).map(|(_, edge)| edge)
    }

    /// The node reached from `node` by `port`.
    pub fn next(&self, node: &str, port: &str) -> Option<&str> {
        self.route(node, port).map(|(to, _)| self.journey.nodes[to].id.as_str())
    }

    /// The triggers customers can enter by, in file order.
    pub fn triggers(&self) -> impl Iterator<Item = &crate::model::Node> {
        self.journey.nodes.iter().filter(|n| matches!(n.kind, NodeKind::Trigger(_)))
    }

    /// Evaluate the node's `which`-th expression (see `NodeKind::expressions`) as a condition.
    pub fn eval_bool(&self, node: &str, which: usize, ctx: &mut Context) -> Result<bool, String> {
        let condition = self
            .index
            .get(node)
            .and_then(|&i| self.expressions[i].get(which))
            .ok_or_else(|| format!("node '{node}' has no expression {which}"))?;
        condition.eval_bool(ctx).map_err(|e| format!("node '{node}': {e}"))
    }

    /// The offer's compiled eligibility rule, if it has one.
    pub fn eligibility_rule(&self, offer: &str) -> Option<&Condition> {
        self.eligibility.get(offer)
    }
}
