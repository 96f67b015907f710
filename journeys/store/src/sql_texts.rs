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
