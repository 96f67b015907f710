//! The customer schema in force: applied by admins, versioned, audited, and never changed so
//! that a running version would read an attribute that is gone or of another type.

use journeys_core::customer_schema::{AppliedSchema, CustomerSchema};
use journeys_core::review::VersionStatus;
use sqlx::Row;

use crate::{audit, now_ms, Role, Store, StoreError};

impl Store {
    /// The schema in force (empty, version 0, until an admin applies one).
    pub async fn customer_schema(&self) -> Result<AppliedSchema, StoreError> {
        let row = sqlx::query("SELECT version, document, applied_by, applied_at FROM customer_schemas ORDER BY version DESC LIMIT 1").fetch_optional(&self.pool).await?;
        let Some(row) = row else {
            return Ok(AppliedSchema { version: 0, schema: CustomerSchema::default(), applied_by: None, applied_at: None });
        };
        let version: i64 = row.try_get("version")?;
        let document: String = row.try_get("document")?;
        let schema = serde_json::from_str(&document).map_err(|e| StoreError::Corrupt { id: format!("customer schema {version}"), message: e.to_string() })?;
        Ok(AppliedSchema { version, schema, applied_by: Some(row.try_get("applied_by")?), applied_at: Some(row.try_get("applied_at")?) })
    }

    /// Apply `schema` as the next version (admins). Refused, naming the versions, when it
    /// removes or retypes an attribute a published or paused version reads; adding is always
    /// allowed. Returns the new version number.
    pub async fn apply_customer_schema(&self, schema: &CustomerSchema, actor: &str) -> Result<i64, StoreError> {
        self.require(actor, &[Role::Admin], "apply the customer schema").await?;
        schema.check().map_err(|e| StoreError::InvalidSchema(e.to_string()))?;
        let current = self.customer_schema().await?;
        let mut reads = Vec::new();
        for version in self.all_versions().await? {
            if matches!(version.status, VersionStatus::Published | VersionStatus::Paused) {
                let journey = self.load_version(&version.journey_id, version.number).await?;
                reads.push((version.reference(), journeys_core::template::requirements(&journey).attributes));
            }
        }
        let broken = current.schema.breaking_changes(schema, reads.iter().map(|(r, a)| (r.as_str(), a)));
        if !broken.is_empty() {
            return Err(StoreError::SchemaBreaksVersions(broken));
        }
        let version = current.version + 1;
        self.insert_schema(version, schema, actor).await?;
        Ok(version)
    }

    /// A new sample database starts with the sample bank's schema (core's `SAMPLE_SCHEMA`).
    pub(crate) async fn seed_sample_schema(&self) -> Result<(), StoreError> {
        if self.customer_schema().await?.version == 0 {
            let sample = CustomerSchema::parse(journeys_core::customer_schema::SAMPLE_SCHEMA).map_err(|e| StoreError::InvalidSchema(e.to_string()))?;
            self.insert_schema(1, &sample, "sample data").await?;
        }
        Ok(())
    }

    async fn insert_schema(&self, version: i64, schema: &CustomerSchema, actor: &str) -> Result<(), StoreError> {
        let document = serde_json::to_string(schema).map_err(|e| StoreError::InvalidSchema(e.to_string()))?;
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO customer_schemas (version, document, applied_by, applied_at) VALUES ($1, $2, $3, $4)")
            .bind(version)
            .bind(&document)
            .bind(actor)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        let names: Vec<&str> = schema.attributes.iter().map(|a| a.name.as_str()).collect();
        audit::append(&mut tx, actor, "customer_schema_applied", &format!("customer schema {version}"), &format!("{} attributes: {}", names.len(), names.join(", "))).await?;
        tx.commit().await?;
        Ok(())
    }
}
