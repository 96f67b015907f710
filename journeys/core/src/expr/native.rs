//! A native evaluator for the common shape of conditions and eligibility rules — comparisons
//! of `customer.X`, `scores.X`, `event.X` and `now` with literals and arithmetic, joined by
//! `&&`, `||` and `!` — so deciding among many offers does not pay Rhai's per-call set-up
//! for each rule. It never decides on its own what Rhai would do differently: anything outside
//! that shape is not translated, and any value it is not sure about (a missing property, mixed
//! types, an overflow) makes it give up so the caller evaluates with Rhai. A property test
//! holds the two to the same answers.

use rhai::{Dynamic, Expr, ImmutableString, Stmt, AST};

use super::Context;

/// A translated expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(ImmutableString),
    /// `variable.property`, e.g. `customer.segment`.
    Property(Slot),
    /// `customer.has_product("name")` or `has_product(customer, "name")`.
    HasProduct(ImmutableString),
    Now,
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Compare(Comparison, Box<Node>, Box<Node>),
    Arithmetic(Operator, Box<Node>, Box<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Add,
    Sub,
    Mul,
    Div,
}

/// A property with a process-wide number, so a [`Memo`] can keep what it read by position.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    variable: &'static str,
    name: String,
    id: usize,
}

impl Slot {
    fn new(variable: &'static str, name: &str) -> Slot {
        static IDS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<(&'static str, String), usize>>> = std::sync::OnceLock::new();
        let mut ids = IDS.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let next = ids.len();
        let id = *ids.entry((variable, name.to_string())).or_insert(next);
        Slot { variable, name: name.to_string(), id }
    }
}

/// Property values already read during one evaluation round against an unchanging context
/// (one decision's eligibility rules and scores): each is looked up in the maps once.
#[derive(Debug, Default)]
pub struct Memo<'a> {
    values: Vec<Option<Option<Value>>>,
    /// Scores by name; a handful per decision, so a scan (which compares lengths first) beats
    /// the ordered map's string comparisons.
    scores: Vec<(&'a str, Option<f64>)>,
}

impl<'a> Memo<'a> {
    /// `scores.NAME` as a number, if set.
    pub fn score(&mut self, name: &'a str, ctx: &Context) -> Option<f64> {
        if let Some((_, score)) = self.scores.iter().find(|(n, _)| *n == name) {
            return *score;
        }
        let score = ctx.score(name);
        self.scores.push((name, score));
        score
    }

    fn get(&mut self, slot: &Slot, ctx: &Context) -> Option<Value> {
        if slot.id >= self.values.len() {
            self.values.resize(slot.id + 1, None);
        }
        self.values[slot.id].get_or_insert_with(|| ctx.map(slot.variable, &slot.name).and_then(value)).clone()
    }
}

/// A value the evaluator is sure about.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(ImmutableString),
}

/// Translate a compiled expression, or None when it uses anything beyond the common shape.
pub fn translate(ast: &AST) -> Option<Node> {
    match ast.statements() {
        [Stmt::Expr(expr)] => node(expr),
        // A top-level operator call is kept as a statement of its own.
        [Stmt::FnCall(call, position)] => node(&Expr::FnCall(call.clone(), *position)),
        _ => None,
    }
}

