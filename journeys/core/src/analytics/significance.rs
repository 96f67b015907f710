//! Significance of A/B/n results: Pearson's chi-square test of equal conversion across the
//! arms of a split or holdout (k × 2 table, no continuity correction, as R's `prop.test` for
//! k > 2), and the pooled two-proportion z statistic for two arms. Distributions come from
//! `statrs`; nothing here is a hand-rolled distribution.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::model::{Journey, NodeKind};
use crate::simulate::{round, BranchConversion, Report};

/// Chi-square test of homogeneity over (converted, customers) per arm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChiSquare {
    pub statistic: f64,
    pub df: u32,
    pub p_value: f64,
}

/// The test over `arms` = (converted, customers). None when it says nothing: fewer than two
/// arms with customers, or everyone (or no one) converted.
pub fn chi_square_test(arms: &[(u64, u64)]) -> Option<ChiSquare> {
    let arms: Vec<(f64, f64)> = arms.iter().filter(|(_, n)| *n > 0).map(|(c, n)| (*c as f64, *n as f64)).collect();
    if arms.len() < 2 {
        return None;
    }
    let (converted, total) = arms.iter().fold((0.0, 0.0), |(c, n), (ci, ni)| (c + ci, n + ni));
    let pooled = converted / total;
    if pooled <= 0.0 || pooled >= 1.0 {
        return None;
    }
    let statistic: f64 = arms.iter().map(|(c, n)| (c - n * pooled).powi(2) / (n * pooled * (1.0 - pooled))).sum();
    let df = arms.len() as u32 - 1;
    let distribution = ChiSquared::new(f64::from(df)).ok()?;
    Some(ChiSquare { statistic, df, p_value: distribution.sf(statistic) })
}

/// Pooled two-proportion z statistic of arm `a` against arm `b` (positive when `a` converts
/// better); its square is the chi-square statistic of the two arms.
pub fn two_proportion_z(a: (u64, u64), b: (u64, u64)) -> Option<f64> {
    let ((ca, na), (cb, nb)) = ((a.0 as f64, a.1 as f64), (b.0 as f64, b.1 as f64));
    if na == 0.0 || nb == 0.0 {
        return None;
    }
    let pooled = (ca + cb) / (na + nb);
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    (se > 0.0).then(|| (ca / na - cb / nb) / se)
}

/// The A/B/n result of one split or holdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbTest {
    pub node: String,
    pub kind: String,
    /// Each arm's conversion with its Wilson 95 % interval (as in `report.branches`).
    pub arms: Vec<BranchConversion>,
    /// Chi-square statistic, degrees of freedom, p-value; absent when the test says nothing.
    pub test: Option<ChiSquare>,
    /// For two arms: the z statistic of the first arm against the second.
    pub z: Option<f64>,
    /// p < 0.05.
    pub significant: bool,
}

/// A/B/n tests for every split and holdout with customers in the report, in journey order.
pub fn ab_tests(journey: &Journey, report: &Report) -> Vec<AbTest> {
    journey
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Split { .. } | NodeKind::Holdout { .. }))
        .filter_map(|n| {
            let arms: Vec<BranchConversion> = report.branches.iter().filter(|b| b.node == n.id).cloned().collect();
            if arms.is_empty() {
                return None;
            }
            let pairs: Vec<(u64, u64)> = arms.iter().map(|a| (a.converted, a.customers)).collect();
            let test = chi_square_test(&pairs).map(|t| ChiSquare { statistic: round(t.statistic), df: t.df, p_value: round(t.p_value) });
            let z = (pairs.len() == 2).then(|| two_proportion_z(pairs[0], pairs[1])).flatten().map(round);
            Some(AbTest { node: n.id.clone(), kind: n.kind.name().into(), significant: test.is_some_and(|t| t.p_value < 0.05), arms, test, z })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R's `prop.test` documentation example (smokers among lung-cancer patients in four
    /// groups; Fleiss, *Statistical Methods for Rates and Proportions*):
    /// `prop.test(c(83, 90, 129, 70), c(86, 93, 136, 82))` prints
    /// "X-squared = 12.6, df = 3, p-value = 0.005585".
    #[test]
    fn chi_square_matches_r_prop_test_smokers_example() {
        let t = chi_square_test(&[(83, 86), (90, 93), (129, 136), (70, 82)]).expect("a test");
        assert_eq!(t.df, 3);
        assert!((t.statistic - 12.6).abs() < 0.005, "statistic {}", t.statistic);
        assert!((t.p_value - 0.005585).abs() < 0.0000005, "p {}", t.p_value);
    }

    /// For two arms the chi-square statistic is z², and the p-value the two-sided normal one.
    #[test]
    fn two_arms_chi_square_is_z_squared() {
        let (a, b) = ((120, 1000), (90, 1000));
        let z = two_proportion_z(a, b).expect("z");
        let t = chi_square_test(&[a, b]).expect("a test");
        assert!((z * z - t.statistic).abs() < 1e-9, "{z} {}", t.statistic);
        assert!(z > 0.0);
    }

    #[test]
    fn no_test_without_two_arms_or_variation() {
        assert_eq!(chi_square_test(&[(5, 10)]), None);
        assert_eq!(chi_square_test(&[(0, 10), (0, 20)]), None);
        assert_eq!(chi_square_test(&[(10, 10), (0, 0)]), None);
    }
}
