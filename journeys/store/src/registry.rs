//! Reviewed, versioned documents other than journeys: offers (`offer_versions`) and models
//! (`model_versions`). A version is submitted (immutable), then approved or rejected by a
//! reviewer who did not submit it (four eyes, comment required); approving makes it the live
//! version of its subject and retires the previously approved one. Every step is audited in
//! the same transaction.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::users::Role;
use crate::versions::{parse_reference, MAX_COMMENT};
use crate::{audit, now_ms, Store, StoreError, VersionStatus};

/// One table of reviewed versions.
#[derive(Clone, Copy)]
pub(crate) struct Registry {
    pub table: &'static str,
    /// The column naming the subject (offer id, model kind).
    pub key: &'static str,
    /// For messages and the audit log: "offer", "model".
    pub what: &'static str,
}

pub(crate) const OFFERS: Registry = Registry { table: "offer_versions", key: "offer_id", what: "offer" };
pub(crate) const MODELS: Registry = Registry { table: "model_versions", key: "kind", what: "model" };

/// A version's review record (the document itself is typed by the caller).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryEntry {
    /// Offer id or model kind.
    pub subject: String,
    pub number: i64,
    /// submitted, approved (live), rejected or retired.
    pub status: VersionStatus,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub comment: Option<String>,
}

impl RegistryEntry {
    /// `SUBJECT@N`.
    pub fn reference(&self) -> String {
        format!("{}@{}", self.subject, self.number)
    }
}

impl Registry {
    fn columns(&self) -> String {
        format!("{} AS subject, number, document, status, submitted_by, submitted_at, decided_by, decided_at, comment", self.key)
    }

    pub(crate) fn entry(&self, r: &sqlx::any::AnyRow) -> Result<(RegistryEntry, String), StoreError> {
        let subject: String = r.try_get("subject")?;
        let status: String = r.try_get("status")?;
        let status = VersionStatus::from_key(&status).ok_or_else(|| StoreError::Corrupt { id: subject.clone(), message: format!("status {status}") })?;
        Ok((
            RegistryEntry {
                number: r.try_get("number")?,
                status,
                submitted_by: r.try_get("submitted_by")?,
                submitted_at: r.try_get("submitted_at")?,
                decided_by: r.try_get("decided_by")?,
                decided_at: r.try_get("decided_at")?,
                comment: r.try_get("comment")?,
                subject,
            },
            r.try_get("document")?,
        ))
    }
}

impl Store {
    /// Insert the next version of `subject`; returns its entry.
    pub(crate) async fn registry_submit(&self, reg: Registry, subject: &str, document: &str, actor: &str) -> Result<RegistryEntry, StoreError> {
        let mut tx = self.begin_write().await?;
        // Lock the subject's versions so concurrent submissions get distinct numbers.
        sqlx::query(&format!("UPDATE {} SET status = status WHERE {} = $1", reg.table, reg.key)).bind(subject).execute(&mut *tx).await?;
        let next: i64 = sqlx::query(&format!("SELECT COALESCE(MAX(number), 0) AS last FROM {} WHERE {} = $1", reg.table, reg.key))
            .bind(subject)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("last")?
            + 1;
        let now = now_ms();
        sqlx::query(&format!(
            "INSERT INTO {} ({}, number, document, status, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6)",
            reg.table, reg.key
        ))
        .bind(subject)
        .bind(next)
        .bind(document)
        .bind(VersionStatus::Submitted.key())
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let reference = format!("{subject}@{next}");
        audit::append(&mut tx, actor, &format!("{}_submitted", reg.what), &reference, "").await?;
        tx.commit().await?;
        Ok(RegistryEntry {
            subject: subject.to_string(),
            number: next,
            status: VersionStatus::Submitted,
            submitted_by: actor.to_string(),
            submitted_at: now,
            decided_by: None,
            decided_at: None,
            comment: None,
        })
    }

