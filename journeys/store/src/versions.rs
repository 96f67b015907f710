//! Versions and their review: submit (immutable snapshot, number, content hash) → approve or
//! reject by a reviewer who did not submit it (four eyes) → publish (one live version per
//! journey; the previous one is retired). Every step is audited in the same transaction.

use journeys_core::{content_hash, parse_journey, to_canonical_json, Journey, Severity};
pub use journeys_core::review::{VersionStatus, VersionSummary};
use sqlx::Row;

use crate::users::Role;
use crate::{audit, now_ms, Store, StoreError};

/// Longest `JOURNEY_ID@N` accepted; journey ids are slugs far shorter than this.
const MAX_REFERENCE: usize = 256;

/// Longest review comment kept on record.
pub const MAX_COMMENT: usize = 4_000;

fn shorten(text: &str) -> String {
    if text.chars().count() <= 60 {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(59).collect::<String>())
    }
}

const VERSION_COLUMNS: &str = "journey_id, number, content_hash, status, submitted_by, submitted_at, decided_by, comment, editors";

fn version_from_row(r: &sqlx::any::AnyRow) -> Result<VersionSummary, StoreError> {
    let journey_id: String = r.try_get("journey_id")?;
    let status: String = r.try_get("status")?;
    let editors: String = r.try_get("editors")?;
    let corrupt = |message: String| StoreError::Corrupt { id: journey_id.clone(), message };
    Ok(VersionSummary {
        number: r.try_get("number")?,
        content_hash: r.try_get("content_hash")?,
        status: VersionStatus::from_key(&status).ok_or_else(|| corrupt(format!("status {status}")))?,
        submitted_by: r.try_get("submitted_by")?,
        submitted_at: r.try_get("submitted_at")?,
        decided_by: r.try_get("decided_by")?,
        comment: r.try_get("comment")?,
        editors: serde_json::from_str(&editors).map_err(|e| corrupt(format!("editors: {e}")))?,
        journey_id,
    })
}

/// Parse `JOURNEY_ID@N`.
pub fn parse_reference(reference: &str) -> Result<(String, i64), StoreError> {
    // Quote at most the start of what was given: a 100 kB "reference" makes no useful message.
    let bad = || StoreError::BadReference(shorten(reference));
    if reference.len() > MAX_REFERENCE {
        return Err(bad());
    }
    let (id, number) = reference.rsplit_once('@').ok_or_else(bad)?;
    let number: i64 = number.parse().map_err(|_| bad())?;
    if id.is_empty() || number < 1 {
        return Err(bad());
    }
    Ok((id.to_string(), number))
}

