//! The store's input layer: text from outside is checked with core's one rule (`core::text`)
//! before it is bound into SQL, so SQLite and PostgreSQL refuse the same things (PostgreSQL
//! cannot store a NUL; SQLite would). Callers that know a line or item number check earlier
//! with the same functions; this is the boundary that holds whatever the caller did.

use journeys_core::text;

use crate::StoreError;

pub(crate) fn id(field: &str, value: &str) -> Result<(), StoreError> {
    Ok(text::check_id(field, value)?)
}

pub(crate) fn free_text(field: &str, value: &str) -> Result<(), StoreError> {
    Ok(text::check_free_text(field, value)?)
}

pub(crate) fn ids<'a>(field: &str, values: impl IntoIterator<Item = &'a str>) -> Result<(), StoreError> {
    values.into_iter().try_for_each(|v| id(field, v))
}
