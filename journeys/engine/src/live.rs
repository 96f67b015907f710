//! The versions the engine runs: published ones (entries and contacts) and paused ones (their
//! instances move on, but nobody enters and nothing is sent). Compiled once per version.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use journeys_core::interpret::CompiledJourney;
use journeys_store::{Store, VersionStatus};

use crate::EngineError;

pub struct LiveVersion {
    pub journey_id: String,
    pub version: i64,
    pub paused: bool,
    pub compiled: Arc<CompiledJourney>,
}

/// The current set, swapped whole when the store's versions change.
#[derive(Default)]
pub struct LiveSet {
    current: RwLock<Arc<Vec<LiveVersion>>>,
    compiled: RwLock<HashMap<(String, i64), Arc<CompiledJourney>>>,
}

impl LiveSet {
    pub fn snapshot(&self) -> Arc<Vec<LiveVersion>> {
        self.current.read().map(|c| Arc::clone(&c)).unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    /// Reload from the store. A version that does not compile is skipped with a warning (the
    /// store only accepts valid journeys, so this means a corrupt row, not a user's mistake).
    pub async fn refresh(&self, store: &Store) -> Result<(), EngineError> {
        let mut next = Vec::new();
        for v in store.all_versions().await? {
            let paused = match v.status {
                VersionStatus::Published => false,
                VersionStatus::Paused => true,
                _ => continue,
            };
            let key = (v.journey_id.clone(), v.number);
            let cached = self.compiled.read().ok().and_then(|c| c.get(&key).cloned());
            let compiled = match cached {
                Some(c) => c,
                None => {
                    let journey = store.load_version(&v.journey_id, v.number).await?;
                    match CompiledJourney::new(journey) {
                        Ok(c) => {
                            let c = Arc::new(c);
                            if let Ok(mut cache) = self.compiled.write() {
                                cache.insert(key, Arc::clone(&c));
                            }
                            tracing::info!(journey = %v.journey_id, version = v.number, "loaded version");
                            c
                        }
                        Err(e) => {
                            tracing::warn!(journey = %v.journey_id, version = v.number, error = %e, "skipping a version that does not compile");
                            continue;
                        }
                    }
                }
            };
            next.push(LiveVersion { journey_id: v.journey_id, version: v.number, paused, compiled });
        }
        // Journeys see each event in priority order (then by id), so when two would contact a
        // customer at once, arbitration lets the higher-priority one through.
        next.sort_by(|a, b| b.compiled.journey().settings.priority.cmp(&a.compiled.journey().settings.priority).then_with(|| a.journey_id.cmp(&b.journey_id)).then(a.version.cmp(&b.version)));
        match self.current.write() {
            Ok(mut current) => *current = Arc::new(next),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(next),
        }
        Ok(())
    }
}
