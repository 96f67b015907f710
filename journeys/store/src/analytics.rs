//! Journey analytics on the engine's tables (migration 0008): the step log, who entered and
//! converted, and per-day counters kept in the engine's transaction (`EngineTx`), read back as
//! core's `analytics::LiveReport` and `Portfolio` (plain serde types for the dashboard).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use journeys_core::analytics::{self, metric, LiveReport, Portfolio, RollupRow};
use sqlx::Row;

use crate::engine_state::EngineTx;
use crate::bulk::{BulkWrite, Col::{Int, Text}, Insert};
use crate::prefetch::{Found, Part};
use crate::{Store, StoreError};

/// One row of the step log.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub journey_id: String,
    pub version: i64,
    pub customer_id: String,
    pub at: i64,
    /// moved, contact, held_out, decided, goal, exited, converted.
    pub kind: String,
    pub node: String,
    pub port: Option<String>,
    pub to_node: Option<String>,
    pub detail: Option<String>,
}

/// A customer's standing in one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JourneyCustomer {
    pub first_entered_at: i64,
    pub entered_at: i64,
    pub converted_at: Option<i64>,
    pub contacts: i64,
    /// The offer of the latest sent contact that carried one.
    pub last_offer: Option<String>,
}

/// (journey, version, customer).
type CustomerKey = (String, i64, String);

/// What a transaction adds to the counters and the step log, written at commit as multi-row
/// statements (like the engine's other buffered tables): counter deltas summed per key. The
/// customers' standing and branches are read once (prefetched with the batch) and kept here;
/// changed ones are written at commit.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// (journey, version, day, metric, k1, k2) → delta.
    counters: BTreeMap<(String, i64, i64, String, String, String), i64>,
    steps: Vec<(i64, StepRecord)>,
    customers: HashMap<CustomerKey, Option<JourneyCustomer>>,
    changed_customers: BTreeSet<CustomerKey>,
    /// Of those, the ones not stored yet (first entries): a plain insert.
    new_customers: HashSet<CustomerKey>,
    branches: HashMap<CustomerKey, Vec<(String, String, i64)>>,
    new_branches: Vec<(CustomerKey, String, String, i64)>,
    /// Customers whose rows (every version) are all in `customers` and `branches`.
    loaded: HashSet<String>,
}

/// Add a transaction's pending steps, standings, branches and counter deltas to its bulk
/// write (from `EngineTx::commit`).
pub(crate) fn add_to<'a>(write: &mut BulkWrite<'a>, pending: &'a Pending) -> Result<(), StoreError> {
    write.add(&STEPS, pending.steps.iter().map(|(seq, s)| step_row(*seq, s)))?;
    let customers = |new: bool| {
        let changed = pending.changed_customers.iter().filter(move |k| pending.new_customers.contains(*k) == new);
        changed.filter_map(|k| Some((k, pending.customers.get(k)?.as_ref()?))).map(|((j, v, c), jc)| (j, v, c, jc.first_entered_at, jc.entered_at, jc.converted_at, jc.contacts, &jc.last_offer))
    };
    write.add(&NEW_CUSTOMERS, customers(true))?;
    write.add(&CUSTOMERS, customers(false))?;
    write.add(&BRANCHES, pending.new_branches.iter().map(|((j, v, c), node, port, day)| (j, v, c, node, port, day)))?;
    write.add(&ROLLUP, pending.counters.iter().filter(|(_, n)| **n != 0).map(|((j, v, day, m, k1, k2), n)| (j, v, day, m, k1, k2, n)))
}

type StepRow<'a> = (i64, &'a str, i64, &'a str, i64, &'a str, &'a str, &'a Option<String>, &'a Option<String>, &'a Option<String>);

/// A step's columns in `STEPS` order.
fn step_row(seq: i64, s: &StepRecord) -> StepRow<'_> {
    (seq, &s.journey_id, s.version, &s.customer_id, s.at, &s.kind, &s.node, &s.port, &s.to_node, &s.detail)
}

