//! Versions and their review: submit the saved draft, approve or reject, publish, pause, resume,
//! retire. The signed-in user is the actor; roles and four eyes are the store's to enforce.

use journeys_core::Journey;
use journeys_store::{Store, VersionSummary};
use tauri::State;

use crate::commands::Result;
use crate::session::Session;

#[tauri::command]
pub async fn list_versions(store: State<'_, Store>, journey_id: String) -> Result<Vec<VersionSummary>> {
    Ok(store.versions(&journey_id).await?)
}

#[tauri::command]
pub async fn all_versions(store: State<'_, Store>) -> Result<Vec<VersionSummary>> {
    Ok(store.all_versions().await?)
}

#[tauri::command]
pub async fn load_version(store: State<'_, Store>, journey_id: String, number: i64) -> Result<Journey> {
    Ok(store.load_version(&journey_id, number).await?)
}

/// Submit the draft as saved (not what an editor window may hold unsaved) as the next version.
#[tauri::command]
pub async fn submit_draft(store: State<'_, Store>, session: State<'_, Session>, journey_id: String) -> Result<VersionSummary> {
    let actor = session.actor()?;
    let draft = store.load_draft(&journey_id).await?;
    Ok(store.submit(&draft.journey, &actor).await?)
}

#[tauri::command]
pub async fn decide_version(
    store: State<'_, Store>,
    session: State<'_, Session>,
    reference: String,
    approve: bool,
    comment: String,
) -> Result<VersionSummary> {
    let actor = session.actor()?;
    Ok(if approve { store.approve(&reference, &actor, &comment).await? } else { store.reject(&reference, &actor, &comment).await? })
}

/// `publish`, `pause`, `resume` or `retire` a version.
#[tauri::command]
pub async fn operate_version(store: State<'_, Store>, session: State<'_, Session>, reference: String, action: String) -> Result<VersionSummary> {
    let actor = session.actor()?;
    Ok(match action.as_str() {
        "publish" => store.publish(&reference, &actor).await?,
        "pause" => store.pause(&reference, &actor).await?,
        "resume" => store.resume(&reference, &actor).await?,
        "retire" => store.retire(&reference, &actor).await?,
        other => return Err(crate::commands::CommandError::new("invalid", format!("unknown version action '{other}'"))),
    })
}

/// The dry run of moving customers in flight from `from` to `to`.
#[tauri::command]
pub async fn migration_plan(store: State<'_, Store>, from: String, to: String) -> Result<Vec<journeys_core::migration::Move>> {
    Ok(store.migration_plan(&from, &to).await?)
}

/// Move them, as the signed-in reviewer; returns how many moved.
#[tauri::command]
pub async fn migrate(store: State<'_, Store>, session: State<'_, Session>, from: String, to: String) -> Result<u64> {
    let actor = session.actor()?;
    Ok(store.migrate(&from, &to, &actor).await?.1)
}
