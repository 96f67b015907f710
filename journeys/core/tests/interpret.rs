//! The interpreter on hand-worked journeys, and a property test over generated ones.

use journeys_core::catalog::sample_journeys;
use journeys_core::expr::{self, Context};
use journeys_core::generate::random_journey;
use journeys_core::interpret::{enter, step, CompiledJourney, Effect, ExitReason, Input, Instance, Status, StepError};
use journeys_core::{parse_journey, Journey};
use proptest::prelude::*;
use rhai::{Dynamic, Map};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00Z

fn template(id: &str) -> CompiledJourney {
    let journey = sample_journeys().into_iter().find(|j| j.id == id).expect("template");
    CompiledJourney::new(journey).expect("valid template compiles")
}

fn customer(activated: bool) -> Context {
    let mut customer = Map::new();
    customer.insert("card_activated".into(), Dynamic::from(activated));
    customer.insert("segment".into(), expr::string("affluent"));
    customer.insert("time_zone".into(), expr::string("Europe/London"));
    Context::new(customer, Map::new(), 0)
}

fn moves(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Moved { port, to, .. } => Some(format!("{port}>{to}")),
            _ => None,
        })
        .collect()
}

fn contacts(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Contact { node, channel, .. } => Some(format!("{node}:{}", channel.key())),
            _ => None,
        })
        .collect()
}

#[test]
fn card_activation_nudges_an_inactive_customer_then_exits() {
    let journey = template("credit-card-activation");
    let mut ctx = customer(false);
    let first = enter(&journey, "c1", "issued", &mut ctx, T0).expect("enter");
    assert_eq!(moves(&first.effects), ["out>wait_3d"]);
    assert_eq!(first.instance.wake_at, Some(T0 + 3 * DAY));
    assert_eq!(first.effects.last(), Some(&Effect::Schedule { node: "wait_3d".into(), at: T0 + 3 * DAY }));

    // A timer that fires early changes nothing.
    let early = step(&journey, &first.instance, &Input::Timer, &mut ctx, T0 + DAY).expect("early timer");
    assert_eq!((early.instance.clone(), early.effects.len()), (first.instance.clone(), 0));

    let second = step(&journey, &first.instance, &Input::Timer, &mut ctx, T0 + 3 * DAY).expect("wake");
    assert_eq!(moves(&second.effects), ["out>not_active", "true>push_activate", "out>wait_2d"]);
    assert_eq!(contacts(&second.effects), ["push_activate:push"]);

    // No activation within two days: the wait times out into the SMS.
    let third = step(&journey, &second.instance, &Input::Timer, &mut ctx, T0 + 5 * DAY).expect("wake");
    assert_eq!(moves(&third.effects), ["timeout>sms_activate", "out>exit_nudged"]);
    assert_eq!(contacts(&third.effects), ["sms_activate:sms"]);
    assert_eq!(third.instance.status, Status::Exited);
    assert_eq!(third.effects.last(), Some(&Effect::Exited { node: "exit_nudged".into(), reason: ExitReason::Completed }));
    assert_eq!(step(&journey, &third.instance, &Input::Timer, &mut ctx, T0 + 6 * DAY), Err(StepError::AlreadyExited("c1".into())));
}

#[test]
fn an_already_active_customer_leaves_without_contact() {
    let journey = template("credit-card-activation");
    let mut ctx = customer(true);
    let first = enter(&journey, "c2", "issued", &mut ctx, T0).expect("enter");
    let second = step(&journey, &first.instance, &Input::Timer, &mut ctx, T0 + 3 * DAY).expect("wake");
    assert_eq!(moves(&second.effects), ["out>not_active", "false>exit_active"]);
    assert!(contacts(&second.effects).is_empty());
    assert_eq!(second.instance.status, Status::Exited);
}

#[test]
fn activating_after_the_nudge_reaches_the_goal() {
    let journey = template("credit-card-activation");
    let mut ctx = customer(false);
    let first = enter(&journey, "c3", "issued", &mut ctx, T0).expect("enter");
    let second = step(&journey, &first.instance, &Input::Timer, &mut ctx, T0 + 3 * DAY).expect("wake");
    let activated = Input::Event { event_type: "card_activated".into() };
    let third = step(&journey, &second.instance, &activated, &mut ctx, T0 + 4 * DAY).expect("event");
    assert_eq!(moves(&third.effects), ["event>activated", "out>exit_done"]);
    assert!(contacts(&third.effects).is_empty(), "no SMS once activated");
    assert!(third.effects.contains(&Effect::Goal { node: "activated".into(), event: "card_activated".into() }));
}

