//! Expressions: one hardened Rhai engine, shared by validation, the simulator and the engine.
//!
//! Expressions see `customer`, `event`, `scores` (maps) and `now` (epoch ms), plus helpers:
//! `days_since(ts)`, `hours_since(ts)`, `days_until(ts)`, `has_product(customer, name)` (also as
//! `customer.has_product(name)`), `local_hour(time_zone)`. No loops, no closures, no statements, strict
//! variables, and limits on operations, depth, string, array and map sizes: a runaway or
//! malformed expression is an error, never a hang.

use std::cell::Cell;
use std::sync::OnceLock;

use rhai::{Array, Dynamic, Engine, ImmutableString, Map, Scope, AST};

mod native;

pub use native::Memo;

/// Longest expression text accepted, in bytes.
pub const MAX_EXPRESSION_LEN: usize = 2_000;
/// Evaluation budget: enough for any sensible condition, small enough to stop abuse at once.
pub const MAX_OPERATIONS: u64 = 10_000;

/// The variables every expression may use.
pub const VARIABLES: [&str; 4] = ["customer", "event", "scores", "now"];

/// Documented helper functions, as (signature, meaning), for the editor's help.
pub const HELPERS: &[(&str, &str)] = &[
    ("days_since(ts)", "whole days from the epoch-ms time `ts` to now"),
    ("hours_since(ts)", "whole hours from `ts` to now"),
    ("days_until(ts)", "whole days from now to `ts` (negative when past)"),
    ("has_product(customer, name)", "whether the customer holds product `name`"),
    ("local_hour(time_zone)", "the hour (0–23) now in an IANA time zone such as Europe/London"),
];

thread_local! {
    // The `now` the helpers see: set for the duration of one evaluation, per thread, so the
    // shared engine stays pure and thread-safe.
    static NOW_MS: Cell<i64> = const { Cell::new(0) };
}

const DAY_MS: i64 = 86_400_000;

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(build_engine)
}

fn build_engine() -> Engine {
    let mut engine = Engine::new();
    for symbol in ["while", "loop", "for", "do", "fn", "eval", "import", "export", "print", "debug"] {
        engine.disable_symbol(symbol);
    }
    engine
        .set_strict_variables(true)
        .set_max_operations(MAX_OPERATIONS)
        // Without script functions (the `no_function` feature) there are no call levels to limit.
        .set_max_expr_depths(32)
        .set_max_string_size(10_000)
        .set_max_array_size(1_000)
        .set_max_map_size(500)
        .set_max_variables(16);
    engine.register_fn("days_since", |ts: i64| (now_ms() - ts).div_euclid(DAY_MS));
    engine.register_fn("hours_since", |ts: i64| (now_ms() - ts).div_euclid(3_600_000));
    engine.register_fn("days_until", |ts: i64| (ts - now_ms()).div_euclid(DAY_MS));
    engine.register_fn("has_product", |customer: &mut Map, product: &str| has_product(customer, product));
    engine.register_fn("local_hour", |tz: &str| -> Result<i64, Box<rhai::EvalAltResult>> {
        local_hour(tz).ok_or_else(|| format!("unknown time zone '{tz}'").into())
    });
    engine
}

fn now_ms() -> i64 {
    NOW_MS.with(Cell::get)
}

fn has_product(customer: &Map, product: &str) -> bool {
    customer
        .get("products")
        // Compare strings in place (no copy per product; this runs in every eligibility rule).
        .and_then(|p| p.read_lock::<Array>().map(|a| a.iter().any(|x| x.clone().into_immutable_string().map_or_else(|_| x.to_string() == product, |s| s.as_str() == product))))
        .unwrap_or(false)
}

fn local_hour(tz: &str) -> Option<i64> {
    use chrono::{TimeZone, Timelike};
    let zone: chrono_tz::Tz = tz.parse().ok()?;
    let utc = chrono::DateTime::from_timestamp_millis(now_ms())?;
    Some(i64::from(zone.from_utc_datetime(&utc.naive_utc()).hour()))
}

