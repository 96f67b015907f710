//! What a batch will read, loaded in ONE statement that returns ONE row: each list (event ids
//! seen before, the customers' profiles, instances, sent contacts, suppressions, journey
//! standings and branches; and for the batch's start the node's leases, whether events wait
//! for their holder, and on SQLite the logs' last sequence numbers) comes back as a JSON array
//! of rows in a column of its own.
//!
//! Why: through sqlx every statement is a round trip and every returned row costs a few
//! microseconds (on SQLite each row crosses from the database's worker thread on its own). A
//! batch of 500 due wake-ups read about 3,000 rows in seven statements: 13 ms of its 43.
//! Building and parsing JSON costs the database and serde far less.

use serde::de::DeserializeOwned;
use sqlx::Row;

use crate::engine_tx::{bind_padded, rounded_up_ids, AnyQuery};
use crate::{Backend, StoreError};

/// A list the statement can return. Each is a table's rows whose key is among the batch's
/// event ids (`e`) or customer ids (`c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// `(id)` of events stored before.
    SeenEvents,
    /// `(id, profile)`.
    Profiles,
    /// `INSTANCE_COLUMNS`.
    Instances,
    /// `(customer_id, at, channel, journey_id, offer)` of sent contacts, oldest first.
    History,
    /// `(customer_id, channel)`.
    Suppressions,
    /// `(journey_id, version, customer_id, first_entered_at, entered_at, converted_at, contacts, last_offer)`.
    Standings,
    /// `(journey_id, version, customer_id, node, port, day)`.
    Branches,
    /// `(partition, epoch)` leased to the node (`read`'s `owner`); share-locked until commit
    /// on PostgreSQL.
    Leases,
    /// `(1)` if any event waits for its partition's holder.
    AnyPending,
    /// `(table, last seq)` of the logs whose numbers SQLite counts on from the highest.
    LastSeqs,
}

/// The logs `Part::LastSeqs` lists.
pub(crate) const SEQ_TABLES: [&str; 4] = ["action_log", "outbox", "journey_steps", "decision_log"];

impl Part {
    /// The statement's column for this list.
    fn column(self) -> &'static str {
        match self {
            Part::SeenEvents => "seen_events",
            Part::Profiles => "profiles",
            Part::Instances => "instances",
            Part::History => "history",
            Part::Suppressions => "suppressions",
            Part::Standings => "standings",
            Part::Branches => "branches",
            Part::Leases => "leases",
            Part::AnyPending => "any_pending",
            Part::LastSeqs => "last_seqs",
        }
    }

    /// Listed columns, `FROM …` (rows keyed by the ids `e` and `c`) and the order inside the
    /// list. `owner` is the placeholder of the node's name.
    fn shape(self, backend: Backend, owner: &str) -> (&'static str, String, &'static str) {
        let (listed, from, order) = match self {
            Part::SeenEvents => ("id", "events WHERE id IN (SELECT id FROM e)", ""),
            Part::Profiles => ("id, profile", "customers WHERE id IN (SELECT id FROM c)", ""),
            Part::Instances => (crate::engine_state::INSTANCE_COLUMNS, "instances WHERE customer_id IN (SELECT id FROM c)", ""),
            Part::History => ("customer_id, at, channel, journey_id, offer", "action_log WHERE customer_id IN (SELECT id FROM c) AND outcome = 'sent'", " ORDER BY seq"),
            Part::Suppressions => ("customer_id, channel", "suppressions WHERE customer_id IN (SELECT id FROM c)", ""),
            Part::Standings => (
                "journey_id, version, customer_id, first_entered_at, entered_at, converted_at, contacts, last_offer",
                "journey_customers WHERE customer_id IN (SELECT id FROM c)",
                "",
            ),
            Part::Branches => ("journey_id, version, customer_id, node, port, day", "journey_customer_branches WHERE customer_id IN (SELECT id FROM c)", ""),
            Part::Leases => {
                let lock = if backend == Backend::Postgres { " FOR SHARE" } else { "" };
                let from = format!("(SELECT partition, epoch FROM partition_leases WHERE owner = {owner} ORDER BY partition{lock}) AS mine");
                return ("partition, epoch", from, "");
            }
            Part::AnyPending => ("one", "(SELECT 1 AS one FROM events WHERE pending = 1 LIMIT 1) AS waiting", ""),
            Part::LastSeqs => {
                let each: Vec<String> = SEQ_TABLES.iter().map(|t| format!("SELECT '{t}' AS name, COALESCE(MAX(seq), 0) AS last FROM {t}")).collect();
                return ("name, last", format!("({}) AS last_seqs", each.join(" UNION ALL ")), "");
            }
        };
        (listed, from.to_string(), order)
    }

    fn reads_events(self) -> bool {
        self == Part::SeenEvents
    }

    fn reads_customers(self) -> bool {
        !matches!(self, Part::SeenEvents | Part::Leases | Part::AnyPending | Part::LastSeqs)
    }
}

