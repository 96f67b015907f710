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

impl<'i> Insert<'i> {
    /// The statement for `rows` rows, its parameters numbered from 1.
    fn sql(&self, placeholders: Placeholders, rows: usize) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(name, _)| *name).collect();
        let width = self.columns.len();
        let tuples: Vec<String> = (0..rows).map(|row| placeholders.tuple(row * width + 1, width)).collect();
        format!("INSERT INTO {} ({}) VALUES {}{}", self.table, names.join(", "), tuples.join(", "), self.tail)
    }

    /// `sql`, built once per table, conflict clause, row count and backend (`sql_texts`).
    fn kept_sql(&self, placeholders: Placeholders, rows: usize) -> Arc<str> {
        crate::sql_texts::kept(format!("insert {} {rows} {placeholders:?}{}", self.table, self.tail), || self.sql(placeholders, rows))
    }

    /// Insert `rows`, each a tuple of its column values in order.
    pub(crate) async fn run<'r, R: Row<'r>>(&'r self, tx: &mut Transaction<'static, Any>, backend: Backend, rows: impl IntoIterator<Item = R>) -> Result<(), StoreError> {
        let mut write = BulkWrite::default();
        write.add(self, rows)?;
        write.execute(tx, backend).await
    }
}

/// One value of a row, borrowed from the rows being written: bound as it is, no copy on the
/// way (rows used to pass through `serde_json::Value`, a copy of every text and a tenth of
/// the engine's time on PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'r> {
    Text(Option<&'r str>),
    Int(Option<i64>),
}

impl Cell<'_> {
    fn kind(self) -> Col {
        match self {
            Cell::Text(_) => Col::Text,
            Cell::Int(_) => Col::Int,
        }
    }
}

/// A value a row tuple may hold.
pub(crate) trait IntoCell<'r> {
    fn cell(self) -> Cell<'r>;
}

impl<'r> IntoCell<'r> for &'r str {
    fn cell(self) -> Cell<'r> {
        Cell::Text(Some(self))
    }
}

impl<'r> IntoCell<'r> for &'r String {
    fn cell(self) -> Cell<'r> {
        Cell::Text(Some(self))
    }
}

impl<'r, 's: 'r> IntoCell<'r> for &'r &'s str {
    fn cell(self) -> Cell<'r> {
        Cell::Text(Some(self))
    }
}

impl<'r> IntoCell<'r> for &'r Option<String> {
    fn cell(self) -> Cell<'r> {
        Cell::Text(self.as_deref())
    }
}

impl<'r> IntoCell<'r> for i64 {
    fn cell(self) -> Cell<'r> {
        Cell::Int(Some(self))
    }
}

impl<'r> IntoCell<'r> for &i64 {
    fn cell(self) -> Cell<'r> {
        Cell::Int(Some(*self))
    }
}

impl<'r> IntoCell<'r> for Option<i64> {
    fn cell(self) -> Cell<'r> {
        Cell::Int(self)
    }
}

/// A row: a tuple of values in its insert's column order.
pub(crate) trait Row<'r> {
    fn push_cells(self, cells: &mut Vec<Cell<'r>>);
}

macro_rules! row_tuple {
    ($($value:ident),+) => {
        impl<'r, $($value: IntoCell<'r>),+> Row<'r> for ($($value,)+) {
            #[allow(non_snake_case)]
            fn push_cells(self, cells: &mut Vec<Cell<'r>>) {
                let ($($value,)+) = self;
                $(cells.push($value.cell());)+
            }
        }
    };
}

row_tuple!(A, B);
row_tuple!(A, B, C);
row_tuple!(A, B, C, D, E, F);
row_tuple!(A, B, C, D, E, F, G);
row_tuple!(A, B, C, D, E, F, G, H);
row_tuple!(A, B, C, D, E, F, G, H, I, J);
row_tuple!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O);

