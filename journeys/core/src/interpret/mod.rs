//! The one interpreter: a pure step function that moves one customer's journey instance on
//! one input (entry, event, timer) at one instant, and returns the effects to carry out.
//! The simulator drives it on a virtual clock; the engine drives the very same function on
//! real time. It does no I/O and draws randomness only from `(journey, customer, node)`.

mod compiled;
mod decide;
mod entry;
pub mod timing;

use rhai::Dynamic;
use serde::{Deserialize, Serialize};

pub use compiled::{CompileError, CompiledJourney};
pub use decide::{decide, find_offer, rank, CompiledOffers, DecisionOutcome, Excluded, Exclusion, OfferRuleError, RankedOffer};
pub use entry::{entry_trigger, may_enter};

use crate::expr::{self, Context};
use crate::kinds::{Channel, Purpose};
use crate::model::NodeKind;

/// Most nodes one step may pass through before it must reach a wait or an exit. Validation
/// rejects loops without waits; this guard keeps an unvalidated journey from spinning.
pub const MAX_NODES_PER_STEP: usize = 1_000;

/// Where a customer is in a journey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub customer_id: String,
    /// The node the customer is at (a wait while active; the last node once done).
    pub node: String,
    pub status: Status,
    pub entered_at: i64,
    /// When the wait the customer is in ends (epoch ms), if it is timed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Waiting,
    Exited,
}

/// What happened to the instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// The customer enters by this trigger.
    Enter { trigger: String },
    /// An event for this customer arrived.
    Event { event_type: String },
    /// The instance's wake-up time came.
    Timer,
}

/// What the caller must carry out (the engine) or count (the simulator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// The customer passed from `from` by `port` to `to`.
    Moved { from: String, port: String, to: String },
    /// Contact the customer (governance decides whether it is sent).
    Contact { node: String, channel: Channel, purpose: Option<Purpose>, offer: Option<String>, content: String, cost: f64, mandatory: bool },
    /// The customer was placed in a control group: recorded, never contacted.
    HeldOut { node: String },
    /// Next best action chose `chosen` (or nothing) from the ranked eligible offers; `excluded`
    /// says which offers were left out and why, `reason` why the winner won.
    Decided {
        node: String,
        chosen: Option<String>,
        ranking: Vec<RankedOffer>,
        #[serde(default)]
        excluded: Vec<Excluded>,
        #[serde(default)]
        reason: String,
    },
    /// Set a profile attribute.
    Update { node: String, attribute: String, value: serde_json::Value },
    /// The customer reached a goal.
    Goal { node: String, event: String },
    /// Wake this instance at `at` (epoch ms).
    Schedule { node: String, at: i64 },
    /// The customer left the journey.
    Exited { node: String, reason: ExitReason },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ExitReason {
    /// Reached an exit node.
    Completed,
    /// An event listed in `settings.exit_on_events` arrived.
    ExitEvent { event_type: String },
    /// An expression failed for this customer; the customer leaves without further contact.
    ExpressionFailed { message: String },
    /// The journey routes nowhere from here (unconnected port, loop without wait).
    Stuck { message: String },
}

/// The result of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub instance: Instance,
    pub effects: Vec<Effect>,
}

/// Why an input does not apply to an instance.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StepError {
    #[error("node '{0}' is not a trigger of this journey")]
    NotATrigger(String),
    #[error("customer '{0}' has already left this journey")]
    AlreadyExited(String),
}

/// Enter a customer by `trigger` at `now`: run until the first wait or exit.
pub fn enter(journey: &CompiledJourney, customer_id: &str, trigger: &str, ctx: &mut Context, now: i64) -> Result<Step, StepError> {
    if !matches!(journey.kind(trigger), Some(NodeKind::Trigger(_))) {
        return Err(StepError::NotATrigger(trigger.to_string()));
    }
    ctx.set_now(now);
    let instance = Instance { customer_id: customer_id.to_string(), node: trigger.to_string(), status: Status::Waiting, entered_at: now, wake_at: None };
    Ok(run(journey, instance, "out", ctx, now))
}

/// Apply an event or a timer to a waiting instance. An input the current wait does not
/// listen for leaves the instance as it is, with no effects.
pub fn step(journey: &CompiledJourney, instance: &Instance, input: &Input, ctx: &mut Context, now: i64) -> Result<Step, StepError> {
    if instance.status == Status::Exited {
        return Err(StepError::AlreadyExited(instance.customer_id.clone()));
    }
    ctx.set_now(now);
    let unchanged = || Step { instance: instance.clone(), effects: Vec::new() };
    let wait = match journey.kind(&instance.node) {
        Some(NodeKind::Wait(w)) => w,
        _ => return Ok(unchanged()),
    };
    match input {
        Input::Enter { trigger } => Err(StepError::NotATrigger(trigger.clone())),
        Input::Event { event_type } => {
            if journey.journey().settings.exit_on_events.iter().any(|e| e == event_type) {
                let mut done = instance.clone();
                done.status = Status::Exited;
                done.wake_at = None;
                let reason = ExitReason::ExitEvent { event_type: event_type.clone() };
                return Ok(Step { instance: done, effects: vec![Effect::Exited { node: instance.node.clone(), reason }] });
            }
            if wait.until_event.as_deref() == Some(event_type.as_str()) {
                ctx.set_event_type(event_type);
                Ok(run(journey, instance.clone(), "event", ctx, now))
            } else {
                Ok(unchanged())
            }
        }
        Input::Timer => match instance.wake_at {
            Some(at) if at <= now => {
                let port = if wait.until_event.is_some() { "timeout" } else { "out" };
                Ok(run(journey, instance.clone(), port, ctx, now))
            }
            _ => Ok(unchanged()),
        },
    }
}

