//! The native condition evaluator gives Rhai's answer for every expression, or steps aside:
//! random conditions over random customers are evaluated both ways and must agree exactly
//! (the same boolean, or the same error).

use journeys_core::expr::{eval_bool, Condition, Context};
use journeys_core::population::generate_customer;
use proptest::prelude::*;

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("customer.age".to_string()),
        Just("customer.tenure_months".to_string()),
        Just("customer.product_count".to_string()),
        Just("customer.balance".to_string()),
        Just("customer.segment".to_string()),
        Just("customer.country".to_string()),
        Just("customer.card_activated".to_string()),
        Just("customer.no_such_attribute".to_string()),
        Just("scores.churn".to_string()),
        Just("scores.cross_sell_savings".to_string()),
        Just("now".to_string()),
        (-5_i64..2_000).prop_map(|i| i.to_string()),
        (0_i64..60).prop_map(|i| i.to_string()),
        Just("9223372036854775807".to_string()),
        (0_u32..1_000).prop_map(|f| format!("{}.{}", f / 10, f % 10)),
        Just("0".to_string()),
        Just("0.0".to_string()),
        prop_oneof![Just("mass"), Just("affluent"), Just("hni"), Just("")].prop_map(|s| format!("\"{s}\"")),
        prop_oneof![Just("true"), Just("false")].prop_map(str::to_string),
    ]
}

fn expression() -> impl Strategy<Value = String> {
    atom().prop_recursive(4, 24, 3, |inner| {
        let op = prop_oneof![
            Just("=="), Just("!="), Just("<"), Just("<="), Just(">"), Just(">="),
            Just("+"), Just("-"), Just("*"), Just("/"), Just("&&"), Just("||"),
        ];
        let same = prop_oneof![Just("=="), Just("!="), Just("<"), Just("<="), Just(">"), Just(">=")];
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            // Equal operands, where the comparison's boundary matters.
            (inner.clone(), same).prop_map(|(a, op)| format!("({a} {op} {a})")),
            inner.clone().prop_map(|a| format!("!({a})")),
            inner.clone().prop_map(|a| format!("customer.has_product(\"savings\") || {a}")),
            inner.prop_map(|a| format!("({a} && has_product(customer, \"credit_card\"))")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn native_and_rhai_agree(text in expression(), seed in 0_u64..50) {
        let Ok(condition) = Condition::compile(&text) else { return Ok(()) };
        let customer = generate_customer(3, seed);
        let mut ctx: Context = customer.context(1_767_225_600_000 + seed as i64 * 3_600_000);
        let rhai = eval_bool(condition.ast(), &mut ctx);
        let both = condition.eval_bool(&mut ctx);
        prop_assert_eq!(format!("{both:?}"), format!("{rhai:?}"), "{}", text);
    }
}

#[test]
fn common_rules_are_native_and_others_are_not() {
    for rule in ["customer.tenure_months >= 7", "customer.age >= 17 + 3 && customer.segment != \"mass\"", "scores.churn < 0.4", "!(customer.card_activated) || now > 5", "customer.has_product(\"savings\") || has_product(customer, \"loan\")"] {
        assert!(Condition::compile(rule).expect("compiles").is_native(), "{rule}");
    }
    for rule in ["customer.has_product(customer.segment)", "days_since(customer.last_activity_at) > 30", "\"x\" in customer.products"] {
        assert!(!Condition::compile(rule).expect("compiles").is_native(), "{rule}");
    }
}
