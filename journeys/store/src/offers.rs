//! The offers catalogue: offers (core `settings::Offer`) versioned and reviewed like journeys;
//! the approved version of each offer is the live one decisions use.

use journeys_core::settings::Offer;
use serde::{Deserialize, Serialize};

use crate::registry::{RegistryEntry, OFFERS};
use crate::users::Role;
use crate::{Store, StoreError};

/// One version of a catalogue offer with its review record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferVersion {
    pub entry: RegistryEntry,
    pub offer: Offer,
}

fn parse(entry: RegistryEntry, document: &str) -> Result<OfferVersion, StoreError> {
    let offer = serde_json::from_str(document).map_err(|e| StoreError::Corrupt { id: entry.reference(), message: e.to_string() })?;
    Ok(OfferVersion { entry, offer })
}

impl Store {
    /// Submit an offer as its next version (designers and admins); it must pass
    /// `journeys_core::offers::check`.
    pub async fn submit_offer(&self, offer: &Offer, actor: &str) -> Result<OfferVersion, StoreError> {
        self.require(actor, &[Role::Designer, Role::Admin], "submit an offer").await?;
        let problems = journeys_core::offers::check(offer);
        if !problems.is_empty() {
            return Err(StoreError::InvalidOffer { id: offer.id.chars().take(40).collect(), message: problems.join("; ") });
        }
        let document = serde_json::to_string(offer).map_err(|e| StoreError::InvalidOffer { id: offer.id.clone(), message: e.to_string() })?;
        let entry = self.registry_submit(OFFERS, &offer.id, &document, actor).await?;
        Ok(OfferVersion { entry, offer: offer.clone() })
    }

    /// Approve `OFFER_ID@N`: it becomes the live version (reviewers; never the submitter).
    pub async fn approve_offer(&self, reference: &str, actor: &str, comment: &str) -> Result<RegistryEntry, StoreError> {
        self.registry_decide(OFFERS, reference, actor, comment, true).await
    }

    pub async fn reject_offer(&self, reference: &str, actor: &str, comment: &str) -> Result<RegistryEntry, StoreError> {
        self.registry_decide(OFFERS, reference, actor, comment, false).await
    }

    /// Every version of one offer (`Some(id)`) or of all offers, by offer and number.
    pub async fn offer_versions(&self, offer_id: Option<&str>) -> Result<Vec<OfferVersion>, StoreError> {
        self.registry_versions(OFFERS, offer_id).await?.into_iter().map(|(e, d)| parse(e, &d)).collect()
    }

    /// The live catalogue: the approved version of every offer, by id.
    pub async fn live_offers(&self) -> Result<Vec<OfferVersion>, StoreError> {
        self.registry_live(OFFERS).await?.into_iter().map(|(e, d)| parse(e, &d)).collect()
    }

    /// The live catalogue compiled for deciding (the simulator's view of what the engine uses).
    pub async fn live_catalogue(&self) -> Result<journeys_core::interpret::CompiledOffers, StoreError> {
        let offers = self.live_offers().await?.into_iter().map(|v| v.offer).collect();
        journeys_core::interpret::CompiledOffers::new(offers).map_err(|e| StoreError::Corrupt { id: e.offer.clone(), message: e.to_string() })
    }
}
