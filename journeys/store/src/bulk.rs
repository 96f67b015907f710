//! Many rows in one statement with ONE parameter: the rows as a JSON array of arrays, which
//! the database unpacks itself (`json_each` in SQLite, `json_array_elements` in PostgreSQL).
//!
//! Why: one statement text per table whatever the number of rows (no statement per row count,
//! no parameter limits to chunk around), rows serialised straight from borrowed fields, and
//! each table's columns named once beside their kinds instead of counted placeholders.
//! (`journeys bench engine` measured no speed difference from multi-row `VALUES` either way.)

use serde::Serialize;
use sqlx::{Any, Transaction};

use crate::{Backend, StoreError};

/// Rows per statement: bounds the size of one parameter (a few hundred kB).
const ROWS_PER_STATEMENT: usize = 1_000;

/// How a column's value comes out of JSON; PostgreSQL needs the cast, SQLite takes the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    Text,
    Int,
}

/// A table and the columns a bulk insert fills, in the order each row's tuple gives them.
pub(crate) struct Insert<'a> {
    pub table: &'a str,
    pub columns: &'a [(&'a str, Col)],
    /// ` ON CONFLICT …`, or empty.
    pub tail: &'a str,
}

impl Insert<'_> {
    fn sql(&self, backend: Backend) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(name, _)| *name).collect();
        let values: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, col))| match (backend, col) {
                (Backend::Sqlite, _) => format!("value ->> {i}"),
                (Backend::Postgres, Col::Text) => format!("(value ->> {i})::text"),
                (Backend::Postgres, Col::Int) => format!("(value ->> {i})::bigint"),
            })
            .collect();
        // SQLite needs a WHERE before an upsert's ON CONFLICT after a SELECT (its grammar
        // would read ON as a join constraint).
        let source = match backend {
            Backend::Sqlite => "json_each(?) WHERE true",
            Backend::Postgres => "json_array_elements($1::json) AS r(value)",
        };
        format!("INSERT INTO {} ({}) SELECT {} FROM {source}{}", self.table, names.join(", "), values.join(", "), self.tail)
    }

    /// Insert `rows`, each a tuple (or array) of its column values in order.
    pub(crate) async fn run<R: Serialize>(&self, tx: &mut Transaction<'static, Any>, backend: Backend, rows: impl IntoIterator<Item = R>) -> Result<(), StoreError> {
        let mut write = BulkWrite::default();
        write.add(self, rows)?;
        write.execute(tx, backend).await
    }
}

/// Bulk inserts into several tables, sent together at the end of a transaction. On SQLite
/// they go as ONE multi-statement query (a parameter per statement; sqlx 0.8's SQLite worker
/// binds each statement's parameters in turn, a behaviour it deprecates for a later version:
/// the engine tests on SQLite would catch its loss): each round trip to
/// sqlx's SQLite worker thread costs tens of microseconds, which for the engine's small
/// batches was a good part of the latency. PostgreSQL takes one statement per query.
#[derive(Default)]
pub(crate) struct BulkWrite<'a> {
    /// Each statement's insert and the JSON of its rows.
    statements: Vec<(&'a Insert<'a>, String)>,
}

impl<'a> BulkWrite<'a> {
    /// Add `rows` (each a tuple of its column values in order) to insert into `insert`'s table.
    pub(crate) fn add<R: Serialize>(&mut self, insert: &'a Insert<'a>, rows: impl IntoIterator<Item = R>) -> Result<(), StoreError> {
        let rows: Vec<R> = rows.into_iter().collect();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let json = serde_json::to_string(chunk).map_err(|e| StoreError::Corrupt { id: format!("rows for {}", insert.table), message: e.to_string() })?;
            self.statements.push((insert, json));
        }
        Ok(())
    }

    pub(crate) async fn execute(self, tx: &mut Transaction<'static, Any>, backend: Backend) -> Result<(), StoreError> {
        if self.statements.is_empty() {
            return Ok(());
        }
        match backend {
            Backend::Sqlite => {
                let sql: Vec<String> = self.statements.iter().map(|(insert, _)| insert.sql(backend)).collect();
                let sql = sql.join(";\n");
                let query = self.statements.into_iter().fold(sqlx::query(&sql), |q, (_, json)| q.bind(json));
                query.execute(&mut **tx).await?;
            }
            Backend::Postgres => {
                for (insert, json) in self.statements {
                    sqlx::query(&insert.sql(backend)).bind(json).execute(&mut **tx).await?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backend_reads_the_columns_in_order() {
        let insert = Insert { table: "t", columns: &[("a", Col::Text), ("b", Col::Int)], tail: " ON CONFLICT (a) DO NOTHING" };
        assert_eq!(insert.sql(Backend::Sqlite), "INSERT INTO t (a, b) SELECT value ->> 0, value ->> 1 FROM json_each(?) WHERE true ON CONFLICT (a) DO NOTHING");
        assert_eq!(
            insert.sql(Backend::Postgres),
            "INSERT INTO t (a, b) SELECT (value ->> 0)::text, (value ->> 1)::bigint FROM json_array_elements($1::json) AS r(value) ON CONFLICT (a) DO NOTHING"
        );
    }
}