/// Why an expression is not usable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExprError {
    #[error("expression is {0} bytes long; the limit is {MAX_EXPRESSION_LEN}")]
    TooLong(usize),
    #[error("{message} (line {line}, column {column})")]
    Syntax { message: String, line: usize, column: usize },
    #[error("{0}")]
    Runtime(String),
    #[error("expression gives {0}, not true or false")]
    NotBoolean(String),
}

/// Compile once; evaluate many times.
pub fn compile(text: &str) -> Result<AST, ExprError> {
    if text.len() > MAX_EXPRESSION_LEN {
        return Err(ExprError::TooLong(text.len()));
    }
    let scope = base_scope(Map::new(), Map::new(), Map::new(), 0);
    engine().compile_expression_with_scope(&scope, text).map_err(|e| {
        let (line, column) = (e.1.line().unwrap_or(1), e.1.position().unwrap_or(1));
        ExprError::Syntax { message: e.0.to_string(), line, column }
    })
}

/// A property read off one of the variables, e.g. `customer.segment`.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyRef {
    pub variable: String,
    pub property: String,
}

/// Every `variable.property` read in the expression, for checking against the vocabulary.
pub fn properties(ast: &AST) -> Vec<PropertyRef> {
    use rhai::{ASTNode, Expr};
    let mut found = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Expr(Expr::Dot(x, ..))) = path.last() {
            if let (Expr::Variable(var, ..), Expr::Property(prop, ..)) = (&x.lhs, &x.rhs) {
                found.push(PropertyRef { variable: var.1.to_string(), property: prop.2.to_string() });
            }
        }
        true
    });
    found
}

/// What an expression is evaluated against: the variables, kept in one Rhai scope that is
/// built once per customer and reused for every evaluation (no copying per evaluation).
#[derive(Debug, Clone)]
pub struct Context {
    scope: Scope<'static>,
    now_ms: i64,
    /// Earlier presentations of offers to this customer (contact policies read it).
    offer_history: std::sync::Arc<[crate::offers::OfferContact]>,
    /// The shared offers catalogue's approved versions, for journeys naming catalogue offers.
    catalogue: Option<std::sync::Arc<crate::interpret::CompiledOffers>>,
}

impl Default for Context {
    fn default() -> Self {
        Context::new(Map::new(), Map::new(), 0)
    }
}

impl Context {
    pub fn new(customer: Map, scores: Map, now_ms: i64) -> Context {
        Context { scope: base_scope(customer, Map::new(), scores, now_ms), now_ms, offer_history: std::sync::Arc::from(Vec::new()), catalogue: None }
    }

    pub fn catalogue(&self) -> Option<&std::sync::Arc<crate::interpret::CompiledOffers>> {
        self.catalogue.as_ref()
    }

    pub fn set_catalogue(&mut self, catalogue: Option<std::sync::Arc<crate::interpret::CompiledOffers>>) {
        self.catalogue = catalogue;
    }

    pub fn offer_history(&self) -> &[crate::offers::OfferContact] {
        &self.offer_history
    }

    pub fn set_offer_history(&mut self, history: Vec<crate::offers::OfferContact>) {
        self.offer_history = history.into();
    }

    pub fn now(&self) -> i64 {
        self.now_ms
    }

    pub fn set_now(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
        self.scope.set_value("now", now_ms);
    }

    /// `has_product(customer, product)` without copying the customer's products.
    fn customer_has_product(&self, product: &str) -> Option<bool> {
        let customer = self.scope.get("customer")?.read_lock::<Map>()?;
        Some(has_product(&customer, product))
    }

    fn map(&self, variable: &str, key: &str) -> Option<Dynamic> {
        self.scope.get(variable)?.read_lock::<Map>()?.get(key).cloned()
    }

    fn set_in_map(&mut self, variable: &str, key: &str, value: Dynamic) {
        if let Some(mut map) = self.scope.get_mut(variable).and_then(|v| v.write_lock::<Map>()) {
            map.insert(key.into(), value);
        }
    }