const STEPS: Insert = Insert {
    table: "journey_steps",
    columns: &[
        ("seq", Int),
        ("journey_id", Text),
        ("version", Int),
        ("customer_id", Text),
        ("at", Int),
        ("kind", Text),
        ("node", Text),
        ("port", Text),
        ("to_node", Text),
        ("detail", Text),
    ],
    tail: "",
};
/// First entries (`Pending::new_customers`).
const NEW_CUSTOMERS: Insert = Insert { tail: "", ..CUSTOMERS };
const CUSTOMERS: Insert = Insert {
    table: "journey_customers",
    columns: &[
        ("journey_id", Text),
        ("version", Int),
        ("customer_id", Text),
        ("first_entered_at", Int),
        ("entered_at", Int),
        ("converted_at", Int),
        ("contacts", Int),
        ("last_offer", Text),
    ],
    tail: " ON CONFLICT (journey_id, version, customer_id) DO UPDATE SET entered_at = excluded.entered_at, \
           converted_at = excluded.converted_at, contacts = excluded.contacts, last_offer = excluded.last_offer",
};
const BRANCHES: Insert = Insert {
    table: "journey_customer_branches",
    columns: &[("journey_id", Text), ("version", Int), ("customer_id", Text), ("node", Text), ("port", Text), ("day", Int)],
    // Only branches the transaction read as not taken yet (`note_branch`).
    tail: "",
};
const ROLLUP: Insert = Insert {
    table: "journey_rollup",
    columns: &[("journey_id", Text), ("version", Int), ("day", Int), ("metric", Text), ("k1", Text), ("k2", Text), ("n", Int)],
    tail: " ON CONFLICT (journey_id, version, day, metric, k1, k2) DO UPDATE SET n = journey_rollup.n + excluded.n",
};

impl EngineTx {
    /// Append a step to the log (written at commit).
    pub async fn record_step(&mut self, step: &StepRecord) -> Result<(), StoreError> {
        let seq = self.next_seq("journey_steps").await?;
        self.analytics.steps.push((seq, step.clone()));
        Ok(())
    }

    /// Add `n` to a counter of the UTC day of `at`.
    /// `of` is (journey id, version number).
    pub async fn bump(&mut self, of: (&str, i64), at: i64, metric: &str, k1: &str, k2: &str, n: i64) -> Result<(), StoreError> {
        self.bump_day(of, analytics::day_of(at), metric, k1, k2, n).await
    }

    /// Counters are summed here and written at commit.
    async fn bump_day(&mut self, (journey_id, version): (&str, i64), day: i64, metric: &str, k1: &str, k2: &str, n: i64) -> Result<(), StoreError> {
        let key = (journey_id.to_string(), version, day, metric.to_string(), k1.to_string(), k2.to_string());
        *self.analytics.counters.entry(key).or_default() += n;
        Ok(())
    }

    /// Load the standing and branches of these customers (every version) in one query.
    pub(crate) async fn prefetch_analytics(&mut self, customer_ids: &[&str]) -> Result<(), StoreError> {
        let fresh: Vec<&str> = customer_ids.iter().copied().filter(|c| !self.analytics.loaded.contains(*c)).collect();
        for chunk in fresh.chunks(crate::engine_tx::IDS_PER_QUERY) {
            let backend = self.backend;
            let found = crate::prefetch::read(self.conn(), backend, &[Part::Standings, Part::Branches], &[], chunk, "").await?;
            self.absorb_analytics(&found, chunk)?;
        }
        Ok(())
    }