fn journey_from(text: &str) -> CompiledJourney {
    CompiledJourney::new(parse_journey(text).expect("parses")).expect("compiles")
}

const WAIT_FOR_EVENT: &str = r#"{"format_version":1,"id":"w","name":"W","settings":{"exit_on_events":["unsubscribed"]},"nodes":[
  {"id":"t","stage":"activate","kind":"trigger","event":"card_issued"},
  {"id":"w","stage":"activate","kind":"wait","until_event":"card_activated","timeout":"7d"},
  {"id":"g","stage":"activate","kind":"goal","event":"card_activated"},
  {"id":"x1","stage":"activate","kind":"exit"},{"id":"x2","stage":"activate","kind":"exit"}],
  "edges":[{"id":"e1","from":"t","to":"w"},{"id":"e2","from":"w","port":"event","to":"g"},{"id":"e3","from":"g","to":"x1"},{"id":"e4","from":"w","port":"timeout","to":"x2"}]}"#;

#[test]
fn waiting_for_an_event_leaves_by_event_or_timeout() {
    let journey = journey_from(WAIT_FOR_EVENT);
    let mut ctx = customer(false);
    let waiting = enter(&journey, "c", "t", &mut ctx, T0).expect("enter").instance;
    assert_eq!(waiting.wake_at, Some(T0 + 7 * DAY));

    let other = step(&journey, &waiting, &Input::Event { event_type: "app_login".into() }, &mut ctx, T0 + DAY).expect("other event");
    assert!(other.effects.is_empty());
    let hit = step(&journey, &waiting, &Input::Event { event_type: "card_activated".into() }, &mut ctx, T0 + DAY).expect("event");
    assert_eq!(moves(&hit.effects), ["event>g", "out>x1"]);
    let timeout = step(&journey, &waiting, &Input::Timer, &mut ctx, T0 + 7 * DAY).expect("timeout");
    assert_eq!(moves(&timeout.effects), ["timeout>x2"]);
    let quit = step(&journey, &waiting, &Input::Event { event_type: "unsubscribed".into() }, &mut ctx, T0 + DAY).expect("exit event");
    assert_eq!(quit.instance.status, Status::Exited);
    assert!(matches!(quit.effects.as_slice(), [Effect::Exited { reason: ExitReason::ExitEvent { .. }, .. }]));
}

fn split_and_holdout() -> CompiledJourney {
    journey_from(r#"{"format_version":1,"id":"s","name":"S","nodes":[
      {"id":"t","stage":"retain","kind":"trigger","event":"app_login"},
      {"id":"h","stage":"retain","kind":"holdout","control_percent":10},
      {"id":"s","stage":"retain","kind":"split","branches":[{"name":"a","percent":50},{"name":"b","percent":50}]},
      {"id":"a","stage":"retain","kind":"action","channel":"email","purpose":"marketing"},
      {"id":"b","stage":"retain","kind":"action","channel":"sms","purpose":"marketing"},
      {"id":"x1","stage":"retain","kind":"exit"},{"id":"x2","stage":"retain","kind":"exit"},{"id":"x3","stage":"retain","kind":"exit"}],
      "edges":[{"id":"e1","from":"t","to":"h"},{"id":"e2","from":"h","port":"treated","to":"s"},{"id":"e3","from":"h","port":"control","to":"x3"},
               {"id":"e4","from":"s","port":"a","to":"a"},{"id":"e5","from":"s","port":"b","to":"b"},{"id":"e6","from":"a","to":"x1"},{"id":"e7","from":"b","to":"x2"}]}"#)
}

#[test]
fn splits_are_sticky_and_balanced_and_holdouts_are_never_contacted() {
    let journey = split_and_holdout();
    let (mut a, mut b, mut control) = (0, 0, 0);
    for i in 0..100_000 {
        let id = format!("customer-{i}");
        let run = enter(&journey, &id, "t", &mut customer(false), T0).expect("enter");
        let again = enter(&journey, &id, "t", &mut customer(false), T0 + DAY).expect("enter again");
        assert_eq!(moves(&run.effects), moves(&again.effects), "{id} takes the same path every time");
        let held = run.effects.iter().any(|e| matches!(e, Effect::HeldOut { .. }));
        match (held, contacts(&run.effects).as_slice()) {
            (true, []) => control += 1,
            (true, contacted) => panic!("{id} is in the control group but was contacted: {contacted:?}"),
            (false, [c]) if c.starts_with("a:") => a += 1,
            (false, [c]) if c.starts_with("b:") => b += 1,
            other => panic!("{id}: unexpected {other:?}"),
        }
    }
    // 10 % control (±0.5 pp), the treated 90 % halved (±1 pp of 100k): far beyond 5 sigma.
    assert!((9_500..=10_500).contains(&control), "control {control}");
    assert!((44_000..=46_000).contains(&a) && (44_000..=46_000).contains(&b), "a {a}, b {b}");
}

