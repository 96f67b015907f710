//! The one typed bridge to the desktop shell (`src-tauri` commands), through
//! `window.__TAURI__.core.invoke`. In a plain browser it reports that the app is not there.

use journeys_core::{DraftSummary, Journey, StoredDraft};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// An error from a command, as `src-tauri` serialises it.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiError {
    pub kind: String,
    pub message: String,
}

impl ApiError {
    fn local(message: impl Into<String>) -> Self {
        ApiError { kind: "client".into(), message: message.into() }
    }
}

fn tauri_invoke() -> Option<(JsValue, js_sys::Function)> {
    let window = web_sys::window()?;
    let tauri = js_sys::Reflect::get(&window, &"__TAURI__".into()).ok().filter(|v| !v.is_undefined())?;
    let core = js_sys::Reflect::get(&tauri, &"core".into()).ok()?;
    let invoke = js_sys::Reflect::get(&core, &"invoke".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
    Some((core, invoke))
}

async fn invoke<T: DeserializeOwned>(command: &str, args: impl Serialize) -> Result<T, ApiError> {
    let (core, invoke) = tauri_invoke().ok_or_else(|| ApiError::local("not running inside the Journeys desktop app"))?;
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let args = args.serialize(&serializer).map_err(|e| ApiError::local(e.to_string()))?;
    let promise = invoke
        .call2(&core, &JsValue::from_str(command), &args)
        .map_err(|e| ApiError::local(format!("{e:?}")))?
        .dyn_into::<js_sys::Promise>()
        .map_err(|_| ApiError::local("invoke did not return a promise"))?;
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|e| ApiError::local(e.to_string())),
        Err(error) => Err(serde_wasm_bindgen::from_value(error.clone()).unwrap_or_else(|_| {
            ApiError::local(error.as_string().unwrap_or_else(|| format!("{error:?}")))
        })),
    }
}

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct IdArg<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct NameArg<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct SaveArgs<'a> {
    journey: &'a Journey,
    revision: i64,
}

pub async fn list_journeys() -> Result<Vec<DraftSummary>, ApiError> {
    invoke("list_journeys", NoArgs {}).await
}

pub async fn load_journey(id: &str) -> Result<StoredDraft, ApiError> {
    invoke("load_journey", IdArg { id }).await
}

pub async fn create_journey(name: &str) -> Result<StoredDraft, ApiError> {
    invoke("create_journey", NameArg { name }).await
}

/// Returns the new revision; `kind == "conflict"` when someone saved in between.
pub async fn save_journey(journey: &Journey, revision: i64) -> Result<i64, ApiError> {
    invoke("save_journey", SaveArgs { journey, revision }).await
}

pub async fn database_location() -> Result<String, ApiError> {
    invoke("database_location", NoArgs {}).await
}