    /// `customer.NAME`, if set.
    pub fn customer(&self, name: &str) -> Option<Dynamic> {
        self.map("customer", name)
    }

    pub fn set_customer(&mut self, name: &str, value: Dynamic) {
        self.set_in_map("customer", name, value);
    }

    /// `scores.NAME` as a number, if set.
    pub fn score(&self, name: &str) -> Option<f64> {
        let value = self.map("scores", name)?;
        value.as_float().ok().or_else(|| value.as_int().ok().map(|i| i as f64))
    }

    pub fn set_scores(&mut self, scores: Map) {
        self.scope.set_value("scores", Dynamic::from_map(scores));
    }

    /// The event being handled: its type (and time, now).
    pub fn set_event_type(&mut self, event_type: &str) {
        let mut event = Map::new();
        event.insert("type".into(), string(event_type));
        event.insert("time".into(), Dynamic::from(self.now_ms));
        self.scope.set_value("event", Dynamic::from_map(event));
    }
}

fn base_scope(customer: Map, event: Map, scores: Map, now: i64) -> Scope<'static> {
    // Plain variables, not constants: the optimiser would fold constant (empty) maps into
    // the compiled expression.
    // `from_map` wraps each map as it is; a plain push would copy it entry by entry.
    let mut scope = Scope::new();
    scope.push_dynamic("customer", Dynamic::from_map(customer));
    scope.push_dynamic("event", Dynamic::from_map(event));
    scope.push_dynamic("scores", Dynamic::from_map(scores));
    scope.push("now", now);
    scope
}

/// Evaluate to any value (used by the dry run that checks the result type).
pub fn eval(ast: &AST, ctx: &mut Context) -> Result<Dynamic, ExprError> {
    let previous = NOW_MS.with(|n| n.replace(ctx.now_ms));
    let result = engine().eval_ast_with_scope::<Dynamic>(&mut ctx.scope, ast);
    NOW_MS.with(|n| n.set(previous));
    result.map_err(|e| ExprError::Runtime(e.to_string()))
}

/// A compiled condition: the Rhai AST, and its native translation when it has the common
/// shape ([`native`]); evaluating tries the native form first and falls back to Rhai.
#[derive(Debug, Clone)]
pub struct Condition {
    ast: AST,
    native: Option<native::Node>,
}

impl Condition {
    pub fn new(ast: AST) -> Condition {
        let native = native::translate(&ast);
        Condition { ast, native }
    }

    pub fn compile(text: &str) -> Result<Condition, ExprError> {
        compile(text).map(Condition::new)
    }

    pub fn ast(&self) -> &AST {
        &self.ast
    }

    /// Whether the native evaluator handles it (for tests and the benchmark's report).
    pub fn is_native(&self) -> bool {
        self.native.is_some()
    }

    /// Evaluate as a condition: the same answer, or error, as `eval_bool` on the AST.
    pub fn eval_bool(&self, ctx: &mut Context) -> Result<bool, ExprError> {
        self.eval_bool_with(ctx, &mut Memo::default())
    }

    /// As `eval_bool`, sharing property reads with other conditions evaluated against the same,
    /// unchanged context.
    pub fn eval_bool_with(&self, ctx: &mut Context, memo: &mut Memo<'_>) -> Result<bool, ExprError> {
        match self.native.as_ref().and_then(|n| native::eval_bool(n, ctx, memo)) {
            Some(b) => Ok(b),
            None => eval_bool(&self.ast, ctx),
        }
    }
}

/// Evaluate a condition: it must give a boolean.
pub fn eval_bool(ast: &AST, ctx: &mut Context) -> Result<bool, ExprError> {
    let value = eval(ast, ctx)?;
    value.as_bool().map_err(|_| ExprError::NotBoolean(describe(&value)))
}

fn describe(value: &Dynamic) -> String {
    let shown: String = value.to_string().chars().take(40).collect();
    format!("{} `{shown}`", value.type_name())
}

/// Whether a runtime error means the expression itself is abusive (too costly, too deep, too
/// big) rather than that the sample data did not fit it.
pub fn is_limit_error(message: &str) -> bool {
    ["Too many operations", "too large", "Stack overflow", "too deep", "Exceeded"].iter().any(|m| message.contains(m))
}