impl Store {
    /// Submit a journey as its next version. Designers and admins may; the journey must have
    /// no validation errors.
    pub async fn submit(&self, journey: &Journey, actor: &str) -> Result<VersionSummary, StoreError> {
        self.require(actor, &[Role::Designer, Role::Admin], "submit a version").await?;
        let schema = self.customer_schema().await?.schema;
        let errors: Vec<String> = journeys_core::validate_with(journey, &schema).into_iter().filter(|d| d.severity == Severity::Error).map(|d| format!("{} {}", d.code, d.message)).collect();
        if !errors.is_empty() {
            return Err(StoreError::InvalidJourney { id: journey.id.clone(), errors });
        }
        let mut tx = self.begin_write().await?;
        let next: i64 = sqlx::query("SELECT COALESCE(MAX(number), 0) AS last FROM journey_versions WHERE journey_id = $1")
            .bind(&journey.id)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("last")?
            + 1;
        let hash = content_hash(journey);
        let now = now_ms();
        let mut editors: Vec<String> = sqlx::query("SELECT user_name FROM draft_editors WHERE journey_id = $1")
            .bind(&journey.id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get("user_name"))
            .collect::<Result<_, _>>()?;
        editors.push(actor.to_string());
        editors.sort();
        editors.dedup();
        let editors_json = serde_json::to_string(&editors).map_err(|e| StoreError::Corrupt { id: journey.id.clone(), message: e.to_string() })?;
        sqlx::query(
            "INSERT INTO journey_versions (journey_id, number, content_hash, document, status, submitted_by, submitted_at, editors) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&journey.id)
        .bind(next)
        .bind(&hash)
        .bind(to_canonical_json(journey))
        .bind(VersionStatus::Submitted.key())
        .bind(actor)
        .bind(now)
        .bind(&editors_json)
        .execute(&mut *tx)
        .await?;
        // The next version's four eyes start afresh from the edits made after this one.
        sqlx::query("DELETE FROM draft_editors WHERE journey_id = $1").bind(&journey.id).execute(&mut *tx).await?;
        let reference = format!("{}@{next}", journey.id);
        audit::append(&mut tx, actor, "submitted", &reference, &hash).await?;
        tx.commit().await?;
        Ok(VersionSummary {
            journey_id: journey.id.clone(),
            number: next,
            content_hash: hash,
            status: VersionStatus::Submitted,
            submitted_by: actor.to_string(),
            submitted_at: now,
            decided_by: None,
            comment: None,
            editors,
        })
    }

    pub async fn version(&self, journey_id: &str, number: i64) -> Result<VersionSummary, StoreError> {
        self.versions(journey_id)
            .await?
            .into_iter()
            .find(|v| v.number == number)
            .ok_or_else(|| StoreError::NotFound(format!("{journey_id}@{number}")))
    }

    pub async fn versions(&self, journey_id: &str) -> Result<Vec<VersionSummary>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {VERSION_COLUMNS} FROM journey_versions WHERE journey_id = $1 ORDER BY number"))
            .bind(journey_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// Every version of every journey, by journey and number: the journeys list's status badges.
    pub async fn all_versions(&self) -> Result<Vec<VersionSummary>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {VERSION_COLUMNS} FROM journey_versions ORDER BY journey_id, number"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// The journey exactly as submitted.
    pub async fn load_version(&self, journey_id: &str, number: i64) -> Result<Journey, StoreError> {
        let row = sqlx::query("SELECT document FROM journey_versions WHERE journey_id = $1 AND number = $2")
            .bind(journey_id)
            .bind(number)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("{journey_id}@{number}")))?;
        let document: String = row.try_get("document")?;
        parse_journey(&document).map_err(|e| StoreError::Corrupt { id: format!("{journey_id}@{number}"), message: e.to_string() })
    }

    pub async fn approve(&self, reference: &str, actor: &str, comment: &str) -> Result<VersionSummary, StoreError> {
        self.decide(reference, actor, comment, VersionStatus::Approved).await
    }

    pub async fn reject(&self, reference: &str, actor: &str, comment: &str) -> Result<VersionSummary, StoreError> {
        self.decide(reference, actor, comment, VersionStatus::Rejected).await
    }

