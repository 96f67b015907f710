//! Property: random valid journeys stay valid, and identical, through JSON and canonical form.

use journeys_core::generate::random_journey;
use journeys_core::{content_hash, parse_journey, to_canonical_json, to_pretty_json, validate};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn valid_journeys_survive_json_and_canonical_round_trips(seed in any::<u64>(), size in 2usize..150) {
        let journey = random_journey(seed, size);
        prop_assert_eq!(validate(&journey), vec![]);

        let reparsed = parse_journey(&to_pretty_json(&journey)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&reparsed, &journey);

        let canonical_text = to_canonical_json(&journey);
        let from_canonical = parse_journey(&canonical_text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(to_canonical_json(&from_canonical), canonical_text);
        prop_assert_eq!(content_hash(&from_canonical), content_hash(&journey));
        prop_assert_eq!(validate(&from_canonical), vec![]);
    }
}