    /// Keep the standings and branches `found` for these customers (what this transaction
    /// already holds stays as it is).
    pub(crate) fn absorb_analytics(&mut self, found: &Found, customer_ids: &[&str]) -> Result<(), StoreError> {
        type Standing = (String, i64, String, i64, i64, Option<i64>, i64, Option<String>);
        for (journey_id, version, customer_id, first_entered_at, entered_at, converted_at, contacts, last_offer) in found.rows::<Standing>(Part::Standings)? {
            let standing = JourneyCustomer { first_entered_at, entered_at, converted_at, contacts, last_offer };
            self.analytics.customers.entry((journey_id, version, customer_id)).or_insert(Some(standing));
        }
        let mut loaded: HashMap<CustomerKey, Vec<(String, String, i64)>> = HashMap::new();
        for (journey_id, version, customer_id, node, port, day) in found.rows::<(String, i64, String, String, String, i64)>(Part::Branches)? {
            loaded.entry((journey_id, version, customer_id)).or_default().push((node, port, day));
        }
        for (key, list) in loaded {
            self.analytics.branches.entry(key).or_insert(list);
        }
        self.analytics.loaded.extend(customer_ids.iter().map(|c| c.to_string()));
        Ok(())
    }

    pub async fn journey_customer(&mut self, journey_id: &str, version: i64, customer_id: &str) -> Result<Option<JourneyCustomer>, StoreError> {
        let key: CustomerKey = (journey_id.to_string(), version, customer_id.to_string());
        if let Some(standing) = self.analytics.customers.get(&key) {
            return Ok(standing.clone());
        }
        if !self.analytics.loaded.contains(customer_id) {
            self.prefetch_analytics(&[customer_id]).await?;
        }
        Ok(self.analytics.customers.get(&key).cloned().flatten())
    }

    fn set_customer(&mut self, journey_id: &str, version: i64, customer_id: &str, standing: JourneyCustomer) {
        let key: CustomerKey = (journey_id.to_string(), version, customer_id.to_string());
        self.analytics.changed_customers.insert(key.clone());
        self.analytics.customers.insert(key, Some(standing));
    }

    /// The customer entered the version at `at`: the first entry counts a customer (with no
    /// contacts yet); every entry moves their goal window.
    pub async fn note_entry(&mut self, journey_id: &str, version: i64, customer_id: &str, at: i64) -> Result<(), StoreError> {
        match self.journey_customer(journey_id, version, customer_id).await? {
            None => {
                let standing = JourneyCustomer { first_entered_at: at, entered_at: at, converted_at: None, contacts: 0, last_offer: None };
                self.set_customer(journey_id, version, customer_id, standing);
                self.analytics.new_customers.insert((journey_id.to_string(), version, customer_id.to_string()));
                self.bump((journey_id, version), at, metric::CUSTOMERS, "", "", 1).await?;
                self.bump((journey_id, version), at, metric::CONTACTS_HISTOGRAM, "0", "", 1).await
            }
            Some(standing) => {
                self.set_customer(journey_id, version, customer_id, JourneyCustomer { entered_at: at, ..standing });
                Ok(())
            }
        }
    }

    async fn branches_of(&mut self, journey_id: &str, version: i64, customer_id: &str) -> Result<Vec<(String, String, i64)>, StoreError> {
        if !self.analytics.loaded.contains(customer_id) {
            self.prefetch_analytics(&[customer_id]).await?;
        }
        Ok(self.analytics.branches.get(&(journey_id.to_string(), version, customer_id.to_string())).cloned().unwrap_or_default())
    }

    /// The customer left branching step `node` by `port`; the first time counts them in the
    /// branch (and as converted there when they already are).
    pub async fn note_branch(&mut self, journey_id: &str, version: i64, customer_id: &str, node: &str, port: &str, at: i64) -> Result<(), StoreError> {
        let day = analytics::day_of(at);
        if self.branches_of(journey_id, version, customer_id).await?.iter().any(|(n, p, _)| n == node && p == port) {
            return Ok(());
        }
        let key: CustomerKey = (journey_id.to_string(), version, customer_id.to_string());
        self.analytics.branches.entry(key.clone()).or_default().push((node.to_string(), port.to_string(), day));
        self.analytics.new_branches.push((key, node.to_string(), port.to_string(), day));
        self.bump_day((journey_id, version), day, metric::BRANCH_CUSTOMERS, node, port, 1).await?;
        if self.journey_customer(journey_id, version, customer_id).await?.is_some_and(|c| c.converted_at.is_some()) {
            self.bump_day((journey_id, version), day, metric::BRANCH_CONVERTED, node, port, 1).await?;
        }
        Ok(())
    }

