//! The bank's customer schema, for the Settings screen (read-only: admins apply a schema with
//! `journeys attributes apply`, which the store audits).

use journeys_store::{AppliedSchema, Store};
use tauri::State;

use crate::commands::Result;

#[tauri::command]
pub async fn customer_schema(store: State<'_, Store>) -> Result<AppliedSchema> {
    Ok(store.customer_schema().await?)
}
