//! A journey prepared for interpretation: routes by (node, port) and expressions compiled once.

use std::collections::HashMap;

use rhai::AST;

use crate::expr::{self, Context};
use crate::model::{Journey, NodeKind};
use crate::validate::{validate, Diagnostic, Severity};

pub struct CompiledJourney {
    journey: Journey,
    index: HashMap<String, usize>,
    routes: HashMap<(String, String), String>,
    /// Edge position in `journey.edges` by (from, port).
    edge_positions: HashMap<(String, String), usize>,
    /// Compiled expressions by (node id, position among the node's expressions).
    expressions: HashMap<(String, usize), AST>,
    /// Offer eligibility by offer id.
    eligibility: HashMap<String, AST>,
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
    /// Validate and compile. Only a journey without errors runs (warnings are fine).
    pub fn new(journey: Journey) -> Result<CompiledJourney, CompileError> {
        let errors: Vec<Diagnostic> = validate(&journey).into_iter().filter(|d| d.severity == Severity::Error).collect();
        if !errors.is_empty() {
            return Err(CompileError { journey: journey.id.clone(), errors });
        }
        let index = journey.nodes.iter().enumerate().map(|(i, n)| (n.id.clone(), i)).collect();
        let routes = journey.edges.iter().map(|e| ((e.from.clone(), e.port.clone()), e.to.clone())).collect();
        let edge_positions = journey.edges.iter().enumerate().map(|(i, e)| ((e.from.clone(), e.port.clone()), i)).collect();
        let mut expressions = HashMap::new();
        for node in &journey.nodes {
            for (i, (_, text)) in node.kind.expressions().into_iter().enumerate() {
                // Validation compiled these already; a failure here cannot happen.
                if let Ok(ast) = expr::compile(text) {
                    expressions.insert((node.id.clone(), i), ast);
                }
            }
        }
        let eligibility = journey
            .offers
            .iter()
            .filter_map(|o| Some((o.id.clone(), expr::compile(o.eligibility.as_deref()?).ok()?)))
            .collect();
        Ok(CompiledJourney { journey, index, routes, edge_positions, expressions, eligibility })
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

    /// The position in `journey().edges` of the edge leaving `node` by `port`.
    pub fn edge_position(&self, node: &str, port: &str) -> Option<usize> {
        self.edge_positions.get(&(node.to_string(), port.to_string())).copied()
    }

    pub fn next(&self, node: &str, port: &str) -> Option<&str> {
        self.routes.get(&(node.to_string(), port.to_string())).map(String::as_str)
    }

    /// The triggers customers can enter by, in file order.
    pub fn triggers(&self) -> impl Iterator<Item = &crate::model::Node> {
        self.journey.nodes.iter().filter(|n| matches!(n.kind, NodeKind::Trigger(_)))
    }

    /// Evaluate the node's `which`-th expression (see `NodeKind::expressions`) as a condition.
    pub fn eval_bool(&self, node: &str, which: usize, ctx: &Context) -> Result<bool, String> {
        let ast = self.expressions.get(&(node.to_string(), which)).ok_or_else(|| format!("node '{node}' has no expression {which}"))?;
        expr::eval_bool(ast, ctx).map_err(|e| format!("node '{node}': {e}"))
    }

    /// Whether the offer's eligibility rule (if any) holds for this customer.
    pub fn eligible(&self, offer: &str, ctx: &Context) -> Result<bool, String> {
        match self.eligibility.get(offer) {
            None => Ok(true),
            Some(ast) => expr::eval_bool(ast, ctx).map_err(|e| format!("offer '{offer}': {e}")),
        }
    }
}
