//! Next best action at run time: scores from the live (approved) models replace the profile's
//! before a customer is stepped, and every decision the interpreter makes is written to the
//! decision log in the same transaction, with the scores and model versions it used.

use std::collections::BTreeMap;

use journeys_core::explain::DecisionRecord;
use journeys_core::interpret::{find_offer, Effect};
use journeys_core::population::Customer;
use journeys_core::scoring::set_customer_score;
use journeys_store::EngineTx;

use crate::contact::Recipient;
use crate::live::LiveVersion;
use crate::EngineError;

/// Score the customer with every live model (cached per model version) and put the scores in
/// the profile; returns the model version behind each score it set.
pub(crate) async fn apply_live_scores(tx: &mut EngineTx, customer: &mut Customer) -> Result<BTreeMap<String, i64>, EngineError> {
    let mut versions = BTreeMap::new();
    for score in tx.live_scores(&customer.id).await? {
        if set_customer_score(customer, &score.kind, score.value) {
            versions.insert(score.kind, score.model_version);
        }
    }
    Ok(versions)
}

/// Log a `Decided` effect (other effects are ignored).
pub(crate) async fn log(tx: &mut EngineTx, recipient: &Recipient, live: &LiveVersion, effect: Effect, at: i64) -> Result<(), EngineError> {
    let Effect::Decided { node, chosen, ranking, excluded, reason } = effect else { return Ok(()) };
    let mut scores = BTreeMap::new();
    let mut offer_versions = BTreeMap::new();
    let considered = ranking.iter().map(|r| &r.offer).chain(excluded.iter().map(|x| &x.offer));
    for id in considered {
        let own = live.compiled.journey().offers.iter().any(|o| &o.id == id);
        if let Some(version) = live.catalogue.versions.get(id).filter(|_| !own) {
            offer_versions.insert(id.clone(), *version);
        }
    }
    for ranked in &ranking {
        let Ok((offer, _)) = find_offer(&live.compiled, Some(&live.catalogue.offers), &ranked.offer) else { continue };
        if let Some(name) = &offer.propensity_score {
            scores.insert(name.clone(), ranked.propensity);
        }
        if let Some(name) = &offer.value_score {
            scores.insert(name.clone(), ranked.value);
        }
    }
    let model_versions = recipient.model_versions.iter().filter(|(kind, _)| scores.contains_key(*kind)).map(|(k, v)| (k.clone(), *v)).collect();
    let record = DecisionRecord {
        customer_id: recipient.customer.id.clone(),
        journey_id: live.journey_id.clone(),
        version: live.version,
        node,
        at,
        chosen,
        reason,
        ranking,
        excluded,
        scores,
        model_versions,
        offer_versions,
    };
    tx.log_decision(&record).await?;
    Ok(())
}