#[test]
fn a_failing_expression_exits_the_customer_without_contact() {
    let journey = journey_from(r#"{"format_version":1,"id":"f","name":"F","nodes":[
      {"id":"t","stage":"retain","kind":"trigger","event":"app_login"},
      {"id":"c","stage":"retain","kind":"condition","expression":"local_hour(customer.time_zone) >= 0"},
      {"id":"a","stage":"retain","kind":"action","channel":"email","purpose":"marketing"},
      {"id":"x1","stage":"retain","kind":"exit"},{"id":"x2","stage":"retain","kind":"exit"}],
      "edges":[{"id":"e1","from":"t","to":"c"},{"id":"e2","from":"c","port":"true","to":"a"},{"id":"e3","from":"c","port":"false","to":"x2"},{"id":"e4","from":"a","to":"x1"}]}"#);
    // Valid for every real time zone; this customer's profile holds a bad one.
    let mut ctx = customer(false);
    ctx.set_customer("time_zone", expr::string("Mars/Olympus_Mons"));
    let run = enter(&journey, "c", "t", &mut ctx, T0).expect("enter");
    assert!(contacts(&run.effects).is_empty());
    assert!(matches!(run.effects.last(), Some(Effect::Exited { reason: ExitReason::ExpressionFailed { .. }, .. })), "{:?}", run.effects);
}

#[test]
fn invalid_journeys_do_not_compile_and_non_triggers_do_not_enter() {
    let mut broken: Journey = sample_journeys().remove(0);
    broken.edges.clear();
    let err = CompiledJourney::new(broken).err().expect("refused");
    assert!(err.errors.iter().any(|d| d.code == "J007"), "{err}");
    let journey = template("credit-card-activation");
    assert!(matches!(enter(&journey, "c", "wait_3d", &mut customer(false), T0), Err(StepError::NotATrigger(_))));
}

/// Drive one customer to the end: fire each timer as it falls due. Returns the node path.
fn drive(journey: &CompiledJourney, id: &str, ctx: &mut Context) -> Result<(Instance, Vec<String>), TestCaseError> {
    let trigger = journey.triggers().next().map(|n| n.id.clone()).expect("a trigger");
    let mut result = enter(journey, id, &trigger, ctx, T0).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut path = moves(&result.effects);
    for _ in 0..10_000 {
        if result.instance.status == Status::Exited {
            return Ok((result.instance, path));
        }
        let at = result.instance.wake_at.ok_or_else(|| TestCaseError::fail("waiting with no wake-up"))?;
        result = step(journey, &result.instance, &Input::Timer, ctx, at).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(!result.effects.is_empty(), "a due timer always moves the customer");
        path.extend(moves(&result.effects));
    }
    Err(TestCaseError::fail("did not finish"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every customer moves along real edges, one contiguous path, and leaves by an exit:
    /// never stuck, never an expression failure, on any valid generated journey.
    #[test]
    fn generated_journeys_run_to_completion(seed in any::<u64>(), size in 2usize..80, customer_no in 0u32..1000) {
        let journey = CompiledJourney::new(random_journey(seed, size)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut ctx = customer(customer_no % 2 == 0);
        ctx.set_customer("tenure_months", Dynamic::from(i64::from(customer_no % 40)));
        ctx.set_customer("balance", Dynamic::from(f64::from(customer_no) * 100.0));
        ctx.set_customer("last_activity_at", Dynamic::from(T0 - i64::from(customer_no) * DAY));
        ctx.set_customer("products", Dynamic::from(rhai::Array::new()));
        let scores: Map = ["churn", "cross_sell_insurance", "cross_sell_credit_card"].iter().map(|s| ((*s).into(), Dynamic::from(0.3_f64))).collect();
        ctx.set_scores(scores);
        ctx.set_now(T0);
        let (end, path) = drive(&journey, &format!("c{customer_no}"), &mut ctx)?;
        prop_assert!(matches!(journey.kind(&end.node), Some(journeys_core::NodeKind::Exit {})), "ended at {} via {:?}", end.node, path);
        // Contiguous: each move starts where the previous one ended, along an edge of the journey.
        for hop in path.iter() {
            let (port, to) = hop.split_once('>').expect("port>to");
            prop_assert!(journey.journey().edges.iter().any(|e| e.port == port && e.to == to), "no edge {hop}");
        }
    }
}