    /// The customer converted at `at` with `value_micros` attributed: counted once per
    /// customer and version, and credited to every branch they took. False when they had
    /// converted already (or never entered).
    pub async fn note_conversion(&mut self, journey_id: &str, version: i64, customer_id: &str, at: i64, value_micros: i64) -> Result<bool, StoreError> {
        let Some(standing) = self.journey_customer(journey_id, version, customer_id).await?.filter(|c| c.converted_at.is_none()) else { return Ok(false) };
        self.set_customer(journey_id, version, customer_id, JourneyCustomer { converted_at: Some(at), ..standing });
        self.bump((journey_id, version), at, metric::CONVERTED, "", "", 1).await?;
        if value_micros != 0 {
            self.bump((journey_id, version), at, metric::VALUE_MICROS, "", "", value_micros).await?;
        }
        for (node, port, day) in self.branches_of(journey_id, version, customer_id).await? {
            self.bump_day((journey_id, version), day, metric::BRANCH_CONVERTED, &node, &port, 1).await?;
        }
        Ok(true)
    }

    /// Count an action-log row: sent (per channel, its cost, the customer's contacts and offer),
    /// suppressed (per reason) or deferred.
    pub(crate) async fn count_action(&mut self, action: &crate::ActionRow) -> Result<(), StoreError> {
        let (j, v, at) = (action.journey_id.as_str(), action.version, action.at);
        match action.outcome.as_str() {
            "sent" => {
                self.bump((j, v), at, metric::SENT, &action.channel, "", 1).await?;
                let request = serde_json::from_str::<serde_json::Value>(&action.request).ok();
                let cost = request.as_ref().and_then(|r| r.get("cost")?.as_f64()).unwrap_or(0.0);
                let offer = request.as_ref().and_then(|r| r.get("offer")?.as_str().map(str::to_string));
                let micros = (cost * 1e6).round() as i64;
                if micros != 0 {
                    self.bump((j, v), at, metric::COST_MICROS, "", "", micros).await?;
                }
                if let Some(c) = self.journey_customer(j, v, &action.customer_id).await? {
                    let cohort = analytics::day_of(c.first_entered_at);
                    self.bump_day((j, v), cohort, metric::CONTACTS_HISTOGRAM, &c.contacts.to_string(), "", -1).await?;
                    self.bump_day((j, v), cohort, metric::CONTACTS_HISTOGRAM, &(c.contacts + 1).to_string(), "", 1).await?;
                    let updated = JourneyCustomer { contacts: c.contacts + 1, last_offer: offer.or(c.last_offer), ..c };
                    self.set_customer(j, v, &action.customer_id, updated);
                }
            }
            "suppressed" => self.bump((j, v), at, metric::SUPPRESSED, action.reason.as_deref().unwrap_or(""), "", 1).await?,
            "deferred" => self.bump((j, v), at, metric::DEFERRED, "", "", 1).await?,
            _ => {}
        }
        Ok(())
    }
}

