//! Drafts: the editable copy of a journey, with a revision number so that a save made
//! against a stale copy is refused instead of silently overwriting someone else's work.

use journeys_core::{parse_journey, to_pretty_json, DraftSummary, Journey, StoredDraft};
use sqlx::Row;

use crate::users::Role;
use crate::{audit, now_ms, Store, StoreError};

/// Who may create and change drafts.
const EDITORS: &[Role] = &[Role::Designer, Role::Admin];

impl Store {
    pub async fn list_drafts(&self) -> Result<Vec<DraftSummary>, StoreError> {
        let rows = sqlx::query("SELECT id, name, revision, updated_at FROM journey_drafts ORDER BY name, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DraftSummary {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    revision: r.try_get("revision")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// Store a new draft at revision 1 (designers and admins).
    pub async fn create_draft(&self, journey: &Journey, actor: &str) -> Result<StoredDraft, StoreError> {
        self.require(actor, EDITORS, "create a draft").await?;
        self.insert_draft(journey, Some(actor)).await
    }

    /// The insert behind `create_draft`; `actor` is `None` only for the samples of a new database.
    pub(crate) async fn insert_draft(&self, journey: &Journey, actor: Option<&str>) -> Result<StoredDraft, StoreError> {
        check_names(journey)?;
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let result = sqlx::query(
            "INSERT INTO journey_drafts (id, name, document, revision, created_at, updated_at) \
             VALUES ($1, $2, $3, 1, $4, $4)",
        )
        .bind(&journey.id)
        .bind(&journey.name)
        .bind(to_pretty_json(journey))
        .bind(now)
        .execute(&mut *tx)
        .await;
        match result {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(StoreError::AlreadyExists { what: "journey", id: journey.id.clone() }),
            Err(e) => return Err(e.into()),
        }
        if let Some(actor) = actor {
            record_editor(&mut tx, &journey.id, actor).await?;
            audit::append(&mut tx, actor, "draft_created", &journey.id, "revision 1").await?;
        }
        tx.commit().await?;
        Ok(StoredDraft { journey: journey.clone(), revision: 1, updated_at: now })
    }

    /// A new draft holding just a trigger, with an id derived from `name` and not yet taken.
    pub async fn create_blank_draft(&self, name: &str, actor: &str) -> Result<StoredDraft, StoreError> {
        self.create_draft_named(&Journey::blank("new", name), name, actor).await
    }

    /// A new draft with `content`'s steps and settings, named `name`, under the first id derived
    /// from the name that is not yet taken (`name`, `name-2`, …). Gallery metadata is dropped.
    pub async fn create_draft_named(&self, content: &Journey, name: &str, actor: &str) -> Result<StoredDraft, StoreError> {
        let base = journeys_core::model::slugify(name);
        self.create_under_free_id(&base, actor, |id| {
            let mut journey = journeys_core::template::instantiate(content, id);
            journey.name = name.to_string();
            journey
        })
        .await
    }

    /// A new draft from an imported journey file: everything as in the file, under the file's id
    /// when it is free, else the first free `id-2`, `id-3`, … (importing never overwrites a draft).
    pub async fn import_draft(&self, journey: &Journey, actor: &str) -> Result<StoredDraft, StoreError> {
        self.create_under_free_id(&journey.id, actor, |id| Journey { id: id.to_string(), ..journey.clone() }).await
    }

    /// Create the draft `make` builds for the first id not yet taken: `base`, `base-2`, ….
    async fn create_under_free_id(&self, base: &str, actor: &str, make: impl Fn(&str) -> Journey) -> Result<StoredDraft, StoreError> {
        for n in 1..1000 {
            let id = if n == 1 { base.to_string() } else { format!("{base}-{n}") };
            match self.create_draft(&make(&id), actor).await {
                Err(StoreError::AlreadyExists { .. }) => continue,
                other => return other,
            }
        }
        Err(StoreError::AlreadyExists { what: "journey", id: base.to_string() })
    }

    pub async fn load_draft(&self, id: &str) -> Result<StoredDraft, StoreError> {
        let row = sqlx::query("SELECT document, revision, updated_at FROM journey_drafts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        let document: String = row.try_get("document")?;
        let journey = parse_journey(&document).map_err(|e| StoreError::Corrupt { id: id.to_string(), message: e.to_string() })?;
        Ok(StoredDraft { journey, revision: row.try_get("revision")?, updated_at: row.try_get("updated_at")? })
    }

    /// Save `journey` over the draft at `expected_revision` (designers and admins); returns the
    /// new revision. The check and the write are one statement, so two savers cannot both win.
    pub async fn save_draft(&self, journey: &Journey, expected_revision: i64, actor: &str) -> Result<i64, StoreError> {
        self.require(actor, EDITORS, "edit a draft").await?;
        check_names(journey)?;
        let mut tx = self.begin_write().await?;
        let result = sqlx::query(
            "UPDATE journey_drafts SET name = $1, document = $2, revision = revision + 1, updated_at = $3 \
             WHERE id = $4 AND revision = $5",
        )
        .bind(&journey.name)
        .bind(to_pretty_json(journey))
        .bind(now_ms())
        .bind(&journey.id)
        .bind(expected_revision)
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() == 1 {
            let revision = expected_revision + 1;
            record_editor(&mut tx, &journey.id, actor).await?;
            audit::append(&mut tx, actor, "draft_saved", &journey.id, &format!("revision {revision}")).await?;
            tx.commit().await?;
            return Ok(revision);
        }
        tx.rollback().await?;
        let current = sqlx::query("SELECT revision FROM journey_drafts WHERE id = $1")
            .bind(&journey.id)
            .fetch_optional(&self.pool)
            .await?;
        match current {
            None => Err(StoreError::NotFound(journey.id.clone())),
            Some(row) => Err(StoreError::Conflict { id: journey.id.clone(), expected: expected_revision, actual: row.try_get("revision")? }),
        }
    }

    /// Who edited the draft of `journey_id` since its last submission, by name.
    pub async fn draft_editors(&self, journey_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT user_name FROM draft_editors WHERE journey_id = $1 ORDER BY user_name")
            .bind(journey_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("user_name")?)).collect()
    }
}

async fn record_editor(tx: &mut sqlx::Transaction<'_, sqlx::Any>, journey_id: &str, actor: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO draft_editors (journey_id, user_name) VALUES ($1, $2) ON CONFLICT (journey_id, user_name) DO NOTHING")
        .bind(journey_id)
        .bind(actor)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The journey's id and name go into columns of their own (the document is escaped JSON).
fn check_names(journey: &Journey) -> Result<(), StoreError> {
    crate::input::id("journey id", &journey.id)?;
    crate::input::free_text("journey name", &journey.name)
}