/// A string value for maps built by callers.
pub fn string(value: &str) -> Dynamic {
    Dynamic::from(ImmutableString::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer() -> Map {
        let mut m = Map::new();
        m.insert("segment".into(), string("affluent"));
        m.insert("products".into(), Dynamic::from(vec![string("savings")]));
        m.insert("last_activity_at".into(), Dynamic::from(0_i64));
        m
    }

    fn ctx() -> Context {
        Context::new(customer(), Map::new(), 100 * DAY_MS + 5)
    }

    #[test]
    fn conditions_evaluate_with_helpers() {
        let ast = compile(r#"customer.segment == "affluent" && days_since(customer.last_activity_at) >= 100"#).expect("compiles");
        assert_eq!(eval_bool(&ast, &mut ctx()), Ok(true));
        let ast = compile(r#"customer.has_product("savings") && !has_product(customer, "credit_card")"#).expect("compiles");
        assert_eq!(eval_bool(&ast, &mut ctx()), Ok(true));
    }

    #[test]
    fn unknown_variables_and_loops_do_not_compile() {
        assert!(matches!(compile("custmer.segment == 1"), Err(ExprError::Syntax { .. })));
        assert!(matches!(compile("while true { }"), Err(ExprError::Syntax { .. })));
        assert!(matches!(compile("loop { }"), Err(ExprError::Syntax { .. })));
        assert!(matches!(compile(&"(".repeat(200)), Err(ExprError::Syntax { .. })));
        assert!(matches!(compile(&"x".repeat(5000)), Err(ExprError::TooLong(5000))));
    }

    #[test]
    fn runaway_evaluation_stops_with_an_error() {
        // Closures are compiled out: nested `map`s could otherwise multiply work without bound.
        let nested = r#""abc".to_chars().map(|a| "abc".to_chars().map(|b| b).len()).len() > 0"#;
        assert!(matches!(compile(nested), Err(ExprError::Syntax { .. })), "{:?}", compile(nested));
        // Without loops or closures, work is bounded by the size limits, which stop at once.
        let too_big = format!("\"{}\".to_chars().len() > 0", "x".repeat(1500));
        let err = eval(&compile(&too_big).expect("compiles"), &mut ctx()).unwrap_err();
        assert!(is_limit_error(&err.to_string()), "{err}");
        let padded = r#"customer.segment.pad(50000, "y") == ()"#;
        let err = eval(&compile(padded).expect("compiles"), &mut ctx()).unwrap_err();
        assert!(is_limit_error(&err.to_string()), "{err}");
    }

    #[test]
    fn non_boolean_condition_is_named() {
        let ast = compile("customer.segment").expect("compiles");
        assert_eq!(eval_bool(&ast, &mut ctx()), Err(ExprError::NotBoolean("string `affluent`".into())));
    }

    #[test]
    fn properties_are_listed() {
        let ast = compile(r#"customer.segment == "x" || scores.churn > 0.5 || customer.has_product("y")"#).expect("compiles");
        let props: Vec<_> = properties(&ast).into_iter().map(|p| format!("{}.{}", p.variable, p.property)).collect();
        assert_eq!(props, vec!["customer.segment", "scores.churn"]);
    }

    #[test]
    fn local_hour_is_dst_aware() {
        // 2026-07-01 12:00 UTC is 13:00 in London (BST); 2026-01-01 12:00 UTC is 12:00 (GMT).
        let ast = compile(r#"local_hour("Europe/London")"#).expect("compiles");
        let mut summer = Context::new(Map::new(), Map::new(), 1_782_907_200_000);
        let mut winter = Context::new(Map::new(), Map::new(), 1_767_268_800_000);
        assert_eq!(eval(&ast, &mut summer).ok().and_then(|v| v.as_int().ok()), Some(13));
        assert_eq!(eval(&ast, &mut winter).ok().and_then(|v| v.as_int().ok()), Some(12));
    }
}