impl Store {
    /// Every counter row of a version (all days: the report filters, and counts who is still
    /// waiting over all time).
    pub async fn journey_rollup(&self, journey_id: &str, version: i64) -> Result<Vec<RollupRow>, StoreError> {
        let rows = sqlx::query("SELECT day, metric, k1, k2, n FROM journey_rollup WHERE journey_id = $1 AND version = $2 ORDER BY day, metric, k1, k2")
            .bind(journey_id)
            .bind(version)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(RollupRow { day: r.try_get("day")?, metric: r.try_get("metric")?, k1: r.try_get("k1")?, k2: r.try_get("k2")?, n: r.try_get("n")? }))
            .collect()
    }

    /// The report of version `version` of `journey_id` over UTC days `from_day..=to_day`
    /// (`analytics::day_of_date`); open bounds default to the first/last day with data.
    pub async fn live_report(&self, journey_id: &str, version: i64, from_day: Option<i64>, to_day: Option<i64>) -> Result<LiveReport, StoreError> {
        let journey = self.load_version(journey_id, version).await?;
        let rows = self.journey_rollup(journey_id, version).await?;
        Ok(analytics::live_report(&journey, version, &rows, from_day, to_day))
    }

    /// The versions that have recorded anything, by journey and number.
    pub async fn reported_versions(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT journey_id, version FROM journey_customers ORDER BY journey_id, version").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("journey_id")?, r.try_get("version")?))).collect()
    }

    /// Products held by each stored customer (their profile's `;`-separated `products`).
    pub async fn products_per_customer(&self) -> Result<Vec<u64>, StoreError> {
        let rows = sqlx::query("SELECT id, profile FROM customers ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let (id, profile): (String, String) = (r.try_get("id")?, r.try_get("profile")?);
                let value: serde_json::Value = serde_json::from_str(&profile).map_err(|e| StoreError::Corrupt { id: id.clone(), message: e.to_string() })?;
                let products = value.get("products").and_then(|p| p.as_str()).unwrap_or("");
                Ok(products.split(';').filter(|p| !p.trim().is_empty()).count() as u64)
            })
            .collect()
    }

    /// CAC, activation rate, cross-sell ratio and churn rate over every version with recorded
    /// activity, over UTC days `from_day..=to_day` (see `analytics::Portfolio`).
    pub async fn portfolio(&self, from_day: Option<i64>, to_day: Option<i64>) -> Result<Portfolio, StoreError> {
        let mut reports = Vec::new();
        for (journey_id, version) in self.reported_versions().await? {
            let journey = self.load_version(&journey_id, version).await?;
            let rows = self.journey_rollup(&journey_id, version).await?;
            let live = analytics::live_report(&journey, version, &rows, from_day, to_day);
            reports.push((version, journey, live.report));
        }
        let products = self.products_per_customer().await?;
        let first = from_day.map(analytics::date_of_day).unwrap_or_default();
        let last = to_day.map(analytics::date_of_day).unwrap_or_default();
        let parts: Vec<(i64, &journeys_core::Journey, &journeys_core::simulate::Report)> = reports.iter().map(|(v, j, r)| (*v, j, r)).collect();
        Ok(analytics::portfolio(&first, &last, &parts, &products))
    }

    /// The highest step number so far (bulk loads number their rows after it).
    pub async fn last_step_seq(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM journey_steps").fetch_one(&self.pool).await?.try_get("last")?)
    }

    /// Load step records as they are (benchmarks, back-fills) in multi-row inserts, numbered
    /// `first_seq`, `first_seq + 1`, …, in one transaction.
    pub async fn bulk_load_steps(&self, first_seq: i64, steps: &[StepRecord]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        STEPS.run(&mut tx, self.backend, (first_seq..).zip(steps).map(|(seq, s)| step_row(seq, s))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Add counter rows of a version (added to existing ones), in one transaction.
    pub async fn bulk_add_rollup(&self, journey_id: &str, version: i64, rows: &[RollupRow]) -> Result<(), StoreError> {
        // Repeated keys add up first: one statement may not upsert a row twice.
        let mut sums: BTreeMap<(i64, &str, &str, &str), i64> = BTreeMap::new();
        for r in rows {
            *sums.entry((r.day, &r.metric, &r.k1, &r.k2)).or_default() += r.n;
        }
        let mut tx = self.begin_write().await?;
        ROLLUP.run(&mut tx, self.backend, sums.iter().map(|((day, m, k1, k2), n)| (journey_id, version, day, m, k1, k2, n))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Count step-log rows of a version (benchmark check).
    pub async fn step_count(&self, journey_id: &str, version: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM journey_steps WHERE journey_id = $1 AND version = $2")
            .bind(journey_id)
            .bind(version)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }
}
