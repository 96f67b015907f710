//! Bulk inserts: each table's columns named once beside their kinds, rows given as tuples of
//! their values, written as multi-row `VALUES` statements.
//!
//! On SQLite a flush runs its full statements (one text per table, kept prepared) one by one,
//! and the uneven rest of every table together in ONE query (sqlx 0.8's SQLite worker binds
//! each statement's parameters in turn; it deprecates that for a later version, and the
//! engine tests on SQLite would catch its loss): each round trip to sqlx's SQLite worker
//! thread costs tens of microseconds, which for the engine's small batches was a good part of
//! their latency. PostgreSQL takes one statement per query.
//!
//! Rows as one JSON parameter unpacked by the database (`json_each`) was tried and was 15–25 %
//! slower on SQLite (`journeys bench engine`, alternating runs): SQLite re-parses each row.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use sqlx::{Any, Transaction};

use crate::engine_tx::{AnyQuery, Placeholders};
use crate::{Backend, StoreError};

/// Rows per statement: far below SQLite's and PostgreSQL's parameter limits.
const ROWS_PER_STATEMENT: usize = 200;

/// A column's kind, so that a NULL is bound with its column's type (PostgreSQL checks).
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
    /// The statement for `rows` rows, its parameters numbered from 1.
    fn sql(&self, placeholders: Placeholders, rows: usize) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(name, _)| *name).collect();
        let width = self.columns.len();
        let tuples: Vec<String> = (0..rows).map(|row| placeholders.tuple(row * width + 1, width)).collect();
        format!("INSERT INTO {} ({}) VALUES {}{}", self.table, names.join(", "), tuples.join(", "), self.tail)
    }

    /// `sql`, built once per table, row count and backend (`sql_texts`).
    fn kept_sql(&self, placeholders: Placeholders, rows: usize) -> Arc<str> {
        crate::sql_texts::kept(format!("insert {} {rows} {placeholders:?}", self.table), || self.sql(placeholders, rows))
    }

    /// Insert `rows`, each a tuple of its column values in order.
    pub(crate) async fn run<R: Serialize>(&self, tx: &mut Transaction<'static, Any>, backend: Backend, rows: impl IntoIterator<Item = R>) -> Result<(), StoreError> {
        let mut write = BulkWrite::default();
        write.add(self, rows)?;
        write.execute(tx, backend).await
    }
}

/// Bulk inserts into several tables, sent together at the end of a transaction.
#[derive(Default)]
pub(crate) struct BulkWrite<'a> {
    /// Each statement's insert and its rows' values, row after row.
    statements: Vec<(&'a Insert<'a>, Vec<Value>)>,
}

impl<'a> BulkWrite<'a> {
    /// Add `rows` (each a tuple of its column values in order) to insert into `insert`'s table.
    pub(crate) fn add<R: Serialize>(&mut self, insert: &'a Insert<'a>, rows: impl IntoIterator<Item = R>) -> Result<(), StoreError> {
        let corrupt = |message: String| StoreError::Corrupt { id: format!("rows for {}", insert.table), message };
        let mut values = Vec::new();
        for row in rows {
            match serde_json::to_value(row).map_err(|e| corrupt(e.to_string()))? {
                Value::Array(cells) if cells.len() == insert.columns.len() => values.extend(cells),
                other => return Err(corrupt(format!("a row of {} columns expected, got {other}", insert.columns.len()))),
            }
            if values.len() == ROWS_PER_STATEMENT * insert.columns.len() {
                self.statements.push((insert, std::mem::take(&mut values)));
            }
        }
        if !values.is_empty() {
            self.statements.push((insert, values));
        }
        Ok(())
    }

    pub(crate) async fn execute(self, tx: &mut Transaction<'static, Any>, backend: Backend) -> Result<(), StoreError> {
        let placeholders = Placeholders::of(backend);
        // Each statement's text beside its insert and values (moved into the binds, not copied).
        let statements = self.statements.into_iter().map(|(insert, values)| (insert.kept_sql(placeholders, values.len() / insert.columns.len()), insert, values));
        match backend {
            Backend::Sqlite => {
                // Full statements have one text per table: prepared once and kept. The rest
                // (row counts vary) go together in one query, kept prepared once its text
                // comes back (`sql_texts::repeated`).
                let (full, rest): (Vec<_>, Vec<_>) = statements.partition(|(_, insert, values)| values.len() == ROWS_PER_STATEMENT * insert.columns.len());
                for (sql, insert, values) in full {
                    bind_row_values(sqlx::query(&sql), insert, values)?.execute(&mut **tx).await?;
                }
                if !rest.is_empty() {
                    let sql: Vec<&str> = rest.iter().map(|(sql, _, _)| &**sql).collect();
                    let sql = sql.join(";\n");
                    let mut query = sqlx::query(&sql).persistent(crate::sql_texts::repeated(&sql));
                    for (_, insert, values) in rest {
                        query = bind_row_values(query, insert, values)?;
                    }
                    query.execute(&mut **tx).await?;
                }
            }
            Backend::Postgres => {
                for (sql, insert, values) in statements {
                    bind_row_values(sqlx::query(&sql), insert, values)?.execute(&mut **tx).await?;
                }
            }
        }
        Ok(())
    }
}

/// Bind `values` (whole rows of `insert`'s columns) in order.
fn bind_row_values<'q>(mut query: AnyQuery<'q>, insert: &Insert, values: Vec<Value>) -> Result<AnyQuery<'q>, StoreError> {
    for (i, value) in values.into_iter().enumerate() {
        let (name, col) = insert.columns[i % insert.columns.len()];
        query = match (value, col) {
            (Value::Null, Col::Text) => query.bind(Option::<String>::None),
            (Value::Null, Col::Int) => query.bind(Option::<i64>::None),
            (Value::String(text), Col::Text) => query.bind(text),
            (Value::Number(n), Col::Int) if n.is_i64() => query.bind(n.as_i64()),
            (other, _) => {
                return Err(StoreError::Corrupt { id: format!("{}.{name}", insert.table), message: format!("{other} does not fit a {col:?} column") });
            }
        };
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backend_numbers_the_rows_values() {
        let insert = Insert { table: "t", columns: &[("a", Col::Text), ("b", Col::Int)], tail: " ON CONFLICT (a) DO NOTHING" };
        assert_eq!(insert.sql(Placeholders::of(Backend::Sqlite), 2), "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON CONFLICT (a) DO NOTHING");
        assert_eq!(insert.sql(Placeholders::of(Backend::Postgres), 2), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT (a) DO NOTHING");
    }

    #[test]
    fn a_row_of_the_wrong_shape_is_an_error_naming_the_table() {
        let insert = Insert { table: "t", columns: &[("a", Col::Text), ("b", Col::Int)], tail: "" };
        let mut write = BulkWrite::default();
        let error = write.add(&insert, [("x", "not a number")]).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(write.statements.len(), 1, "the row is kept as values");
        let query = bind_row_values(sqlx::query("SELECT 1"), &insert, write.statements.remove(0).1).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.is_empty() && query.contains("t.b"), "{error} / {query}");
    }
}
