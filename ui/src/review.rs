//! The review screen: a journey's versions, the semantic diff between two of them shown beside
//! both graphs (changed nodes marked), and the review actions the signed-in role may take.
//! The store enforces roles and four eyes again; the buttons only spare users a refusal.

use journeys_core::diff::{diff, Change, ChangeKind};
use journeys_core::Journey;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{VersionStatus, VersionSummary};
use crate::app::{signed_in, Screen};
use crate::graph_view::{GraphView, Marks};

/// The version to compare a candidate with: the live one if it is another, else the previous.
fn default_base(versions: &[VersionSummary], candidate: i64) -> Option<i64> {
    let live = versions.iter().rev().find(|v| matches!(v.status, VersionStatus::Published | VersionStatus::Paused));
    match live {
        Some(v) if v.number != candidate => Some(v.number),
        _ => versions.iter().rev().map(|v| v.number).find(|n| *n < candidate),
    }
}

/// Node marks for each side: removed and changed on the old graph, added and changed on the new.
fn marks(changes: &[Change]) -> (Marks, Marks) {
    let (mut old, mut new) = (Marks::new(), Marks::new());
    for c in changes.iter().filter(|c| c.subject == "node") {
        match c.kind {
            ChangeKind::Removed => {
                old.insert(c.id.clone(), "removed");
            }
            ChangeKind::Added => {
                new.insert(c.id.clone(), "added");
            }
            ChangeKind::Changed => {
                old.insert(c.id.clone(), "changed");
                new.insert(c.id.clone(), "changed");
            }
        }
    }
    (old, new)
}

fn short_json(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    crate::editor::geometry::truncate(&text, 90)
}

fn when(epoch_ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(epoch_ms as f64));
    date.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED).as_string().unwrap_or_default()
}