fn node(expr: &Expr) -> Option<Node> {
    Some(match expr {
        Expr::BoolConstant(b, _) => Node::Bool(*b),
        Expr::IntegerConstant(i, _) => Node::Int(*i),
        Expr::FloatConstant(f, _) => Node::Float(**f),
        Expr::StringConstant(s, _) => Node::Str(s.clone()),
        Expr::Variable(v, ..) if v.1 == "now" => Node::Now,
        Expr::Dot(x, ..) => match (&x.lhs, &x.rhs) {
            (Expr::Variable(v, ..), Expr::Property(p, _)) => {
                let variable = ["customer", "scores", "event"].into_iter().find(|name| v.1 == *name)?;
                Node::Property(Slot::new(variable, &p.2))
            }
            (Expr::Variable(v, ..), Expr::MethodCall(call, _)) if v.1 == "customer" && call.name == "has_product" => match call.args.as_slice() {
                [Expr::StringConstant(product, _)] => Node::HasProduct(product.clone()),
                _ => return None,
            },
            _ => return None,
        },
        Expr::FnCall(call, _) if call.name == "has_product" => match call.args.as_slice() {
            [Expr::Variable(v, ..), Expr::StringConstant(product, _)] if v.1 == "customer" => Node::HasProduct(product.clone()),
            _ => return None,
        },
        Expr::And(operands, _) => Node::And(operands.iter().map(node).collect::<Option<_>>()?),
        Expr::Or(operands, _) => Node::Or(operands.iter().map(node).collect::<Option<_>>()?),
        Expr::FnCall(call, _) if call.is_operator_call() || call.name == "!" => {
            let args: Vec<Node> = call.args.iter().map(node).collect::<Option<_>>()?;
            match (call.name.as_str(), <[Node; 1]>::try_from(args.clone()), <[Node; 2]>::try_from(args)) {
                ("!", Ok([a]), _) => Node::Not(Box::new(a)),
                (name, _, Ok([a, b])) => {
                    let (a, b) = (Box::new(a), Box::new(b));
                    match name {
                        "==" => Node::Compare(Comparison::Eq, a, b),
                        "!=" => Node::Compare(Comparison::Ne, a, b),
                        "<" => Node::Compare(Comparison::Lt, a, b),
                        "<=" => Node::Compare(Comparison::Le, a, b),
                        ">" => Node::Compare(Comparison::Gt, a, b),
                        ">=" => Node::Compare(Comparison::Ge, a, b),
                        "+" => Node::Arithmetic(Operator::Add, a, b),
                        "-" => Node::Arithmetic(Operator::Sub, a, b),
                        "*" => Node::Arithmetic(Operator::Mul, a, b),
                        "/" => Node::Arithmetic(Operator::Div, a, b),
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// The condition's value, or None when Rhai must evaluate it (to give its exact answer or error).
pub fn eval_bool(node: &Node, ctx: &Context, memo: &mut Memo<'_>) -> Option<bool> {
    match eval(node, ctx, memo)? {
        Value::Bool(b) => Some(b),
        _ => None,
    }
}

fn eval(node: &Node, ctx: &Context, memo: &mut Memo<'_>) -> Option<Value> {
    Some(match node {
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => Value::Int(*i),
        Node::Float(f) => Value::Float(*f),
        Node::Str(s) => Value::Str(s.clone()),
        Node::Now => Value::Int(ctx.now()),
        Node::HasProduct(product) => Value::Bool(ctx.customer_has_product(product)?),
        Node::Property(slot) => memo.get(slot, ctx)?,
        Node::Not(a) => match eval(a, ctx, memo)? {
            Value::Bool(b) => Value::Bool(!b),
            _ => return None,
        },
        Node::And(operands) => {
            for operand in operands {
                if !eval_bool(operand, ctx, memo)? {
                    return Some(Value::Bool(false));
                }
            }
            Value::Bool(true)
        }
        Node::Or(operands) => {
            for operand in operands {
                if eval_bool(operand, ctx, memo)? {
                    return Some(Value::Bool(true));
                }
            }
            Value::Bool(false)
        }
        Node::Compare(op, a, b) => Value::Bool(compare(*op, &eval(a, ctx, memo)?, &eval(b, ctx, memo)?)?),
        Node::Arithmetic(op, a, b) => arithmetic(*op, eval(a, ctx, memo)?, eval(b, ctx, memo)?)?,
    })
}

fn value(dynamic: Dynamic) -> Option<Value> {
    if let Ok(b) = dynamic.as_bool() {
        Some(Value::Bool(b))
    } else if let Ok(i) = dynamic.as_int() {
        Some(Value::Int(i))
    } else if let Ok(f) = dynamic.as_float() {
        Some(Value::Float(f))
    } else {
        dynamic.into_immutable_string().ok().map(Value::Str)
    }
}

fn compare(op: Comparison, a: &Value, b: &Value) -> Option<bool> {
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y),
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Str(x), Value::Str(y)) => Some(x.as_str().cmp(y.as_str())),
        (Value::Bool(x), Value::Bool(y)) if matches!(op, Comparison::Eq | Comparison::Ne) => Some(x.cmp(y)),
        // Mixed types: Rhai has its own rules (and errors); let it answer.
        _ => return None,
    };
    // NaN compares false to everything in Rhai as in Rust; leave it to Rhai all the same.
    let ordering = ordering?;
    Some(match op {
        Comparison::Eq => ordering == Ordering::Equal,
        Comparison::Ne => ordering != Ordering::Equal,
        Comparison::Lt => ordering == Ordering::Less,
        Comparison::Le => ordering != Ordering::Greater,
        Comparison::Gt => ordering == Ordering::Greater,
        Comparison::Ge => ordering != Ordering::Less,
    })
}

fn arithmetic(op: Operator, a: Value, b: Value) -> Option<Value> {
    let float = |x: f64, y: f64| {
        let r = match op {
            Operator::Add => x + y,
            Operator::Sub => x - y,
            Operator::Mul => x * y,
            Operator::Div if y != 0.0 => x / y,
            Operator::Div => return None,
        };
        r.is_finite().then_some(Value::Float(r))
    };
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => match op {
            Operator::Add => x.checked_add(y),
            Operator::Sub => x.checked_sub(y),
            Operator::Mul => x.checked_mul(y),
            Operator::Div => x.checked_div(y),
        }
        .map(Value::Int),
        (Value::Float(x), Value::Float(y)) => float(x, y),
        (Value::Int(x), Value::Float(y)) => float(x as f64, y),
        (Value::Float(x), Value::Int(y)) => float(x, y as f64),
        _ => None,
    }
}
