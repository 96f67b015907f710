//! The model registry (trained models versioned and reviewed: a new version scores only once a
//! reviewer approved it) and the score cache (a customer's score from one model version, kept
//! while the profile is unchanged).

use std::collections::HashSet;
use std::sync::Arc;

use journeys_core::population::Customer;
use journeys_core::scoring::{is_amount_kind, trainable_kind, Link, TrainedModel};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::registry::{RegistryEntry, MODELS};
use crate::users::Role;
use crate::{now_ms, Store, StoreError};

/// One version of a model with its review record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    pub entry: RegistryEntry,
    pub model: TrainedModel,
}

/// A customer's score and the model version that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub kind: String,
    pub value: f64,
    pub model_version: i64,
    /// Whether it came from the cache.
    pub cached: bool,
}

fn parse(entry: RegistryEntry, document: &str) -> Result<ModelVersion, StoreError> {
    let model = serde_json::from_str(document).map_err(|e| StoreError::Corrupt { id: entry.reference(), message: e.to_string() })?;
    Ok(ModelVersion { entry, model })
}

impl Store {
    /// Register a trained model as the next version of its kind (designers, analysts and
    /// admins). It is not used until a reviewer approves it.
    pub async fn register_model(&self, model: &TrainedModel, actor: &str) -> Result<ModelVersion, StoreError> {
        self.require(actor, &[Role::Designer, Role::Analyst, Role::Admin], "register a model").await?;
        if !trainable_kind(&model.kind) {
            return Err(StoreError::UnknownModelKind(model.kind.chars().take(40).collect()));
        }
        let gives = |link: Link| if link == Link::Identity { "an amount" } else { "a probability" };
        let expected = if is_amount_kind(&model.kind) { Link::Identity } else { Link::Logistic };
        if model.model.link != expected {
            return Err(StoreError::WrongModelLink { kind: model.kind.clone(), expected: gives(expected), actual: gives(model.model.link) });
        }
        let document = serde_json::to_string(model).map_err(|e| StoreError::Corrupt { id: model.kind.clone(), message: e.to_string() })?;
        let entry = self.registry_submit(MODELS, &model.kind, &document, actor).await?;
        Ok(ModelVersion { entry, model: model.clone() })
    }

    /// Approve `KIND@N`: it becomes the live model of its kind (reviewers; never who registered it).
    pub async fn approve_model(&self, reference: &str, actor: &str, comment: &str) -> Result<RegistryEntry, StoreError> {
        self.registry_decide(MODELS, reference, actor, comment, true).await
    }

    pub async fn reject_model(&self, reference: &str, actor: &str, comment: &str) -> Result<RegistryEntry, StoreError> {
        self.registry_decide(MODELS, reference, actor, comment, false).await
    }

    /// Every version of one kind (`Some(kind)`) or of all kinds.
    pub async fn model_versions(&self, kind: Option<&str>) -> Result<Vec<ModelVersion>, StoreError> {
        self.registry_versions(MODELS, kind).await?.into_iter().map(|(e, d)| parse(e, &d)).collect()
    }

    /// The approved model of every kind.
    pub async fn live_models(&self) -> Result<Vec<ModelVersion>, StoreError> {
        self.registry_live(MODELS).await?.into_iter().map(|(e, d)| parse(e, &d)).collect()
    }

    pub async fn live_model(&self, kind: &str) -> Result<Option<ModelVersion>, StoreError> {
        Ok(self.live_models().await?.into_iter().find(|m| m.entry.subject == kind))
    }

    /// The customer's score from the live `kind` model (`None` without one), from the cache
    /// when the same version scored the same profile before.
    pub async fn score_customer(&self, customer_id: &str, kind: &str) -> Result<Option<Score>, StoreError> {
        let Some(live) = self.live_model(kind).await? else { return Ok(None) };
        let mut conn = self.pool.acquire().await?;
        Ok(scores_from(&mut conn, customer_id, std::slice::from_ref(&live)).await?.pop())
    }

    /// Scores from every live model, by kind.
    pub async fn customer_scores(&self, customer_id: &str) -> Result<Vec<Score>, StoreError> {
        let live = self.live_models().await?;
        let mut conn = self.pool.acquire().await?;
        scores_from(&mut conn, customer_id, &live).await
    }