#[component]
pub fn Review(id: String, screen: RwSignal<Screen>) -> impl IntoView {
    let journey_id = StoredValue::new(id);
    let versions = RwSignal::new(Vec::<VersionSummary>::new());
    let candidate = RwSignal::new(None::<i64>);
    let base = RwSignal::new(None::<i64>);
    let message = RwSignal::new(None::<(bool, String)>);
    let comment = RwSignal::new(String::new());
    let user = signed_in();
    let role = user.as_ref().map(|u| u.role);
    let me = user.map(|u| u.name).unwrap_or_default();

    let reload = move |select_latest: bool| {
        spawn_local(async move {
            match crate::api::list_versions(&journey_id.get_value()).await {
                Ok(list) => {
                    if select_latest || candidate.get_untracked().is_none() {
                        if let Some(latest) = list.last().map(|v| v.number) {
                            candidate.set(Some(latest));
                            base.set(default_base(&list, latest));
                        }
                    }
                    versions.set(list);
                }
                Err(e) => message.set(Some((false, e.message))),
            }
        });
    };
    reload(true);

    let load = move |number: Option<i64>| async move {
        match number {
            Some(n) => crate::api::load_version(&journey_id.get_value(), n).await.ok(),
            None => None,
        }
    };
    let candidate_doc = LocalResource::new(move || load(candidate.get()));
    let base_doc = LocalResource::new(move || load(base.get()));
    let changes = Memo::new(move |_| {
        let new = candidate_doc.get().flatten()?;
        let old = base_doc.get().flatten().unwrap_or_else(|| Journey::empty(&new.id, &new.name));
        Some((diff(&old, &new), old, new))
    });
    let selected = move || candidate.get().and_then(|n| versions.with(|vs| vs.iter().find(|v| v.number == n).cloned()));

    let act = move |action: &'static str| {
        let Some(version) = selected() else { return };
        let reference = version.reference();
        let text = comment.get_untracked();
        message.set(None);
        spawn_local(async move {
            let result = match action {
                "approve" => crate::api::decide_version(&reference, true, &text).await,
                "reject" => crate::api::decide_version(&reference, false, &text).await,
                other => crate::api::operate_version(&reference, other).await,
            };
            match result {
                Ok(v) => {
                    message.set(Some((true, format!("{} is now {}", v.reference(), v.status.key()))));
                    comment.set(String::new());
                    reload(false);
                }
                Err(e) => message.set(Some((false, e.message))),
            }
        });
    };
    let submit = move |_| {
        message.set(None);
        spawn_local(async move {
            match crate::api::submit_draft(&journey_id.get_value()).await {
                Ok(v) => {
                    message.set(Some((true, format!("Submitted {} for review", v.reference()))));
                    reload(true);
                }
                Err(e) => message.set(Some((false, e.message))),
            }
        });
    };

    let may_edit = role.is_some_and(|r| r.edits());
    let may_review = role.is_some_and(|r| r.reviews());
    let may_operate = role.is_some_and(|r| r.operates());
    let me = StoredValue::new(me);

    view! {
        <main class="review-screen">
            <div class="review-head">
                <button class="ghost" id="review-back" on:click=move |_| screen.set(Screen::List)>"← Journeys"</button>
                <h1>{move || changes.with(|c| c.as_ref().map(|(_, _, new)| new.name.clone())).unwrap_or_else(|| journey_id.get_value())}</h1>
                <span class="muted">{journey_id.get_value()}</span>
                <span class="spacer"></span>
                <button class="ghost" id="review-open-editor" on:click=move |_| screen.set(Screen::Editor(journey_id.get_value()))>"Open draft"</button>
                {may_edit.then(|| view! {
                    <button class="primary" id="submit-draft" on:click=submit title="Submit the saved draft as the next version">"Submit draft for review"</button>
                })}
            </div>
            {move || message.get().map(|(ok, text)| view! {
                <p id="review-message" class=if ok { "ok-banner" } else { "error-banner" }>{text}</p>
            })}
            <div class="review-body">
                <aside class="version-list">
                    <h2>"Versions"</h2>
                    {move || versions.with(|vs| vs.is_empty()).then(|| view! {
                        <p class="muted">"No versions yet. A designer submits the saved draft to start a review."</p>
                    })}
                    <ul>
                        {move || versions.get().into_iter().rev().map(|v| {
                            let number = v.number;
                            view! {
                                <li class="version-item" data-version=number
                                    class:selected=move || candidate.get() == Some(number)
                                    on:click=move |_| {
                                        candidate.set(Some(number));
                                        base.set(versions.with_untracked(|vs| default_base(vs, number)));
                                    }>
                                    <div class="version-line">
                                        <strong>{format!("v{number}")}</strong>
                                        <span class=format!("status-badge status-{}", v.status.key())>{v.status.key()}</span>
                                    </div>
                                    <div class="muted small">{format!("by {} · {}", v.submitted_by, when(v.submitted_at))}</div>
                                    {v.decided_by.clone().map(|d| view! {
                                        <div class="small">{format!("{d}: “{}”", v.comment.clone().unwrap_or_default())}</div>
                                    })}
                                    <div class="hash small" title="Content hash (SHA-256 of the canonical JSON)">{v.content_hash.chars().take(12).collect::<String>()}</div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </aside>
                <section class="review-main">
                    <div class="compare-bar">
                        "Compare "
                        <select id="base-version" on:change=move |ev| base.set(event_target_value(&ev).parse().ok())>
                            <option value="" selected=move || base.get().is_none()>"nothing (all new)"</option>
                            {move || versions.get().into_iter().map(|v| {
                                let n = v.number;
                                view! { <option value=n.to_string() selected=move || base.get() == Some(n)>{format!("v{n} ({})", v.status.key())}</option> }
                            }).collect_view()}
                        </select>
                        " with "
                        <strong id="candidate-version">{move || candidate.get().map(|n| format!("v{n}")).unwrap_or_default()}</strong>
                        {move || changes.with(|c| c.as_ref().map(|(cs, _, _)| {
                            let flagged = cs.iter().filter(|c| c.compliance).count();
                            let plural = if cs.len() == 1 { "" } else { "s" };
                            view! { <span class="muted" id="change-count">{format!(" · {} change{plural}, {flagged} compliance-relevant", cs.len())}</span> }
                        }))}
                    </div>
                    {move || changes.get().map(|(cs, old, new)| {
                        let (old_marks, new_marks) = marks(&cs);
                        let old_title = base.get().map(|n| format!("v{n}")).unwrap_or_else(|| "nothing".into());
                        let new_title = candidate.get().map(|n| format!("v{n}")).unwrap_or_default();
                        view! {
                            <div class="side-by-side">
                                <figure class="graph-pane" id="graph-old">
                                    <figcaption>{old_title}</figcaption>
                                    <GraphView journey=old marks=old_marks />
                                </figure>
                                <figure class="graph-pane" id="graph-new">
                                    <figcaption>{new_title}</figcaption>
                                    <GraphView journey=new marks=new_marks />
                                </figure>
                            </div>
                            <div class="legend small">
                                <span class="legend-added">"added"</span>
                                <span class="legend-changed">"changed"</span>
                                <span class="legend-removed">"removed"</span>
                            </div>
                            <table class="diff-table" id="diff-table">
                                <thead><tr><th></th><th>"What"</th><th>"Field"</th><th>"Before"</th><th>"After"</th><th></th></tr></thead>
                                <tbody>
                                    {cs.into_iter().map(|c| {
                                        let (sign, class) = match c.kind {
                                            ChangeKind::Added => ("+", "added"),
                                            ChangeKind::Removed => ("−", "removed"),
                                            ChangeKind::Changed => ("~", "changed"),
                                        };
                                        view! {
                                            <tr class=format!("change change-{class}") class:compliance=c.compliance>
                                                <td class="sign">{sign}</td>
                                                <td>{format!("{} {}", c.subject, c.id)}</td>
                                                <td>{c.field.clone().unwrap_or_default()}</td>
                                                <td class="value">{short_json(&c.before)}</td>
                                                <td class="value">{short_json(&c.after)}</td>
                                                <td>{c.compliance.then(|| view! { <span class="compliance-flag" title="Compliance-relevant">"⚑ compliance"</span> })}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }
                    })}
                    {move || selected().map(|v| {
                        let mine = me.with_value(|me| v.editors.iter().any(|e| e == me) || &v.submitted_by == me);
                        view! {
                            <div class="decision-panel">
                                {(v.status == VersionStatus::Submitted && may_review).then(|| if mine {
                                    view! { <p class="warn-banner" id="four-eyes-note">"You submitted or edited this version: another reviewer must decide (four eyes)."</p> }.into_any()
                                } else {
                                    view! {
                                        <textarea id="review-comment" placeholder="Comment for the record (required)" maxlength="4000"
                                            prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                                        <div class="decision-buttons">
                                            <button class="primary" id="approve" on:click=move |_| act("approve")>"Approve"</button>
                                            <button class="danger" id="reject" on:click=move |_| act("reject")>"Reject"</button>
                                        </div>
                                    }.into_any()
                                })}
                                {may_operate.then(|| view! {
                                    <div class="decision-buttons">
                                        {(v.status == VersionStatus::Approved).then(|| view! { <button class="primary" id="publish" on:click=move |_| act("publish")>"Publish"</button> })}
                                        {(v.status == VersionStatus::Published).then(|| view! { <button class="ghost" id="pause" on:click=move |_| act("pause")>"Pause"</button> })}
                                        {(v.status == VersionStatus::Paused).then(|| view! { <button class="ghost" id="resume" on:click=move |_| act("resume")>"Resume"</button> })}
                                        {matches!(v.status, VersionStatus::Published | VersionStatus::Paused).then(|| view! { <button class="danger" id="retire" on:click=move |_| act("retire")>"Retire"</button> })}
                                    </div>
                                })}
                            </div>
                        }
                    })}
                    {move || {
                        let (from, to) = (base.get()?, candidate.get()?);
                        let live = selected().is_some_and(|v| v.status == VersionStatus::Published);
                        (from < to && live).then(|| view! {
                            <MigrationPanel journey_id=journey_id.get_value() from=from to=to may_apply=may_review message=message />
                        })
                    }}
                </section>
            </div>
        </main>
    }
}

/// Customers in flight on an older version: the dry run, and (reviewers) the move.
#[component]
fn MigrationPanel(journey_id: String, from: i64, to: i64, may_apply: bool, message: RwSignal<Option<(bool, String)>>) -> impl IntoView {
    let (from_ref, to_ref) = (format!("{journey_id}@{from}"), format!("{journey_id}@{to}"));
    let refs = StoredValue::new((from_ref.clone(), to_ref.clone()));
    let plan = RwSignal::new(None::<Vec<crate::api::Move>>);
    let dry_run = move |_| {
        spawn_local(async move {
            let (f, t) = refs.get_value();
            match crate::api::migration_plan(&f, &t).await {
                Ok(moves) => plan.set(Some(moves)),
                Err(e) => message.set(Some((false, e.message))),
            }
        });
    };
    let apply = move |_| {
        spawn_local(async move {
            let (f, t) = refs.get_value();
            match crate::api::migrate(&f, &t).await {
                Ok(moved) => {
                    message.set(Some((true, format!("Moved {moved} customers from {f} to {t}"))));
                    plan.set(crate::api::migration_plan(&f, &t).await.ok());
                }
                Err(e) => message.set(Some((false, e.message))),
            }
        });
    };
    view! {
        <div class="migration-panel" id="migration-panel">
            <h3>"Customers in flight"</h3>
            <p class="muted small">{format!("Customers waiting in {from_ref} stay on it unless a reviewer moves them to {to_ref}.")}</p>
            <button class="ghost" id="migration-dry-run" on:click=dry_run>"Dry run"</button>
            {move || plan.get().map(|moves| {
                let moving: i64 = moves.iter().filter(|m| m.to_node.is_some()).map(|m| m.customers).sum();
                view! {
                    <table class="diff-table" id="migration-plan">
                        <thead><tr><th>"Waiting at"</th><th>"Customers"</th><th>"Goes to"</th></tr></thead>
                        <tbody>
                            {moves.into_iter().map(|m| view! {
                                <tr>
                                    <td>{m.from_node.clone()}</td>
                                    <td>{m.customers}</td>
                                    <td>{m.to_node.clone().unwrap_or_else(|| format!("stays ({})", m.reason.clone().unwrap_or_default()))}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(may_apply && moving > 0).then(|| view! {
                        <button class="primary" id="migration-apply" on:click=apply>{format!("Approve and move {moving} customers")}</button>
                    })}
                }
            })}
        </div>
    }
}