/// Bulk inserts into several tables, sent together at the end of a transaction.
#[derive(Default)]
pub(crate) struct BulkWrite<'r> {
    /// Each statement's insert and its rows' cells, row after row.
    statements: Vec<(&'r Insert<'r>, Vec<Cell<'r>>)>,
}

impl<'r> BulkWrite<'r> {
    /// Add `rows` (each a tuple of its column values in order) to insert into `insert`'s table.
    pub(crate) fn add<R: Row<'r>>(&mut self, insert: &'r Insert<'r>, rows: impl IntoIterator<Item = R>) -> Result<(), StoreError> {
        let width = insert.columns.len();
        let mut cells = Vec::new();
        for row in rows {
            let start = cells.len();
            row.push_cells(&mut cells);
            if cells.len() - start != width {
                return Err(StoreError::Corrupt { id: format!("rows for {}", insert.table), message: format!("a row of {width} columns expected, got {}", cells.len() - start) });
            }
            for ((name, col), cell) in insert.columns.iter().zip(&cells[start..]) {
                if cell.kind() != *col {
                    return Err(StoreError::Corrupt { id: format!("{}.{name}", insert.table), message: format!("{cell:?} does not fit a {col:?} column") });
                }
            }
            if cells.len() == ROWS_PER_STATEMENT * width {
                self.statements.push((insert, std::mem::take(&mut cells)));
            }
        }
        if !cells.is_empty() {
            self.statements.push((insert, cells));
        }
        Ok(())
    }

    pub(crate) async fn execute(self, tx: &mut Transaction<'static, Any>, backend: Backend) -> Result<(), StoreError> {
        let placeholders = Placeholders::of(backend);
        // Each statement's text beside its insert and cells.
        let statements = self.statements.into_iter().map(|(insert, cells)| (insert.kept_sql(placeholders, cells.len() / insert.columns.len()), insert, cells));
        match backend {
            Backend::Sqlite => {
                // Full statements have one text per table: prepared once and kept. The rest
                // (row counts vary) go together in one query, kept prepared once its text
                // comes back (`sql_texts::repeated`).
                let (full, rest): (Vec<_>, Vec<_>) = statements.partition(|(_, insert, cells)| cells.len() == ROWS_PER_STATEMENT * insert.columns.len());
                for (sql, _, cells) in full {
                    bind_cells(sqlx::query(&sql), &cells).execute(&mut **tx).await?;
                }
                if !rest.is_empty() {
                    let sql: Vec<&str> = rest.iter().map(|(sql, _, _)| &**sql).collect();
                    let sql = sql.join(";\n");
                    let query = sqlx::query(&sql).persistent(crate::sql_texts::repeated(&sql));
                    let query = rest.iter().fold(query, |query, (_, _, cells)| bind_cells(query, cells));
                    query.execute(&mut **tx).await?;
                }
            }
            Backend::Postgres => {
                for (sql, _, cells) in statements {
                    bind_cells(sqlx::query(&sql), &cells).execute(&mut **tx).await?;
                }
            }
        }
        Ok(())
    }
}

/// Bind `cells` (whole rows, kinds checked by `add`) in order.
fn bind_cells<'q>(query: AnyQuery<'q>, cells: &[Cell<'q>]) -> AnyQuery<'q> {
    cells.iter().fold(query, |query, cell| match *cell {
        Cell::Text(text) => query.bind(text),
        Cell::Int(n) => query.bind(n),
    })
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
        assert!(error.contains("t.b"), "{error}");
        let error = write.add(&insert, [("x", 1, 2)]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("rows for t") && error.contains("2 columns expected, got 3"), "{error}");
        assert!(write.statements.is_empty(), "nothing of a bad row is kept");
        write.add(&insert, [("x", 1), ("y", 2)]).expect("rows that fit");
        assert_eq!(write.statements[0].1, vec![Cell::Text(Some("x")), Cell::Int(Some(1)), Cell::Text(Some("y")), Cell::Int(Some(2))]);
    }
}