    /// Customer profiles as stored, at most `limit`, by id: a population to train on or to
    /// check for drift.
    pub async fn customer_profiles(&self, limit: i64) -> Result<Vec<Customer>, StoreError> {
        let rows = sqlx::query("SELECT id, profile FROM customers ORDER BY id LIMIT $1").bind(limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let profile: String = r.try_get("profile")?;
                serde_json::from_str(&profile).map_err(|e| StoreError::Corrupt { id: format!("customer '{id}'"), message: e.to_string() })
            })
            .collect()
    }

    /// The customers with at least one event of `event_type`: the outcome to train on.
    pub async fn customers_with_event(&self, event_type: &str) -> Result<HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT customer_id FROM events WHERE type = $1").bind(event_type).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(r.try_get("customer_id")?)).collect()
    }
}

impl crate::EngineTx {
    /// Score with these models, the approved ones as the caller last loaded them, instead of
    /// reading them in this transaction. (The engine keeps them with its live versions: a
    /// read per batch was a tenth of a small batch's time.)
    pub fn use_live_models(&mut self, models: Arc<Vec<ModelVersion>>) {
        self.live_models = Some(models);
    }

    /// Scores from every live model for the customer, inside the engine's transaction (cached
    /// like `Store::customer_scores`).
    pub async fn live_scores(&mut self, customer_id: &str) -> Result<Vec<Score>, StoreError> {
        // Unless handed over, read once per transaction: a model approved meanwhile scores
        // from the next one on.
        let live = match &self.live_models {
            Some(live) => Arc::clone(live),
            None => {
                let rows = sqlx::query("SELECT kind AS subject, number, document, status, submitted_by, submitted_at, decided_by, decided_at, comment FROM model_versions WHERE status = $1 ORDER BY kind")
                    .bind(crate::VersionStatus::Approved.key())
                    .fetch_all(self.conn())
                    .await?;
                let mut live = Vec::with_capacity(rows.len());
                for row in &rows {
                    let (entry, document) = MODELS.entry(row)?;
                    live.push(parse(entry, &document)?);
                }
                let live = Arc::new(live);
                self.live_models = Some(Arc::clone(&live));
                live
            }
        };
        scores_from(self.conn(), customer_id, &live).await
    }
}

/// Score the customer with each of `models`, reading and filling the cache.
async fn scores_from(conn: &mut sqlx::AnyConnection, customer_id: &str, models: &[ModelVersion]) -> Result<Vec<Score>, StoreError> {
    if models.is_empty() {
        return Ok(Vec::new());
    }
    let row = sqlx::query("SELECT profile, updated_at FROM customers WHERE id = $1")
        .bind(customer_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::Unknown { what: "customer", id: customer_id.chars().take(100).collect() })?;
    let updated_at: i64 = row.try_get("updated_at")?;
    let corrupt = |message: String| StoreError::Corrupt { id: format!("customer '{customer_id}'"), message };
    let mut customer: Option<Customer> = None;
    let mut scores = Vec::with_capacity(models.len());
    for live in models {
        let (kind, version) = (&live.entry.subject, live.entry.number);
        let cached = sqlx::query("SELECT score FROM score_cache WHERE customer_id = $1 AND kind = $2 AND model_version = $3 AND profile_updated_at = $4")
            .bind(customer_id)
            .bind(kind)
            .bind(version)
            .bind(updated_at)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(r) = cached {
            scores.push(Score { kind: kind.clone(), value: r.try_get("score")?, model_version: version, cached: true });
            continue;
        }
        if customer.is_none() {
            let profile: String = row.try_get("profile")?;
            customer = Some(serde_json::from_str(&profile).map_err(|e| corrupt(e.to_string()))?);
        }
        let Some(profile) = customer.as_ref() else { continue };
        let value = live.model.model.score_customer(profile).map_err(|e| corrupt(format!("{}: {e}", live.entry.reference())))?;
        sqlx::query(
            "INSERT INTO score_cache (customer_id, kind, model_version, score, profile_updated_at, computed_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (customer_id, kind, model_version) DO UPDATE SET score = excluded.score, profile_updated_at = excluded.profile_updated_at, computed_at = excluded.computed_at",
        )
        .bind(customer_id)
        .bind(kind)
        .bind(version)
        .bind(value)
        .bind(updated_at)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        scores.push(Score { kind: kind.clone(), value, model_version: version, cached: false });
    }
    Ok(scores)
}
