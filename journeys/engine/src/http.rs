//! The HTTP API (axum). Every refusal is a 4xx with a JSON body naming what and where:
//! `{"error": "...", "line": N}` (or `"item"` for a JSON array), plus `"errors"` when several.
//! The handlers answer in that form themselves; whatever axum answers for them (an extractor's
//! rejection: a path that is not UTF-8, a body over the limit) passes through one layer,
//! `json_refusals`, that puts it in the same form.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::wire::{self, BodyFormat, LineError};
use crate::{EngineError, Processor};
use journeys_store::StoreError;

/// Every (method, path) the server answers; `openapi.json` documents exactly these.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/v1/health"),
    ("GET", "/metrics"),
    ("POST", "/v1/customers"),
    ("GET", "/v1/customers/{id}"),
    ("POST", "/v1/events"),
    ("POST", "/v1/suppressions"),
];

pub fn router(processor: Arc<Processor>, body_limit: usize) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/metrics", get(metrics))
        .route("/v1/customers", post(post_customers))
        .route("/v1/customers/{id}", get(get_customer))
        .route("/v1/events", post(post_events))
        .route("/v1/suppressions", post(post_suppressions))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(json_refusals))
        .with_state(processor)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// CSV is for customer profiles only.
fn csv_refused() -> Response {
    error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "text/csv is accepted for customers only; send application/json or application/x-ndjson")
}

fn line_errors(status: StatusCode, errors: Vec<LineError>) -> Response {
    let mut body = serde_json::to_value(errors.first()).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut body {
        map.insert("errors".into(), serde_json::to_value(&errors).unwrap_or(Value::Null));
    }
    (status, Json(body)).into_response()
}

/// A failure below the API: text the store refuses (the same on every database) is the
/// client's 400; anything else is the server's 500.
fn internal(e: &EngineError) -> Response {
    if let EngineError::Store(StoreError::BadText(refused)) = e {
        return error(StatusCode::BAD_REQUEST, refused.to_string());
    }
    tracing::error!(error = %e, "request failed");
    error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// Largest plain-text refusal body carried over into the JSON one.
const MAX_REFUSAL_TEXT: usize = 4096;

/// The one rejection handler: any refusal that is not JSON already (axum's plain-text
/// rejections of extractors) becomes `{"error": "<its text>"}` with the same status.
async fn json_refusals(response: Response) -> Response {
    let status = response.status();
    let is_json = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let text = match axum::body::to_bytes(response.into_body(), MAX_REFUSAL_TEXT).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("the request was refused").to_string() } else { text };
    error(status, message)
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such route; see openapi.json")
}

async fn method_not_allowed() -> Response {
    error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed on this route; see openapi.json")
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn metrics(State(processor): State<Arc<Processor>>) -> Response {
    match processor.metrics().render(processor.store()).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(e) => internal(&e),
    }
}

/// The body and how to read it, or the refusal.
/// The refusal is boxed: a `Response` is large and this is the rare path.
fn body_of(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<(Bytes, BodyFormat), Box<Response>> {
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE { "the request body is too large".to_string() } else { rejection.body_text() };
        Box::new(error(status, message))
    })?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("application/json");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let format = match essence.as_str() {
        "application/json" | "" => BodyFormat::Json,
        "application/x-ndjson" => BodyFormat::Ndjson,
        "text/csv" => BodyFormat::Csv,
        other => return Err(Box::new(error(StatusCode::UNSUPPORTED_MEDIA_TYPE, format!("content type '{other}' is not accepted; use application/json, application/x-ndjson or (customers) text/csv")))),
    };
    Ok((body, format))
}

async fn post_customers(State(processor): State<Arc<Processor>>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let (body, format) = match body_of(&headers, body) {
        Ok(b) => b,
        Err(refusal) => return *refusal,
    };
    // The schema in force, read per request: an admin may apply a new one while we run.
    let schema = match processor.store().customer_schema().await {
        Ok(applied) => applied.schema,
        Err(e) => return internal(&e.into()),
    };
    let customers = match wire::parse_customers(&body, format, &schema) {
        Ok(c) => c,
        Err(errors) => return line_errors(StatusCode::BAD_REQUEST, errors),
    };
    let mut rows = Vec::with_capacity(customers.len());
    for c in &customers {
        match serde_json::to_string(c) {
            Ok(profile) => rows.push((c.id.clone(), profile)),
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("customer '{}': {e}", c.id)),
        }
    }
    match processor.store().upsert_customers(&rows, processor.clock().now()).await {
        Ok(()) => Json(json!({ "accepted": rows.len() })).into_response(),
        Err(e) => internal(&e.into()),
    }
}

async fn post_events(State(processor): State<Arc<Processor>>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let (body, format) = match body_of(&headers, body) {
        Ok(b) => b,
        Err(refusal) => return *refusal,
    };
    if format == BodyFormat::Csv {
        return csv_refused();
    }
    let events = match wire::parse_events(&body, format) {
        Ok(e) => e,
        Err(errors) => return line_errors(StatusCode::BAD_REQUEST, errors),
    };
    // Refuse the whole batch before anything is written if any event names an unknown customer.
    let ids: Vec<&str> = events.iter().map(|e| e.customer_id.as_str()).collect();
    let known = match processor.store().known_customers(&ids).await {
        Ok(k) => k,
        Err(e) => return internal(&e.into()),
    };
    let unknown: Vec<LineError> = events
        .iter()
        .filter(|e| !known.contains(&e.customer_id))
        .map(|e| e.position.error(format!("event '{}' names unknown customer '{}'", e.id, e.customer_id)))
        .collect();
    if !unknown.is_empty() {
        return line_errors(StatusCode::UNPROCESSABLE_ENTITY, unknown);
    }
    let mut total = crate::BatchTally::default();
    for batch in events.chunks(crate::INGEST_BATCH) {
        match processor.submit(batch.to_vec()).await {
            Ok(tally) => total += tally,
            Err(e) => {
                tracing::error!(error = %e, first = %batch[0].id, "processing failed");
                let body = json!({ "error": e.to_string(), "accepted": total.accepted, "duplicates": total.duplicates, "queued": total.queued });
                return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
            }
        }
    }
    Json(json!({ "accepted": total.accepted, "duplicates": total.duplicates, "queued": total.queued, "errors": [] })).into_response()
}

async fn post_suppressions(State(processor): State<Arc<Processor>>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let (body, format) = match body_of(&headers, body) {
        Ok(b) => b,
        Err(refusal) => return *refusal,
    };
    if format == BodyFormat::Csv {
        return csv_refused();
    }
    let entries = match wire::parse_suppressions(&body, format) {
        Ok(e) => e,
        Err(errors) => return line_errors(StatusCode::BAD_REQUEST, errors),
    };
    let rows: Vec<(String, String, String)> = entries.into_iter().map(|s| (s.customer_id, s.channel, s.reason)).collect();
    // Under the writer lock: a batch in flight has read the list already and keeps that view.
    match processor.suppress(&rows).await {
        Ok(()) => Json(json!({ "accepted": rows.len() })).into_response(),
        Err(e) => internal(&e),
    }
}


/// The customer page: profile, instances with their current node, every contact and its fate.
async fn get_customer(State(processor): State<Arc<Processor>>, Path(id): Path<String>) -> Response {
    match crate::page::customer_page(processor.store(), &id).await {
        Ok(Some(page)) => Json(page).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no customer '{id}'")),
        Err(e) => internal(&e),
    }
}
