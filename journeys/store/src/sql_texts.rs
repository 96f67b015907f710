//! Statement texts built once per process and kept. The engine's statements have hundreds or
//! thousands of placeholders; building such a text again for every batch cost more than
//! looking it up. (The database keeps each connection's prepared statements by text.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The text kept under `key`, built by `build` the first time.
pub(crate) fn kept(key: String, build: impl FnOnce() -> String) -> Arc<str> {
    static TEXTS: OnceLock<Mutex<HashMap<String, Arc<str>>>> = OnceLock::new();
    let mut texts = TEXTS.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(texts.entry(key).or_insert_with(|| build().into()))
}

/// Whether `text` has been run before (remembered by hash; the memory starts again past
/// `REMEMBERED` texts). A statement whose text varies from batch to batch (the uneven rest of
/// a flush) is worth keeping prepared only when its text comes back, as it does batch after
/// batch under a steady load; one-off texts would push the hot statements out of the
/// connection's cache.
pub(crate) fn repeated(text: &str) -> bool {
    use std::hash::{BuildHasher, BuildHasherDefault};
    const REMEMBERED: usize = 10_000;
    static SEEN: OnceLock<Mutex<std::collections::HashSet<u64>>> = OnceLock::new();
    let hash = BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(text);
    let mut seen = SEEN.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
    if seen.len() >= REMEMBERED {
        seen.clear();
    }
    !seen.insert(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_repeated_from_its_second_run_on_and_kept_texts_are_built_once() {
        let text = "INSERT INTO t (a) VALUES (?) -- sql_texts test";
        assert!(!repeated(text), "first run");
        assert!(repeated(text), "second run");
        let mut builds = 0;
        let first = kept("sql_texts test".into(), || { builds += 1; "SELECT 1".into() });
        let again = kept("sql_texts test".into(), || { builds += 1; "SELECT 2".into() });
        assert_eq!((&*first, &*again, builds), ("SELECT 1", "SELECT 1", 1));
    }
}