    /// Approve or reject: reviewers only, never the submitter, only a submitted version.
    async fn decide(&self, reference: &str, actor: &str, comment: &str, outcome: VersionStatus) -> Result<VersionSummary, StoreError> {
        let (id, number) = parse_reference(reference)?;
        self.require(actor, &[Role::Reviewer], if outcome == VersionStatus::Approved { "approve" } else { "reject" }).await?;
        let version = self.version(&id, number).await?;
        if version.submitted_by == actor || version.editors.iter().any(|e| e == actor) {
            return Err(StoreError::FourEyes { actor: actor.to_string(), reference: reference.to_string() });
        }
        if comment.trim().is_empty() {
            return Err(StoreError::CommentRequired);
        }
        crate::input::free_text("comment", comment)?;
        if comment.chars().count() > MAX_COMMENT {
            return Err(StoreError::TooLong { what: "comment", length: comment.chars().count(), max: MAX_COMMENT });
        }
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE journey_versions SET status = $1, decided_by = $2, decided_at = $3, comment = $4 \
             WHERE journey_id = $5 AND number = $6 AND status = $7",
        )
        .bind(outcome.key())
        .bind(actor)
        .bind(now_ms())
        .bind(comment)
        .bind(&id)
        .bind(number)
        .bind(VersionStatus::Submitted.key())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::WrongStatus { reference: reference.to_string(), status: version.status.key().into(), needed: "submitted".into() });
        }
        audit::append(&mut tx, actor, outcome.key(), reference, comment).await?;
        tx.commit().await?;
        self.version(&id, number).await
    }

    /// A version goes live only when every catalogue offer it names has an approved version.
    async fn check_catalogue_offers(&self, id: &str, number: i64) -> Result<(), StoreError> {
        let journey = self.load_version(id, number).await?;
        if journey.catalogue_offers.is_empty() {
            return Ok(());
        }
        let approved: Vec<String> = self.live_offers().await?.into_iter().map(|v| v.offer.id).collect();
        let errors: Vec<String> = journey
            .catalogue_offers
            .iter()
            .filter(|o| !approved.contains(o))
            .map(|o| format!("catalogue_offers: offer '{o}' has no approved version in the catalogue; approve it first"))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(StoreError::InvalidJourney { id: format!("{id}@{number}"), errors })
        }
    }

    /// Make an approved version the live one; the previous live version is retired.
    pub async fn publish(&self, reference: &str, actor: &str) -> Result<VersionSummary, StoreError> {
        let (id, number) = parse_reference(reference)?;
        self.require(actor, &[Role::Reviewer, Role::Admin], "publish").await?;
        let version = self.version(&id, number).await?;
        if version.status != VersionStatus::Approved {
            return Err(StoreError::WrongStatus { reference: reference.to_string(), status: version.status.key().into(), needed: "approved".into() });
        }
        self.check_catalogue_offers(&id, number).await?;
        let mut tx = self.begin_write().await?;
        // Lock the journey's versions first: a concurrent publish waits, then sees this one live
        // and retires it, so there is never more than one live version.
        sqlx::query("UPDATE journey_versions SET status = status WHERE journey_id = $1").bind(&id).execute(&mut *tx).await?;
        let retired = sqlx::query("UPDATE journey_versions SET status = $1 WHERE journey_id = $2 AND (status = $3 OR status = $4)")
            .bind(VersionStatus::Retired.key())
            .bind(&id)
            .bind(VersionStatus::Published.key())
            .bind(VersionStatus::Paused.key())
            .execute(&mut *tx)
            .await?;
        let published = sqlx::query("UPDATE journey_versions SET status = $1 WHERE journey_id = $2 AND number = $3 AND status = $4")
            .bind(VersionStatus::Published.key())
            .bind(&id)
            .bind(number)
            .bind(VersionStatus::Approved.key())
            .execute(&mut *tx)
            .await?;
        if published.rows_affected() != 1 {
            // Someone published (or otherwise moved) this version since it was read.
            tx.rollback().await?;
            let status = self.version(&id, number).await.map(|v| v.status.key().to_string()).unwrap_or_default();
            return Err(StoreError::WrongStatus { reference: reference.to_string(), status, needed: "approved".into() });
        }
        let detail = if retired.rows_affected() > 0 { "previous live version retired" } else { "first live version" };
        audit::append(&mut tx, actor, "published", reference, detail).await?;
        tx.commit().await?;
        self.version(&id, number).await
    }

    /// Stop a live version at once (reviewers and admins).
    pub async fn pause(&self, reference: &str, actor: &str) -> Result<VersionSummary, StoreError> {
        self.transition(reference, actor, &[VersionStatus::Published], VersionStatus::Paused, "paused").await
    }

    pub async fn resume(&self, reference: &str, actor: &str) -> Result<VersionSummary, StoreError> {
        self.transition(reference, actor, &[VersionStatus::Paused], VersionStatus::Published, "resumed").await
    }

    /// Take a live or paused version out of service for good.
    pub async fn retire(&self, reference: &str, actor: &str) -> Result<VersionSummary, StoreError> {
        self.transition(reference, actor, &[VersionStatus::Published, VersionStatus::Paused], VersionStatus::Retired, "retired").await
    }

    async fn transition(&self, reference: &str, actor: &str, from: &[VersionStatus], to: VersionStatus, action: &str) -> Result<VersionSummary, StoreError> {
        let (id, number) = parse_reference(reference)?;
        self.require(actor, &[Role::Reviewer, Role::Admin], action).await?;
        let version = self.version(&id, number).await?;
        if !from.contains(&version.status) {
            let needed = from.iter().map(|s| s.key()).collect::<Vec<_>>().join(" or ");
            return Err(StoreError::WrongStatus { reference: reference.to_string(), status: version.status.key().into(), needed });
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE journey_versions SET status = $1 WHERE journey_id = $2 AND number = $3 AND status = $4")
            .bind(to.key())
            .bind(&id)
            .bind(number)
            .bind(version.status.key())
            .execute(&mut *tx)
            .await?;
        audit::append(&mut tx, actor, action, reference, "").await?;
        tx.commit().await?;
        self.version(&id, number).await
    }
}
