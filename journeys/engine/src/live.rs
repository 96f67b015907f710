//! The versions the engine runs: published ones (entries and contacts) and paused ones (their
//! instances move on, but nobody enters and nothing is sent). Compiled once per version.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use journeys_core::expr::Context;
use journeys_core::interpret::{CompiledJourney, CompiledOffers};
use journeys_store::{ModelVersion, Store, VersionStatus};

use crate::contact::Recipient;
use crate::EngineError;

pub struct LiveVersion {
    pub journey_id: String,
    pub version: i64,
    pub paused: bool,
    pub compiled: Arc<CompiledJourney>,
    /// The offers catalogue as approved when this set was loaded (shared by all versions).
    pub catalogue: Arc<Catalogue>,
}

impl LiveVersion {
    /// The context a step of this version runs in: the recipient's, with the catalogue.
    pub fn context(&self, recipient: &Recipient, at: i64) -> Context {
        let mut ctx = recipient.context(at);
        self.compiled.fill_aggregate_defaults(&mut ctx);
        ctx.set_catalogue(Some(Arc::clone(&self.catalogue.offers)));
        ctx
    }
}

/// The approved version of every catalogue offer, compiled, with its version number (the
/// decision log records which version each decision used).
#[derive(Default)]
pub struct Catalogue {
    pub offers: Arc<CompiledOffers>,
    pub versions: BTreeMap<String, i64>,
}

impl Catalogue {
    /// Compile the approved offers; one whose rule does not compile is left out with a warning
    /// (the store checks rules on submission, so this means a corrupt row).
    fn compile(approved: Vec<journeys_store::OfferVersion>) -> Catalogue {
        let mut offers = Vec::new();
        let mut versions = BTreeMap::new();
        for v in approved {
            if let Err(e) = CompiledOffers::new(vec![v.offer.clone()]) {
                tracing::warn!(offer = %v.offer.id, error = %e, "skipping a catalogue offer whose rule does not compile");
                continue;
            }
            versions.insert(v.offer.id.clone(), v.entry.number);
            offers.push(v.offer);
        }
        let offers = CompiledOffers::new(offers).unwrap_or_default();
        Catalogue { offers: Arc::new(offers), versions }
    }
}

/// The current set, swapped whole when the store's versions change.
#[derive(Default)]
pub struct LiveSet {
    current: RwLock<Arc<Vec<LiveVersion>>>,
    compiled: RwLock<HashMap<(String, i64), Arc<CompiledJourney>>>,
    catalogue: RwLock<Arc<Catalogue>>,
    /// The approved models, loaded with the versions.
    models: RwLock<Arc<Vec<ModelVersion>>>,
    /// The customer schema in force, loaded with the versions (its event rules and aggregates
    /// apply to every event, whichever journeys run).
    schema: RwLock<Arc<journeys_core::customer_schema::CustomerSchema>>,
}

impl LiveSet {
    pub fn snapshot(&self) -> Arc<Vec<LiveVersion>> {
        self.current.read().map(|c| Arc::clone(&c)).unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    pub fn schema(&self) -> Arc<journeys_core::customer_schema::CustomerSchema> {
        self.schema.read().map(|s| Arc::clone(&s)).unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    /// The approved models as last loaded: a model approved meanwhile scores from the next
    /// refresh on, as a version published meanwhile runs from then on.
    pub fn models(&self) -> Arc<Vec<ModelVersion>> {
        self.models.read().map(|m| Arc::clone(&m)).unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    /// Reload from the store. A version that does not compile is skipped with a warning (the
    /// store only accepts valid journeys, so this means a corrupt row, not a user's mistake).
    pub async fn refresh(&self, store: &Store) -> Result<(), EngineError> {
        let catalogue = self.refresh_catalogue(store).await?;
        let models = Arc::new(store.live_models().await?);
        match self.models.write() {
            Ok(mut slot) => *slot = models,
            Err(poisoned) => *poisoned.into_inner() = models,
        }
        let mut next = Vec::new();
        let schema = store.customer_schema().await?.schema;
        match self.schema.write() {
            Ok(mut slot) => *slot = Arc::new(schema.clone()),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(schema.clone()),
        }
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
                    match CompiledJourney::with_schema(journey, &schema) {
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
            next.push(LiveVersion { journey_id: v.journey_id, version: v.number, paused, compiled, catalogue: Arc::clone(&catalogue) });
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

    /// The approved catalogue, recompiled only when an offer's approved version changed.
    async fn refresh_catalogue(&self, store: &Store) -> Result<Arc<Catalogue>, EngineError> {
        let approved = store.live_offers().await?;
        let current = self.catalogue.read().map(|c| Arc::clone(&c)).unwrap_or_default();
        let unchanged = approved.len() == current.versions.len() && approved.iter().all(|v| current.versions.get(&v.offer.id) == Some(&v.entry.number));
        if unchanged {
            return Ok(current);
        }
        let next = Arc::new(Catalogue::compile(approved));
        tracing::info!(offers = next.versions.len(), "loaded the offers catalogue");
        if let Ok(mut slot) = self.catalogue.write() {
            *slot = Arc::clone(&next);
        }
        Ok(next)
    }
}
