//! Moving customers in flight between versions of a journey: a dry run (who would move from which
//! step to which) and, approved by a reviewer, the move itself, in one audited transaction.
//! Customers who cannot follow (their step is gone or changed kind) stay on their version.

use journeys_core::migration::{plan, Move};
use sqlx::Row;

use crate::users::Role;
use crate::versions::parse_reference;
use crate::{audit, now_ms, Store, StoreError};

impl Store {
    /// Customers waiting at each step of `journey_id@version`.
    async fn waiting_by_step(&self, journey_id: &str, version: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT node, COUNT(*) AS customers FROM instances \
             WHERE journey_id = $1 AND version = $2 AND status = 'waiting' GROUP BY node ORDER BY node",
        )
        .bind(journey_id)
        .bind(version)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("node")?, r.try_get("customers")?))).collect()
    }

    /// The dry run: how many customers waiting in `from` would move to which step of `to`.
    pub async fn migration_plan(&self, from: &str, to: &str) -> Result<Vec<Move>, StoreError> {
        let ((journey, old_number), (new_journey, new_number)) = (parse_reference(from)?, parse_reference(to)?);
        if journey != new_journey || old_number == new_number {
            return Err(StoreError::BadMigration(format!("{from} → {to}: both must be versions of one journey, and differ")));
        }
        let (old, new) = (self.load_version(&journey, old_number).await?, self.load_version(&journey, new_number).await?);
        Ok(plan(&old, &new, &self.waiting_by_step(&journey, old_number).await?))
    }

    /// Move the customers the plan moves (reviewers only; `to` must be live). Customers who have
    /// already entered `to` keep that instance. Returns the plan and how many customers moved.
    pub async fn migrate(&self, from: &str, to: &str, actor: &str) -> Result<(Vec<Move>, u64), StoreError> {
        self.require(actor, &[Role::Reviewer], "approve a migration").await?;
        let moves = self.migration_plan(from, to).await?;
        let (journey, old_number) = parse_reference(from)?;
        let (_, new_number) = parse_reference(to)?;
        let target = self.version(&journey, new_number).await?;
        if target.status != journeys_core::review::VersionStatus::Published {
            return Err(StoreError::WrongStatus { reference: to.to_string(), status: target.status.key().into(), needed: "published".into() });
        }
        let mut tx = self.begin_write().await?;
        let mut moved = 0;
        for m in moves.iter().filter(|m| m.to_node.is_some()) {
            let updated = sqlx::query(
                "UPDATE instances SET version = $1, updated_at = $2 \
                 WHERE journey_id = $3 AND version = $4 AND status = 'waiting' AND node = $5 \
                 AND NOT EXISTS (SELECT 1 FROM instances AS newer \
                     WHERE newer.customer_id = instances.customer_id AND newer.journey_id = instances.journey_id AND newer.version = $1)",
            )
            .bind(new_number)
            .bind(now_ms())
            .bind(&journey)
            .bind(old_number)
            .bind(&m.from_node)
            .execute(&mut *tx)
            .await?;
            moved += updated.rows_affected();
        }
        let stayed: i64 = moves.iter().filter(|m| m.to_node.is_none()).map(|m| m.customers).sum();
        audit::append(&mut tx, actor, "migrated", &format!("{from} → {to}"), &format!("{moved} moved, {stayed} stay")).await?;
        tx.commit().await?;
        Ok((moves, moved))
    }
}