/// Leave `instance.node` by `port` and pass through instant nodes until a wait or an exit.
fn run(journey: &CompiledJourney, mut instance: Instance, leave_by: &str, ctx: &mut Context, now: i64) -> Step {
    let mut effects = Vec::new();
    let mut port = leave_by.to_string();
    for _ in 0..MAX_NODES_PER_STEP {
        let from = instance.node.clone();
        let Some(next) = journey.next(&from, &port) else {
            let message = format!("port '{port}' of node '{from}' leads nowhere");
            return exit(instance, effects, ExitReason::Stuck { message });
        };
        effects.push(Effect::Moved { from, port: port.clone(), to: next.to_string() });
        instance.node = next.to_string();
        instance.wake_at = None;
        let Some(kind) = journey.kind(next) else {
            return exit(instance, effects, ExitReason::Stuck { message: format!("node '{next}' does not exist") });
        };
        let node = next.to_string();
        port = match kind {
            NodeKind::Wait(w) => match timing::wake_at(w, ctx, now) {
                Some(at) => {
                    instance.wake_at = Some(at);
                    effects.push(Effect::Schedule { node, at });
                    instance.status = Status::Waiting;
                    return Step { instance, effects };
                }
                None => {
                    let message = format!("wait '{node}' has no usable bound");
                    return exit(instance, effects, ExitReason::Stuck { message });
                }
            },
            NodeKind::Exit {} => return exit(instance, effects, ExitReason::Completed),
            NodeKind::Trigger(_) => {
                return exit(instance, effects, ExitReason::Stuck { message: format!("edge into trigger '{node}'") })
            }
            NodeKind::Condition { .. } => match journey.eval_bool(&node, 0, ctx) {
                Ok(true) => "true".into(),
                Ok(false) => "false".into(),
                Err(message) => return exit(instance, effects, ExitReason::ExpressionFailed { message }),
            },
            NodeKind::Switch { cases } => {
                let mut port = "default".to_string();
                for (i, case) in cases.iter().enumerate() {
                    match journey.eval_bool(&node, i, ctx) {
                        Ok(true) => {
                            port = case.name.clone();
                            break;
                        }
                        Ok(false) => {}
                        Err(message) => return exit(instance, effects, ExitReason::ExpressionFailed { message }),
                    }
                }
                port
            }
            NodeKind::Split { branches } => {
                let bucket = sticky_bucket(&journey.journey().id, &instance.customer_id, &node) % 100;
                let mut upper = 0_u64;
                let mut port = branches.last().map(|b| b.name.clone()).unwrap_or_default();
                for branch in branches {
                    upper += u64::from(branch.percent);
                    if bucket < upper {
                        port = branch.name.clone();
                        break;
                    }
                }
                port
            }
            NodeKind::Holdout { control_percent } => {
                let bucket = sticky_bucket(&journey.journey().id, &instance.customer_id, &node) % 10_000;
                if (bucket as f64) < control_percent * 100.0 {
                    effects.push(Effect::HeldOut { node: node.clone() });
                    "control".into()
                } else {
                    "treated".into()
                }
            }
            NodeKind::Decision(d) => {
                let DecisionOutcome { chosen, ranking, excluded, reason } = decide::rank(journey, &d.offers, d.objective, ctx);
                effects.push(Effect::Decided { node: node.clone(), chosen: chosen.clone(), ranking, excluded, reason });
                chosen.unwrap_or_else(|| "none".into())
            }
            NodeKind::Action(a) => {
                effects.push(Effect::Contact {
                    node: node.clone(),
                    channel: a.channel,
                    purpose: a.purpose,
                    offer: a.offer.clone(),
                    content: a.content.clone(),
                    cost: a.cost,
                    mandatory: a.mandatory,
                });
                "out".into()
            }
            NodeKind::Update { attribute, value } => {
                // Later conditions in this journey see the new value at once.
                ctx.set_customer(attribute, json_to_dynamic(value));
                effects.push(Effect::Update { node: node.clone(), attribute: attribute.clone(), value: value.clone() });
                "out".into()
            }
            NodeKind::Goal { event } => {
                effects.push(Effect::Goal { node: node.clone(), event: event.clone() });
                "out".into()
            }
        };
    }
    exit(instance, effects, ExitReason::Stuck { message: format!("more than {MAX_NODES_PER_STEP} steps without a wait") })
}

fn exit(mut instance: Instance, mut effects: Vec<Effect>, reason: ExitReason) -> Step {
    instance.status = Status::Exited;
    instance.wake_at = None;
    effects.push(Effect::Exited { node: instance.node.clone(), reason });
    Step { instance, effects }
}

/// A stable pseudo-random number for (journey, customer, node): the same customer always
/// takes the same split branch and holdout side, on every run and in every process.
pub fn sticky_bucket(journey: &str, customer: &str, node: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in [journey, customer, node] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

fn json_to_dynamic(value: &serde_json::Value) -> Dynamic {
    match value {
        serde_json::Value::Null => Dynamic::UNIT,
        serde_json::Value::Bool(b) => Dynamic::from(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Dynamic::from(i),
            None => Dynamic::from(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => expr::string(s),
        serde_json::Value::Array(items) => Dynamic::from(items.iter().map(json_to_dynamic).collect::<rhai::Array>()),
        serde_json::Value::Object(map) => {
            Dynamic::from(map.iter().map(|(k, v)| (k.as_str().into(), json_to_dynamic(v))).collect::<rhai::Map>())
        }
    }
}
