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

/// Where a part's `FROM …` puts the list of the batch's event ids, and of its customer ids.
const EVENT_IDS: &str = "{e}";
const CUSTOMER_IDS: &str = "{c}";

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
            Part::SeenEvents => ("id", "events WHERE id IN {e}", ""),
            Part::Profiles => ("id, profile", "customers WHERE id IN {c}", ""),
            Part::Instances => (crate::engine_state::INSTANCE_COLUMNS, "instances WHERE customer_id IN {c}", ""),
            Part::History => ("customer_id, at, channel, journey_id, offer", "action_log WHERE customer_id IN {c} AND outcome = 'sent'", " ORDER BY seq"),
            Part::Suppressions => ("customer_id, channel", "suppressions WHERE customer_id IN {c}", ""),
            Part::Standings => (
                "journey_id, version, customer_id, first_entered_at, entered_at, converted_at, contacts, last_offer",
                "journey_customers WHERE customer_id IN {c}",
                "",
            ),
            Part::Branches => ("journey_id, version, customer_id, node, port, day", "journey_customer_branches WHERE customer_id IN {c}", ""),
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

/// The one-row statement for `parts`, with room for `events` event ids and `customers` customer
/// ids (both rounded up, so each batch size does not make a statement of its own).
///
/// SQLite reads the ids from two `VALUES` lists named once (`e`, `c`). PostgreSQL gets the
/// ids as a plain `IN ($1, …)` list in each sub-select, the same parameters used again: its
/// planner cannot estimate how many rows of a table match a list in a `WITH`, and chose hash
/// joins over whole-table scans, which grew with the tables (a batch's reads took 3 ms with
/// 5,000 instances and 50 ms with 60,000). With the list in place it probes the indexes.
fn sql(backend: Backend, parts: &[Part], events: usize, customers: usize) -> String {
    let placeholders = |first: usize, n: usize| -> String {
        let each: Vec<String> = (first..first + n)
            .map(|i| match backend {
                Backend::Sqlite => "(?)".to_string(),
                Backend::Postgres => format!("${i}::text"),
            })
            .collect();
        each.join(", ")
    };
    let event_room = if parts.iter().any(|p| p.reads_events()) { events } else { 0 };
    let customer_room = if parts.iter().any(|p| p.reads_customers()) { customers } else { 0 };
    let (event_ids, customer_ids) = (placeholders(1, event_room), placeholders(1 + event_room, customer_room));
    let (in_events, in_customers, with) = match backend {
        Backend::Sqlite => {
            let mut lists = Vec::new();
            if event_room > 0 {
                lists.push(format!("e(id) AS (VALUES {event_ids})"));
            }
            if customer_room > 0 {
                lists.push(format!("c(id) AS (VALUES {customer_ids})"));
            }
            let with = if lists.is_empty() { String::new() } else { format!("WITH {} ", lists.join(", ")) };
            ("(SELECT id FROM e)".to_string(), "(SELECT id FROM c)".to_string(), with)
        }
        Backend::Postgres => (format!("({event_ids})"), format!("({customer_ids})"), String::new()),
    };
    let owner = match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${}", event_room + customer_room + 1),
    };
    let columns: Vec<String> = parts
        .iter()
        .map(|part| {
            let (listed, from, order) = part.shape(backend, &owner);
            let from = from.replace(EVENT_IDS, &in_events).replace(CUSTOMER_IDS, &in_customers);
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
            "SELECT \
             (SELECT json_agg(json_build_array(id, profile))::text FROM customers WHERE id IN ($1::text)) AS profiles, \
             (SELECT json_agg(json_build_array(partition, epoch))::text FROM \
             (SELECT partition, epoch FROM partition_leases WHERE owner = $2 ORDER BY partition FOR SHARE) AS mine) AS leases"
        );
    }

    /// PostgreSQL plans a batch's reads as index probes even in tables it has no statistics
    /// for yet, as in a new database's first minute. It used to scan them whole, every batch
    /// (this plan, for 500 real ids, had three `Seq Scan`s before `Store::engine_tx` turned
    /// them off). The plan is the generic one the engine's transactions use.
    #[tokio::test]
    async fn postgres_reads_a_batch_by_index_from_tables_it_has_no_statistics_for() -> Result<(), Box<dyn std::error::Error>> {
        use sqlx::Connection as _;
        let Ok(base) = std::env::var("JOURNEYS_TEST_POSTGRES_URL") else {
            assert!(std::env::var_os("CI").is_none(), "CI must run the PostgreSQL tests: JOURNEYS_TEST_POSTGRES_URL is not set");
            eprintln!("skipping PostgreSQL: JOURNEYS_TEST_POSTGRES_URL is not set (`cargo xtask test` starts a server)");
            return Ok(());
        };
        sqlx::any::install_default_drivers();
        let name = format!("journeys_prefetch_plan_{}", std::process::id());
        let mut admin = sqlx::AnyConnection::connect(&base).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await?;
        let url = format!("{}/{name}", base.rsplit_once('/').map_or(base.as_str(), |(prefix, _)| prefix));
        let store = crate::Store::open(&url).await?;
        // Never analyzed yet: autovacuum looks at a database once a minute.
        let mut conn = sqlx::AnyConnection::connect(&url).await?;
        for statement in [
            "INSERT INTO events (id, customer_id, type, time, attributes, received_at, partition, pending) \
             SELECT 'e' || i, 'C' || i, 'opened', i, '{}', i, i % 256, 0 FROM generate_series(1, 30000) AS i",
            "INSERT INTO instances (customer_id, journey_id, version, node, status, wake_at, state, entered_at, updated_at, partition) \
             SELECT 'C' || i, 'j', 1, 'wait', 'waiting', i, '{}', i, i, i % 256 FROM generate_series(1, 30000) AS i",
        ] {
            sqlx::query(statement).execute(&mut conn).await?;
        }
        conn.close().await?;
        let mut tx = store.engine_tx().await?;
        let parts = [Part::SeenEvents, Part::Profiles, Part::Instances, Part::History, Part::Standings, Part::Branches, Part::Leases, Part::AnyPending];
        sqlx::query(&format!("PREPARE batch_reads AS {}", sql(Backend::Postgres, &parts, 500, 500))).execute(&mut *tx.conn()).await?;
        let ids: Vec<String> = (1..=500).map(|i| format!("'e{i}'")).chain((1..=500).map(|i| format!("'C{i}'"))).collect();
        // The generic plan the engine's transactions use, then a plan for these very ids.
        for mode in ["force_generic_plan", "force_custom_plan"] {
            if mode == "force_custom_plan" {
                sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan").execute(&mut *tx.conn()).await?;
            }
            let plan: Vec<String> = sqlx::query(&format!("EXPLAIN EXECUTE batch_reads({}, 'node')", ids.join(", ")))
                .fetch_all(&mut *tx.conn())
                .await?
                .iter()
                .map(|row| row.try_get::<String, _>(0))
                .collect::<Result<_, _>>()?;
            let plan = plan.join("\n");
            for table in ["events", "instances"] {
                assert!(plan.contains(&format!(" on {table}")) && !plan.contains(&format!("Seq Scan on {table}")), "{mode}: {table} is read by index:\n{plan}");
            }
        }
        drop(tx);
        store.close().await;
        sqlx::query(&format!("DROP DATABASE {name}")).execute(&mut admin).await?;
        Ok(())
    }
}
