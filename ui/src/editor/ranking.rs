//! A decision step's ranking for one sample customer, computed in the browser with core's
//! `decide` (the code the engine and the simulator run): eligible offers with P, ΔCLV, cost,
//! profit and return, the excluded ones with why, and the reason the winner won.

use leptos::prelude::*;

use journeys_core::interpret::CompiledOffers;
use journeys_core::population::generate_customer;
use journeys_core::settings::Offer;
use journeys_core::NodeKind;

use super::EditorState;

#[component]
pub fn DecisionRanking(state: EditorState, id: String, approved: RwSignal<Vec<Offer>>) -> impl IntoView {
    let sample = RwSignal::new(1_u64);
    let outcome = move || {
        // The journey's own offers first, then its catalogue offers at their approved versions
        // (as `interpret::find_offer` looks them up when the journey runs).
        let (decision, mut offers, named) = state.journey.with(|j| {
            let decision = j.node(&id).and_then(|n| match &n.kind {
                NodeKind::Decision(d) => Some(d.clone()),
                _ => None,
            });
            (decision, j.offers.clone(), j.catalogue_offers.clone())
        });
        let decision = decision.ok_or_else(|| "not a decision step".to_string())?;
        offers.extend(approved.get().into_iter().filter(|o| named.contains(&o.id) && !offers.iter().any(|x| x.id == o.id)).collect::<Vec<_>>());
        let compiled = CompiledOffers::new(offers).map_err(|e| e.to_string())?;
        let customer = generate_customer(1, sample.get());
        let mut ctx = customer.context(journeys_core::simulate::START_MS);
        Ok::<_, String>((customer, compiled.decide(&decision.offers, decision.objective, &mut ctx)))
    };
    view! {
        <div class="decision-ranking" id="decision-ranking">
            <label>"Ranking for sample customer #"
                <input type="number" id="ranking-sample" min="0" max="9999" prop:value=move || sample.get().to_string()
                    on:input=move |ev| sample.set(event_target_value(&ev).parse().unwrap_or(0)) />
            </label>
            {move || match outcome() {
                Err(e) => view! { <p class="muted">{e}</p> }.into_any(),
                Ok((customer, o)) => view! {
                    <p class="muted small">{format!("{} · {} · tenure {} months · {}", customer.id, customer.segment, customer.tenure_months, customer.products.replace(';', ", "))}</p>
                    <table class="ranking">
                        <tr><th>"offer"</th><th>"P"</th><th>"ΔCLV"</th><th>"cost"</th><th>"profit"</th><th>"return"</th></tr>
                        {o.ranking.iter().map(|r| view! {
                            <tr class:chosen=o.chosen.as_deref() == Some(r.offer.as_str()) data-offer=r.offer.clone()>
                                <td>{r.offer.clone()}{r.mandatory.then_some(" (mandatory)")}</td>
                                <td>{format!("{:.3}", r.propensity)}</td><td>{format!("{:.2}", r.value)}</td><td>{format!("{:.2}", r.cost)}</td>
                                <td>{format!("{:.2}", r.profit)}</td><td>{format!("{:.2}", r.return_on_cost)}</td>
                            </tr>
                        }).collect_view()}
                    </table>
                    <ul class="excluded">
                        {o.excluded.iter().map(|x| {
                            let why = x.why.describe();
                            view! { <li data-offer=x.offer.clone()>{format!("{}: {why}", x.offer)}</li> }
                        }).collect_view()}
                    </ul>
                    <p class="ranking-reason" id="ranking-reason">{o.reason.clone()}</p>
                }.into_any(),
            }}
        </div>
    }
}