    pub(crate) async fn registry_versions(&self, reg: Registry, subject: Option<&str>) -> Result<Vec<(RegistryEntry, String)>, StoreError> {
        let rows = match subject {
            Some(s) => {
                sqlx::query(&format!("SELECT {} FROM {} WHERE {} = $1 ORDER BY number", reg.columns(), reg.table, reg.key)).bind(s).fetch_all(&self.pool).await?
            }
            None => sqlx::query(&format!("SELECT {} FROM {} ORDER BY {}, number", reg.columns(), reg.table, reg.key)).fetch_all(&self.pool).await?,
        };
        rows.iter().map(|r| reg.entry(r)).collect()
    }

    pub(crate) async fn registry_version(&self, reg: Registry, subject: &str, number: i64) -> Result<(RegistryEntry, String), StoreError> {
        let row = sqlx::query(&format!("SELECT {} FROM {} WHERE {} = $1 AND number = $2", reg.columns(), reg.table, reg.key))
            .bind(subject)
            .bind(number)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::Unknown { what: reg.what, id: format!("{subject}@{number}") })?;
        reg.entry(&row)
    }

    /// The live (approved) versions, one per subject.
    pub(crate) async fn registry_live(&self, reg: Registry) -> Result<Vec<(RegistryEntry, String)>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {} FROM {} WHERE status = $1 ORDER BY {}", reg.columns(), reg.table, reg.key))
            .bind(VersionStatus::Approved.key())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| reg.entry(r)).collect()
    }

    /// Approve (making it live, retiring the previous live version) or reject a submitted
    /// version: reviewers only, never the submitter, with a comment.
    pub(crate) async fn registry_decide(&self, reg: Registry, reference: &str, actor: &str, comment: &str, approve: bool) -> Result<RegistryEntry, StoreError> {
        let (subject, number) = parse_reference(reference)?;
        let verb = if approve { "approve" } else { "reject" };
        self.require(actor, &[Role::Reviewer], &format!("{verb} {} versions", reg.what)).await?;
        let (version, _) = self.registry_version(reg, &subject, number).await?;
        if version.submitted_by == actor {
            return Err(StoreError::FourEyes { actor: actor.to_string(), reference: reference.to_string() });
        }
        if comment.trim().is_empty() {
            return Err(StoreError::CommentRequired);
        }
        if comment.chars().count() > MAX_COMMENT {
            return Err(StoreError::TooLong { what: "comment", length: comment.chars().count(), max: MAX_COMMENT });
        }
        let outcome = if approve { VersionStatus::Approved } else { VersionStatus::Rejected };
        let mut tx = self.begin_write().await?;
        sqlx::query(&format!("UPDATE {} SET status = status WHERE {} = $1", reg.table, reg.key)).bind(&subject).execute(&mut *tx).await?;
        let updated = sqlx::query(&format!(
            "UPDATE {} SET status = $1, decided_by = $2, decided_at = $3, comment = $4 WHERE {} = $5 AND number = $6 AND status = $7",
            reg.table, reg.key
        ))
        .bind(outcome.key())
        .bind(actor)
        .bind(now_ms())
        .bind(comment)
        .bind(&subject)
        .bind(number)
        .bind(VersionStatus::Submitted.key())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::WrongStatus { reference: reference.to_string(), status: version.status.key().into(), needed: "submitted".into() });
        }
        if approve {
            sqlx::query(&format!("UPDATE {} SET status = $1 WHERE {} = $2 AND status = $3 AND number <> $4", reg.table, reg.key))
                .bind(VersionStatus::Retired.key())
                .bind(&subject)
                .bind(VersionStatus::Approved.key())
                .bind(number)
                .execute(&mut *tx)
                .await?;
        }
        audit::append(&mut tx, actor, &format!("{}_{}", reg.what, outcome.key()), reference, comment).await?;
        tx.commit().await?;
        Ok(self.registry_version(reg, &subject, number).await?.0)
    }
}
