//! Models and offers: every version in the registry with its review state; for a model its
//! held-out AUC, calibration plot and coefficients, and a drift check of today's customers
//! against its training population; reviewers approve or reject with a comment.

use leptos::prelude::*;
use leptos::task::spawn_local;

use journeys_core::review::VersionStatus;
use journeys_core::scoring::{CalibrationBin, DriftBand, DriftReport};

use crate::api::{self, Catalogue, ModelVersion, OfferVersion};
use crate::app::{signed_in, Screen};

fn status_chip(status: VersionStatus) -> impl IntoView {
    let (label, class) = match status {
        VersionStatus::Approved => ("live", "chip live"),
        VersionStatus::Submitted => ("submitted", "chip warn"),
        VersionStatus::Rejected => ("rejected", "chip"),
        _ => ("retired", "chip"),
    };
    view! { <span class=class>{label}</span> }
}

fn band_label(band: DriftBand) -> (&'static str, &'static str) {
    match band {
        DriftBand::Stable => ("stable", "chip live"),
        DriftBand::Watch => ("watch", "chip warn"),
        DriftBand::Retrain => ("retrain", "chip bad"),
    }
}

#[component]
pub fn Catalogue(screen: RwSignal<Screen>) -> impl IntoView {
    let catalogue = RwSignal::new(None::<Catalogue>);
    let selected = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    // Kept here, not in the detail view, so a reload (after a decision) keeps the last check.
    let drift = RwSignal::new(None::<(String, Result<DriftReport, String>)>);
    let load = move || {
        spawn_local(async move {
            match api::catalogue().await {
                Ok(c) => {
                    if selected.get_untracked().is_none() {
                        selected.set(c.models.first().map(|m| m.entry.reference()));
                    }
                    catalogue.set(Some(c));
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    load();
    let reviewer = move || signed_in().is_some_and(|u| u.role.reviews());
    let model = move || {
        let reference = selected.get()?;
        catalogue.get()?.models.into_iter().find(|m| m.entry.reference() == reference)
    };
    view! {
        <div class="gallery-screen catalogue-screen">
            <div class="gallery-head">
                <button class="ghost" on:click=move |_| screen.set(Screen::List)>"← Journeys"</button>
                <h1>"Models & offers"</h1>
                <span class="muted small">"Train with journeys models train; a reviewer approves a version before it scores."</span>
            </div>
            {move || error.get().map(|e| view! { <div class="error-banner" id="catalogue-error">{e}</div> })}
            <div class="catalogue-body">
                <section class="catalogue-list">
                    <h2>"Models"</h2>
                    <table class="registry" id="models-table">
                        <tr><th>"version"</th><th>"status"</th><th>"held out"</th><th>"rows"</th><th>"trained by"</th></tr>
                        {move || catalogue.get().map(|c| c.models.into_iter().map(|m| {
                            let reference = m.entry.reference();
                            let chosen = reference.clone();
                            let is_selected = move || selected.get().as_deref() == Some(chosen.as_str());
                            view! {
                                <tr class="model-row" class:selected=is_selected data-reference=reference.clone()
                                    on:click=move |_| selected.set(Some(reference.clone()))>
                                    <td><strong>{m.entry.reference()}</strong></td>
                                    <td>{status_chip(m.entry.status)}</td>
                                    <td>{quality(&m.model.report)}</td>
                                    <td>{m.model.report.rows}</td>
                                    <td>{m.entry.submitted_by.clone()}</td>
                                </tr>
                            }
                        }).collect_view())}
                    </table>
                    {move || catalogue.get().is_some_and(|c| c.models.is_empty()).then(|| view! { <p class="muted" id="no-models">"No models yet."</p> })}
                    <h2>"Offers"</h2>
                    <table class="registry" id="offers-table">
                        <tr><th>"version"</th><th>"offer"</th><th>"channel"</th><th>"cost"</th><th>"ΔCLV"</th><th>"status"</th><th></th></tr>
                        {move || catalogue.get().map(|c| c.offers.into_iter().map(|o| view! { <OfferRow offer=o reviewer=reviewer() reload=load /> }).collect_view())}
                    </table>
                    {move || catalogue.get().is_some_and(|c| c.offers.is_empty()).then(|| view! { <p class="muted">"No catalogue offers yet (journeys offers submit)."</p> })}
                </section>
                <aside class="catalogue-detail">
                    {move || model().map(|m| view! { <ModelDetail model=m reviewer=reviewer() reload=load drift=drift /> })}
                </aside>
            </div>
        </div>
    }
}

#[component]
fn OfferRow(offer: OfferVersion, reviewer: bool, reload: impl Fn() + Copy + 'static) -> impl IntoView {
    let reference = offer.entry.reference();
    let pending = offer.entry.status == VersionStatus::Submitted;
    let decide = move |approve: bool| {
        let reference = reference.clone();
        spawn_local(async move {
            let comment = if approve { "approved in the app" } else { "rejected in the app" };
            let _ = api::decide_catalogue("offer", &reference, approve, comment).await;
            reload();
        });
    };
    let decide_again = decide.clone();
    view! {
        <tr data-reference=offer.entry.reference()>
            <td><strong>{offer.entry.reference()}</strong></td>
            <td>{offer.offer.name.clone()}{offer.offer.mandatory.then(|| view! { <span class="chip warn">"mandatory"</span> })}</td>
            <td>{offer.offer.channel.key()}</td>
            <td>{format!("{:.2}", offer.offer.cost)}</td>
            <td>{format!("{:.2}", offer.offer.value)}</td>
            <td>{status_chip(offer.entry.status)}</td>
            <td>{(reviewer && pending).then(|| view! {
                <button class="ghost small" on:click=move |_| decide(true)>"Approve"</button>
                <button class="ghost small" on:click=move |_| decide_again(false)>"Reject"</button>
            })}</td>
        </tr>
    }
}

#[component]
fn ModelDetail(model: ModelVersion, reviewer: bool, reload: impl Fn() + Copy + 'static, drift: RwSignal<Option<(String, Result<DriftReport, String>)>>) -> impl IntoView {
    let reference = model.entry.reference();
    let kind = model.entry.subject.clone();
    let live = model.entry.status == VersionStatus::Approved;
    let pending = model.entry.status == VersionStatus::Submitted;
    let comment = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let shown = model.entry.reference();
    let check_drift = move || {
        let (kind, reference) = (kind.clone(), shown.clone());
        spawn_local(async move { drift.set(Some((reference, api::model_drift(&kind).await.map_err(|e| e.message)))) });
    };
    let this = model.entry.reference();
    let decide = move |approve: bool| {
        let reference = reference.clone();
        spawn_local(async move {
            match api::decide_catalogue("model", &reference, approve, &comment.get_untracked()).await {
                Ok(()) => reload(),
                Err(e) => message.set(Some(e.message)),
            }
        });
    };
    let decide_again = decide.clone();
    let r = &model.model.report;
    let mut weights: Vec<(String, f64)> = model.model.model.features.iter().cloned().zip(model.model.model.coefficients.iter().copied()).collect();
    weights.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let largest = weights.first().map_or(1.0, |w| w.1.abs()).max(1e-9);
    view! {
        <div class="model-detail" id="model-detail" data-reference=model.entry.reference()>
            <h2>{model.entry.reference()} " " {status_chip(model.entry.status)}</h2>
            {match (r.auc, r.fit) {
                (_, Some(fit)) => view! {
                    <p class="muted small">{format!("{} rows from {} · mean amount {:.2} · trained on {}, held out {}", r.rows, r.source, r.positive_rate, r.train_rows, r.test_rows)}</p>
                    <div class="model-figures">
                        <div class="stat"><span class="stat-value" id="model-r2">{format!("{:.3}", fit.r2)}</span><span class="stat-label">"held-out R²"</span></div>
                        <div class="stat"><span class="stat-value" id="model-mae">{format!("{:.2}", fit.mae)}</span><span class="stat-label">"mean absolute error"</span></div>
                    </div>
                }.into_any(),
                (auc, None) => view! {
                    <p class="muted small">{format!("{} rows from {} · {:.1} % positive · trained on {}, held out {}", r.rows, r.source, 100.0 * r.positive_rate, r.train_rows, r.test_rows)}</p>
                    <div class="model-figures">
                        <div class="stat"><span class="stat-value" id="model-auc">{auc.map_or("—".to_string(), |a| format!("{a:.3}"))}</span><span class="stat-label">"held-out AUC"</span></div>
                        <CalibrationPlot bins=r.calibration.clone() />
                    </div>
                }.into_any(),
            }}
            <h3>"What drives the score"</h3>
            <div class="weights">
                {weights.into_iter().map(|(f, w)| view! {
                    <div class="weight">
                        <span class="weight-name">{f}</span>
                        <span class="weight-bar" class:negative=(w < 0.0) style=format!("width:{:.0}%", 100.0 * w.abs() / largest)></span>
                        <span class="weight-value">{format!("{w:+.2}")}</span>
                    </div>
                }).collect_view()}
            </div>
            {live.then(|| view! {
                <h3>"Drift"</h3>
                <button class="ghost" id="check-drift" on:click=move |_| check_drift()>"Check drift on stored customers"</button>
                {move || drift.get().filter(|(reference, _)| *reference == this).map(|(_, d)| match d {
                    Ok(report) => view! { <DriftTable report=report /> }.into_any(),
                    Err(e) => view! { <p class="muted" id="drift-error">{e}</p> }.into_any(),
                })}
            })}
            {(reviewer && pending).then(|| view! {
                <h3>"Review"</h3>
                <textarea id="model-comment" placeholder="Comment (required): what you checked"
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                <div class="review-actions">
                    <button class="primary" id="approve-model" on:click=move |_| decide(true)>"Approve: make live"</button>
                    <button class="danger" id="reject-model" on:click=move |_| decide_again(false)>"Reject"</button>
                </div>
                {move || message.get().map(|m| view! { <div class="error-banner">{m}</div> })}
            })}
        </div>
    }
}

/// How good a model was on held-out rows: AUC for a propensity, R² for an amount (CLV).
fn quality(r: &journeys_core::scoring::TrainingReport) -> String {
    match (r.auc, r.fit) {
        (Some(auc), _) => format!("AUC {auc:.3}"),
        (None, Some(fit)) => format!("R² {:.3}", fit.r2),
        (None, None) => "—".into(),
    }
}

/// Predicted against observed rate per bin; the diagonal is perfect calibration.
#[component]
fn CalibrationPlot(bins: Vec<CalibrationBin>) -> impl IntoView {
    const SIZE: f64 = 180.0;
    const PAD: f64 = 24.0;
    let at = |p: f64| PAD + p.clamp(0.0, 1.0) * SIZE;
    let most = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    let line: Vec<String> = bins.iter().map(|b| format!("{:.1},{:.1}", at(b.mean_predicted), PAD + SIZE - b.observed_rate.clamp(0.0, 1.0) * SIZE)).collect();
    view! {
        <svg class="calibration" id="calibration-plot" width=SIZE + 2.0 * PAD height=SIZE + 2.0 * PAD>
            <rect x=PAD y=PAD width=SIZE height=SIZE class="plot-frame" />
            <line x1=PAD y1=PAD + SIZE x2=PAD + SIZE y2=PAD class="plot-diagonal" />
            <polyline points=line.join(" ") class="plot-line" />
            {bins.iter().map(|b| view! {
                <circle class="calibration-point" cx=at(b.mean_predicted) cy=PAD + SIZE - b.observed_rate.clamp(0.0, 1.0) * SIZE r=3.0 + 5.0 * (b.count as f64 / most).sqrt()>
                    <title>{format!("predicted {:.2}, observed {:.2} ({} rows)", b.mean_predicted, b.observed_rate, b.count)}</title>
                </circle>
            }).collect_view()}
            <text x=PAD y=PAD + SIZE + 16.0 class="plot-label">"predicted →"</text>
            <text x=4.0 y=PAD - 8.0 class="plot-label">"observed ↑"</text>
        </svg>
    }
}

#[component]
fn DriftTable(report: DriftReport) -> impl IntoView {
    let (overall, class) = band_label(report.band);
    let mut rows = report.features.clone();
    rows.sort_by(|a, b| b.psi.total_cmp(&a.psi));
    // The chart's right edge: past the retrain line, further when a feature drifted further.
    let scale = rows.iter().map(|f| f.psi).chain([report.score.psi, 0.4]).fold(0.0_f64, f64::max).min(2.0);
    view! {
        <div class="drift" id="drift-report" data-band=overall>
            {(report.band != DriftBand::Stable).then(|| view! {
                <div class="error-banner" id="drift-alert">{format!("Drift: {overall}. PSI 0.1–0.25 is worth watching; above 0.25 retrain the model.")}</div>
            })}
            <p class="small">{format!("{} customers · score PSI {:.3} ", report.rows, report.score.psi)}<span class=class>{overall}</span></p>
            <table class="registry drift-chart">
                <tr><th>"feature"</th><th>"PSI"</th><th class="psi-scale">{format!("0 – {scale:.2} (lines: 0.1, 0.25)")}</th><th></th></tr>
                {std::iter::once(report.score.clone()).chain(rows).map(|f| {
                    let (label, class) = band_label(f.band);
                    let bar = format!("width:{:.1}%", 100.0 * f.psi.clamp(0.0, scale) / scale);
                    let name = f.name.clone();
                    view! {
                        <tr class="drift-row" data-feature=name>
                            <td>{f.name}</td><td>{format!("{:.3}", f.psi)}</td>
                            <td class="psi-cell">
                                <span class=format!("psi-bar {label}") style=bar></span>
                                <span class="psi-mark" style=format!("left:{:.1}%", 100.0 * 0.1 / scale)></span>
                                <span class="psi-mark retrain" style=format!("left:{:.1}%", 100.0 * 0.25 / scale)></span>
                            </td>
                            <td><span class=class>{label}</span></td>
                        </tr>
                    }
                }).collect_view()}
            </table>
        </div>
    }
}
