//! Tauri commands: deserialise, call the store, serialise. Errors cross as `CommandError`.

use journeys_core::Journey;
use journeys_store::{DraftSummary, Store, StoreError, StoredDraft};
use serde::Serialize;
use tauri::State;

use crate::session::Session;

/// An error as the UI receives it: a stable kind to branch on and a message to show.
#[derive(Debug, Serialize)]
pub struct CommandError {
    kind: &'static str,
    message: String,
}

impl CommandError {
    pub fn new(kind: &'static str, message: String) -> Self {
        CommandError { kind, message }
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        let kind = match &e {
            StoreError::Conflict { .. } => "conflict",
            StoreError::NotFound(_) => "not_found",
            StoreError::AlreadyExists { .. } => "already_exists",
            StoreError::Forbidden { .. } => "forbidden",
            StoreError::FourEyes { .. } => "four_eyes",
            StoreError::SignInFailed | StoreError::UnknownUser(_) => "sign_in_failed",
            StoreError::WrongStatus { .. } | StoreError::CommentRequired | StoreError::TooLong { .. } | StoreError::BadMigration(_) | StoreError::InvalidJourney { .. } | StoreError::BadReference(_) | StoreError::BadText(_) | StoreError::InvalidSchema(_) | StoreError::SchemaBreaksVersions(_) => "invalid",
            _ => "database",
        };
        CommandError { kind, message: e.to_string() }
    }
}

pub type Result<T> = std::result::Result<T, CommandError>;

#[tauri::command]
pub async fn list_journeys(store: State<'_, Store>) -> Result<Vec<DraftSummary>> {
    Ok(store.list_drafts().await?)
}

#[tauri::command]
pub async fn load_journey(store: State<'_, Store>, id: String) -> Result<StoredDraft> {
    Ok(store.load_draft(&id).await?)
}

/// Save over `revision`; returns the new revision, or a `conflict` error when stale.
#[tauri::command]
pub async fn save_journey(store: State<'_, Store>, session: State<'_, Session>, journey: Journey, revision: i64) -> Result<i64> {
    Ok(store.save_draft(&journey, revision, &session.actor()?).await?)
}

#[tauri::command]
pub async fn create_journey(store: State<'_, Store>, session: State<'_, Session>, name: String) -> Result<StoredDraft> {
    Ok(store.create_blank_draft(&name, &session.actor()?).await?)
}

/// Where the data lives, for the status bar (password redacted).
#[tauri::command]
pub fn database_location(store: State<'_, Store>) -> String {
    store.location().to_string()
}