/// The one-row statement for `parts`, with room for `events` event ids and `customers`
/// customer ids (both rounded up, so each batch size does not make a statement of its own).
fn sql(backend: Backend, parts: &[Part], events: usize, customers: usize) -> String {
    let mut next = 0;
    let mut ids = |n: usize| {
        let rows: Vec<String> = (0..n)
            .map(|_| {
                next += 1;
                match backend {
                    Backend::Sqlite => "(?)".to_string(),
                    Backend::Postgres => format!("(${next}::text)"),
                }
            })
            .collect();
        rows.join(", ")
    };
    let mut lists = Vec::new();
    if parts.iter().any(|p| p.reads_events()) {
        lists.push(format!("e(id) AS (VALUES {})", ids(events)));
    }
    if parts.iter().any(|p| p.reads_customers()) {
        lists.push(format!("c(id) AS (VALUES {})", ids(customers)));
    }
    let owner = match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${}", next + 1),
    };
    let with = if lists.is_empty() { String::new() } else { format!("WITH {} ", lists.join(", ")) };
    let columns: Vec<String> = parts
        .iter()
        .map(|part| {
            let (listed, from, order) = part.shape(backend, &owner);
            format!("(SELECT {} FROM {from}) AS {}", json_list(backend, listed, order), part.column())
        })
        .collect();
    format!("{with}SELECT {}", columns.join(", "))
}

/// The aggregate that lists the rows as one JSON text: each row an array of the `listed`
/// columns, in `order` (` ORDER BY …` or empty).
pub(crate) fn json_list(backend: Backend, listed: &str, order: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json_group_array(json_array({listed}){order})"),
        Backend::Postgres => format!("json_agg(json_build_array({listed}){order})::text"),
    }
}

/// The rows `json_list` listed in `column`, each decoded into `T` (a tuple of the columns).
pub(crate) fn decode_list<T: DeserializeOwned>(row: &sqlx::any::AnyRow, column: &str) -> Result<Vec<T>, StoreError> {
    // PostgreSQL's json_agg of no rows is NULL; SQLite's is `[]`.
    let Some(text) = row.try_get::<Option<String>, _>(column)? else { return Ok(Vec::new()) };
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt { id: format!("listed {column}"), message: e.to_string() })
}

/// The lists of `parts` for these event and customer ids (at most `IDS_PER_QUERY` of each).
pub(crate) struct Found(sqlx::any::AnyRow);

impl Found {
    /// The rows of `part`, each decoded into `T` (a tuple of the columns).
    pub(crate) fn rows<T: DeserializeOwned>(&self, part: Part) -> Result<Vec<T>, StoreError> {
        decode_list(&self.0, part.column())
    }
}

/// `owner` is the node whose leases `Part::Leases` lists.
pub(crate) async fn read(conn: &mut sqlx::AnyConnection, backend: Backend, parts: &[Part], events: &[&str], customers: &[&str], owner: &str) -> Result<Found, StoreError> {
    let (event_room, customer_room) = (rounded_up_ids(events.len()), rounded_up_ids(customers.len()));
    let reads_events = parts.iter().any(|p| p.reads_events());
    let reads_customers = parts.iter().any(|p| p.reads_customers());
    let sql = crate::sql_texts::kept(format!("prefetch {backend:?} {parts:?} {event_room} {customer_room}"), || sql(backend, parts, event_room, customer_room));
    let mut query: AnyQuery<'_> = sqlx::query(&sql);
    if reads_events {
        query = bind_padded(query, events, event_room);
    }
    if reads_customers {
        query = bind_padded(query, customers, customer_room);
    }
    if parts.contains(&Part::Leases) {
        query = query.bind(owner.to_string());
    }
    Ok(Found(query.fetch_one(conn).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_lists_each_part_from_the_ids_it_is_keyed_by() {
        let sqlite = sql(Backend::Sqlite, &[Part::SeenEvents, Part::History], 1, 4);
        assert_eq!(
            sqlite,
            "WITH e(id) AS (VALUES (?)), c(id) AS (VALUES (?), (?), (?), (?)) SELECT \
             (SELECT json_group_array(json_array(id)) FROM events WHERE id IN (SELECT id FROM e)) AS seen_events, \
             (SELECT json_group_array(json_array(customer_id, at, channel, journey_id, offer) ORDER BY seq) \
             FROM action_log WHERE customer_id IN (SELECT id FROM c) AND outcome = 'sent') AS history"
        );
        let postgres = sql(Backend::Postgres, &[Part::Profiles, Part::Leases], 0, 1);
        assert_eq!(
            postgres,
            "WITH c(id) AS (VALUES ($1::text)) SELECT \
             (SELECT json_agg(json_build_array(id, profile))::text FROM customers WHERE id IN (SELECT id FROM c)) AS profiles, \
             (SELECT json_agg(json_build_array(partition, epoch))::text FROM \
             (SELECT partition, epoch FROM partition_leases WHERE owner = $2 ORDER BY partition FOR SHARE) AS mine) AS leases"
        );
    }
}
