//! Sample customers: a seeded synthetic generator calibrated to the domain notes, and CSV
//! reading and writing with every bad row reported by row number and column.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rhai::{Array, Dynamic, Map};
use serde::{Deserialize, Serialize};

use crate::customer_schema::CustomerSchema;
use crate::expr::{self, Context};
use crate::kinds::Channel;

/// Most customers one population may hold (a million-customer run is the benchmark).
pub const MAX_CUSTOMERS: u64 = 10_000_000;

const DAY_MS: i64 = 86_400_000;

/// One customer, flat so it is one CSV row. Dates are days relative to the simulation start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub segment: String,
    pub country: String,
    pub time_zone: String,
    pub age: i64,
    pub tenure_months: i64,
    /// Product keys separated by `;`, e.g. `current_account;savings`.
    pub products: String,
    pub balance: f64,
    pub savings_balance: f64,
    pub credit_limit: f64,
    pub salary_day: i64,
    pub last_activity_days_ago: i64,
    pub card_activated: bool,
    pub policy_renewal_in_days: i64,
    pub channel_preference: String,
    pub consent_email: bool,
    pub consent_sms: bool,
    pub consent_push: bool,
    pub consent_in_app: bool,
    pub consent_whatsapp: bool,
    pub churn: f64,
    pub activation: f64,
    pub cross_sell_credit_card: f64,
    pub cross_sell_savings: f64,
    pub cross_sell_personal_loan: f64,
    pub cross_sell_insurance: f64,
    pub cross_sell_investments: f64,
    pub clv: f64,
    /// Where email actions go (the SMTP connector reads it when it delivers); optional.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// The bank's own attributes, declared in its customer schema (`customer_schema`), in
    /// stored form (dates as epoch ms). Readable in expressions as `customer.NAME`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, serde_json::Value>,
    /// Every recorded change of consent, oldest first (`consent`): the latest for a channel
    /// and purpose decides over the `consent_*` flags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consent_log: Vec<crate::consent::ConsentChange>,
    /// The events inside each rolling aggregate's window, kept as they arrive
    /// (`observe_event`); the aggregate's value is read at the step's instant.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rolling: BTreeMap<String, Rolling>,
}

/// One rolling aggregate of a profile: its window and the (time, value) of the events in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rolling {
    pub days: u32,
    pub function: crate::customer_schema::AggregateFunction,
    pub entries: Vec<(i64, f64)>,
}

impl Rolling {
    /// The aggregate at `now`: events in `(now − days, now]`.
    pub fn value_at(&self, now: i64) -> Dynamic {
        let from = now - i64::from(self.days) * DAY_MS;
        let inside = self.entries.iter().filter(|(t, _)| *t > from && *t <= now);
        match self.function {
            crate::customer_schema::AggregateFunction::Count => Dynamic::from(inside.count() as i64),
            crate::customer_schema::AggregateFunction::Sum => Dynamic::from(inside.map(|(_, v)| v).sum::<f64>()),
        }
    }
}

impl Customer {
    /// Whether the customer lets this channel be used for this purpose (`None`: marketing).
    /// A recorded change decides; without one, the channel's flag (call centre, branch and
    /// webhook contacts have none and are allowed until the customer withdraws consent).
    pub fn consents_to(&self, channel: Channel, purpose: Option<crate::kinds::Purpose>) -> bool {
        self.consents_with(&self.consent_log, channel, purpose)
    }

    /// `consents_to` with `log` in place of the profile's own (the simulator adds changes to a
    /// customer it only borrows).
    pub fn consents_with(&self, log: &[crate::consent::ConsentChange], channel: Channel, purpose: Option<crate::kinds::Purpose>) -> bool {
        if let Some(given) = crate::consent::recorded(log, channel, purpose.unwrap_or(crate::kinds::Purpose::Marketing)) {
            return given;
        }
        match channel {
            Channel::Email => self.consent_email,
            Channel::Sms => self.consent_sms,
            Channel::Push => self.consent_push,
            Channel::InApp => self.consent_in_app,
            Channel::Whatsapp => self.consent_whatsapp,
            Channel::CallCentre | Channel::Branch | Channel::Webhook => true,
        }
    }

    /// What an event of `event_type` at `at` changes on this profile under `schema`: the
    /// attributes its event rules set, and the rolling aggregates it feeds (entries older than
    /// the window are dropped). True when anything changed. A field the event lacks, or that
    /// does not fit the attribute, leaves that attribute as it was.
    pub fn observe_event(&mut self, schema: &CustomerSchema, event_type: &str, attributes: &serde_json::Value, at: i64) -> bool {
        use crate::customer_schema::AggregateFunction;
        let mut changed = false;
        for rule in schema.events.iter().filter(|r| r.event == event_type) {
            for (attribute, source) in &rule.set {
                let value = match source.strip_prefix("event.") {
                    Some("time") => serde_json::Value::from(at),
                    Some(field) => attributes.get(field).cloned().unwrap_or(serde_json::Value::Null),
                    None => continue,
                };
                if let Ok(Some(stored)) = schema.convert(attribute, &value) {
                    self.attributes.insert(attribute.clone(), stored);
                    changed = true;
                }
            }
        }
        for aggregate in schema.aggregates.iter().filter(|a| a.event == event_type) {
            let value = match (aggregate.function, aggregate.field.as_deref()) {
                (AggregateFunction::Count, _) => Some(1.0),
                (AggregateFunction::Sum, Some(field)) => attributes.get(field).and_then(serde_json::Value::as_f64).filter(|v| v.is_finite()),
                (AggregateFunction::Sum, None) => None,
            };
            let Some(value) = value else { continue };
            let rolling = self.rolling.entry(aggregate.name.clone()).or_insert_with(|| Rolling { days: aggregate.days, function: aggregate.function, entries: Vec::new() });
            rolling.days = aggregate.days;
            rolling.function = aggregate.function;
            let oldest = at - i64::from(aggregate.days) * DAY_MS;
            rolling.entries.retain(|(t, _)| *t > oldest);
            rolling.entries.push((at, value));
            changed = true;
        }
        changed
    }

    /// Apply an update step's `value` to this profile: the one rule the engine uses for the
    /// stored profile and for the profile in hand. A standard profile field takes the value if
    /// it fits its type; any other known attribute (the bank's schema, the standard vocabulary,
    /// a journey's declaration) is kept under `attributes`, where expressions read it back. The
    /// value is expected in stored form (`CompiledJourney::with_schema` converts update values).
    pub fn update(&mut self, attribute: &str, value: &serde_json::Value, known: bool) -> Result<(), crate::customer_schema::ValueError> {
        use crate::customer_schema::ValueError;
        if CSV_COLUMNS.contains(&attribute) {
            let mut document = serde_json::to_value(&*self).map_err(|e| ValueError::Type { attribute: attribute.into(), found: value.to_string(), expected: e.to_string() })?;
            if let Some(fields) = document.as_object_mut() {
                fields.insert(attribute.to_string(), value.clone());
            }
            *self = serde_json::from_value(document).map_err(|_| ValueError::Type { attribute: attribute.into(), found: value.to_string(), expected: "a value of the profile field's type".into() })?;
            return Ok(());
        }
        if !known {
            return Err(ValueError::Unknown(attribute.to_string()));
        }
        if value.is_null() {
            self.attributes.remove(attribute);
        } else {
            self.attributes.insert(attribute.to_string(), value.clone());
        }
        Ok(())
    }

    /// Every text of the profile passes core's text rule (`customer.segment`,
    /// `customer.attributes.postcode`, …): what the store can keep on any database.
    pub fn check_text(&self) -> Result<(), crate::text::TextError> {
        use crate::text::{check_free_text, check_json_named};
        for (field, value) in [
            ("customer.segment", &self.segment),
            ("customer.country", &self.country),
            ("customer.time_zone", &self.time_zone),
            ("customer.products", &self.products),
            ("customer.channel_preference", &self.channel_preference),
            ("customer.email", &self.email),
        ] {
            check_free_text(field, value)?;
        }
        for (name, value) in &self.attributes {
            check_free_text("customer.attributes", name)?;
            check_json_named(|| format!("customer.attributes.{name}"), value)?;
        }
        Ok(())
    }

    /// Check and convert the profile's own attributes against the schema (every name
    /// declared, every value of its type, the required ones present).
    pub fn conform(&mut self, schema: &CustomerSchema) -> Result<(), crate::customer_schema::ValueError> {
        self.attributes = schema.convert_all(&self.attributes)?;
        Ok(())
    }

    /// The expression context for this customer at simulation start `start_ms`.
    pub fn context(&self, start_ms: i64) -> Context {
        let mut c = Map::new();
        let s = |v: &str| expr::string(v);
        c.insert("id".into(), s(&self.id));
        c.insert("segment".into(), s(&self.segment));
        c.insert("country".into(), s(&self.country));
        c.insert("time_zone".into(), s(&self.time_zone));
        c.insert("age".into(), Dynamic::from(self.age));
        c.insert("tenure_months".into(), Dynamic::from(self.tenure_months));
        let products: Array = self.products.split(';').filter(|p| !p.is_empty()).map(s).collect();
        c.insert("product_count".into(), Dynamic::from(products.len() as i64));
        c.insert("products".into(), Dynamic::from(products));
        c.insert("balance".into(), Dynamic::from(self.balance));
        c.insert("savings_balance".into(), Dynamic::from(self.savings_balance));
        c.insert("credit_limit".into(), Dynamic::from(self.credit_limit));
        c.insert("loan_balance".into(), Dynamic::from(0.0_f64));
        c.insert("salary_day".into(), Dynamic::from(self.salary_day));
        c.insert("last_activity_at".into(), Dynamic::from(start_ms - self.last_activity_days_ago * DAY_MS));
        c.insert("card_activated".into(), Dynamic::from(self.card_activated));
        c.insert("application_status".into(), s("started"));
        c.insert("policy_renewal_date".into(), Dynamic::from(start_ms + self.policy_renewal_in_days * DAY_MS));
        c.insert("channel_preference".into(), s(&self.channel_preference));
        c.insert("complaint_count".into(), Dynamic::from(0_i64));
        c.insert("tags".into(), Dynamic::from(Array::new()));
        // The bank's own attributes come last: the schema may not redeclare built-ins, and a
        // declared attribute of the demo profile's name replaces the demo value.
        for (name, value) in &self.attributes {
            c.insert(name.as_str().into(), dynamic_of(value));
        }
        for (name, rolling) in &self.rolling {
            c.insert(name.as_str().into(), rolling.value_at(start_ms));
        }
        let mut scores = Map::new();
        for (name, value) in [
            ("churn", self.churn),
            ("activation", self.activation),
            ("cross_sell_credit_card", self.cross_sell_credit_card),
            ("cross_sell_savings", self.cross_sell_savings),
            ("cross_sell_personal_loan", self.cross_sell_personal_loan),
            ("cross_sell_insurance", self.cross_sell_insurance),
            ("cross_sell_investments", self.cross_sell_investments),
            ("clv", self.clv),
        ] {
            scores.insert(name.into(), Dynamic::from(value));
        }
        Context::new(c, scores, start_ms)
    }
}

/// A stored attribute value as expressions see it: integers (and dates, in epoch ms) as
/// integers, numbers as floats, lists as arrays of strings.
pub(crate) fn dynamic_of(value: &serde_json::Value) -> Dynamic {
    use serde_json::Value;
    match value {
        Value::Bool(b) => Dynamic::from(*b),
        Value::Number(n) => n.as_i64().map(Dynamic::from).unwrap_or_else(|| Dynamic::from(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => expr::string(s),
        Value::Array(items) => Dynamic::from(items.iter().map(dynamic_of).collect::<Array>()),
        Value::Null | Value::Object(_) => Dynamic::UNIT,
    }
}

/// Why a population cannot be generated or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PopulationError {
    #[error("the number of customers must be between 1 and {MAX_CUSTOMERS}, not {0}")]
    Size(u64),
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    BadRows(Vec<RowError>),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("row {row}{}: {message}", .column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
pub struct RowError {
    /// 1-based line number in the file (the header is line 1).
    pub row: u64,
    pub column: Option<String>,
    pub message: String,
}

fn beta_like(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    // Mean of two uniforms bent toward `mean`: cheap, bounded in [0, 1], right-skewed for small means.
    let u: f64 = (rng.random::<f64>() + rng.random::<f64>()) / 2.0;
    (u.powf((1.0 - mean) / mean.max(1e-6) * 0.5 + 0.5)).clamp(0.0, 1.0)
}

/// Customer `index` of the population with `seed`: each customer has its own random stream,
/// so any customer can be produced without the others, on any thread.
pub fn generate_customer(seed: u64, index: u64) -> Customer {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    let segment = match rng.random_range(0..100) {
        0..75 => "mass",
        75..95 => "affluent",
        _ => "hni",
    };
    let (country, time_zone) = [
        ("GB", "Europe/London"),
        ("DE", "Europe/Berlin"),
        ("IN", "Asia/Kolkata"),
        ("US", "America/New_York"),
        ("SG", "Asia/Singapore"),
    ][rng.random_range(0..5)];
    let wealth: f64 = match segment {
        "mass" => 1.0,
        "affluent" => 8.0,
        _ => 40.0,
    };
    let mut products = vec!["current_account"];
    for (product, p) in [("savings", 0.55), ("credit_card", 0.45), ("personal_loan", 0.15), ("home_loan", 0.12), ("insurance", 0.25), ("investments", 0.1 * wealth.min(6.0))] {
        if rng.random_bool(f64::min(p, 0.95)) {
            products.push(product);
        }
    }
    let has = |p: &str| products.contains(&p);
    let preference = ["email", "sms", "push", "in_app"][rng.random_range(0..4)];
    Customer {
        id: format!("C{index:08}"),
        segment: segment.into(),
        country: country.into(),
        time_zone: time_zone.into(),
        age: rng.random_range(18..85),
        tenure_months: rng.random_range(0..240),
        balance: (rng.random::<f64>() * 5_000.0 * wealth * 100.0).round() / 100.0,
        savings_balance: if has("savings") { (rng.random::<f64>() * 20_000.0 * wealth).round() } else { 0.0 },
        credit_limit: if has("credit_card") { f64::from(rng.random_range(5..100_u32)) * 100.0 * wealth.sqrt() } else { 0.0 },
        salary_day: rng.random_range(1..29),
        last_activity_days_ago: if rng.random_bool(0.2) { rng.random_range(60..400) } else { rng.random_range(0..30) },
        card_activated: has("credit_card") && rng.random_bool(0.6),
        policy_renewal_in_days: if has("insurance") { rng.random_range(0..365) } else { 9_999 },
        channel_preference: preference.into(),
        consent_email: rng.random_bool(0.85),
        consent_sms: rng.random_bool(0.7),
        consent_push: rng.random_bool(0.55),
        consent_in_app: rng.random_bool(0.9),
        consent_whatsapp: rng.random_bool(0.3),
        churn: beta_like(&mut rng, 0.2),
        activation: beta_like(&mut rng, 0.5),
        cross_sell_credit_card: if has("credit_card") { 0.0 } else { beta_like(&mut rng, 0.05) },
        cross_sell_savings: if has("savings") { 0.0 } else { beta_like(&mut rng, 0.06) },
        cross_sell_personal_loan: beta_like(&mut rng, 0.03),
        cross_sell_insurance: if has("insurance") { 0.0 } else { beta_like(&mut rng, 0.04) },
        cross_sell_investments: beta_like(&mut rng, 0.02 * wealth.min(5.0)),
        clv: (rng.random::<f64>() * 800.0 * wealth).round(),
        products: products.join(";"),
        email: String::new(),
        attributes: BTreeMap::new(),
        consent_log: Vec::new(),
        rolling: BTreeMap::new(),
    }
}

/// A new customer an import knows only the id of: no products, no consent to anything, UTC,
/// scores 0 (models score them in the engine), no renewal due.
pub fn blank_customer(id: &str) -> Customer {
    Customer {
        id: id.to_string(),
        segment: String::new(),
        country: String::new(),
        time_zone: "UTC".into(),
        age: 0,
        tenure_months: 0,
        products: String::new(),
        balance: 0.0,
        savings_balance: 0.0,
        credit_limit: 0.0,
        salary_day: 1,
        last_activity_days_ago: 0,
        card_activated: false,
        policy_renewal_in_days: 9_999,
        channel_preference: String::new(),
        consent_email: false,
        consent_sms: false,
        consent_push: false,
        consent_in_app: false,
        consent_whatsapp: false,
        churn: 0.0,
        activation: 0.0,
        cross_sell_credit_card: 0.0,
        cross_sell_savings: 0.0,
        cross_sell_personal_loan: 0.0,
        cross_sell_insurance: 0.0,
        cross_sell_investments: 0.0,
        clv: 0.0,
        email: String::new(),
        attributes: BTreeMap::new(),
        consent_log: Vec::new(),
        rolling: BTreeMap::new(),
    }
}

pub fn check_size(customers: u64) -> Result<(), PopulationError> {
    if customers == 0 || customers > MAX_CUSTOMERS {
        return Err(PopulationError::Size(customers));
    }
    Ok(())
}

pub fn generate(customers: u64, seed: u64) -> Result<Vec<Customer>, PopulationError> {
    check_size(customers)?;
    Ok((0..customers).map(|i| generate_customer(seed, i)).collect())
}

/// Write customers as CSV with a header row.
pub fn write_csv<W: std::io::Write>(customers: &[Customer], out: W) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    for customer in customers {
        writer.serialize(customer)?;
    }
    writer.flush()?;
    Ok(())
}

/// The columns of the standard profile in a population CSV (`write_csv` writes them).
pub const CSV_COLUMNS: &[&str] = &[
    "id", "segment", "country", "time_zone", "age", "tenure_months", "products", "balance", "savings_balance", "credit_limit", "salary_day",
    "last_activity_days_ago", "card_activated", "policy_renewal_in_days", "channel_preference", "consent_email", "consent_sms", "consent_push",
    "consent_in_app", "consent_whatsapp", "churn", "activation", "cross_sell_credit_card", "cross_sell_savings", "cross_sell_personal_loan",
    "cross_sell_insurance", "cross_sell_investments", "clv", "email",
];

/// Read customers from CSV. Every bad row is reported (row number, column); with
/// `skip_bad_rows` the good rows are returned with the errors, otherwise any error fails.
/// Columns beyond the standard profile are ignored.
pub fn read_csv<R: std::io::Read>(input: R, skip_bad_rows: bool) -> Result<(Vec<Customer>, Vec<RowError>), PopulationError> {
    read_csv_with(input, skip_bad_rows, None)
}

/// `read_csv`, and with a customer schema every other column must be one of its attributes:
/// each cell is checked and converted into the profile's `attributes` (an empty cell is no
/// value), and a required attribute must have a column.
pub fn read_csv_with<R: std::io::Read>(input: R, skip_bad_rows: bool, schema: Option<&CustomerSchema>) -> Result<(Vec<Customer>, Vec<RowError>), PopulationError> {
    let mut reader = csv::Reader::from_reader(input);
    let headers = reader.headers().cloned().unwrap_or_default();
    // The schema's columns: (position, attribute name).
    let mut extra = Vec::new();
    if let Some(schema) = schema {
        let mut unknown = Vec::new();
        for (i, name) in headers.iter().enumerate() {
            if CSV_COLUMNS.contains(&name) {
                continue;
            }
            match schema.attribute(name) {
                Some(_) => extra.push((i, name.to_string())),
                None => unknown.push(RowError { row: 1, column: Some(name.to_string()), message: format!("'{name}' is neither a profile column nor an attribute of the customer schema") }),
            }
        }
        for required in schema.attributes.iter().filter(|a| a.required && !headers.iter().any(|h| h == a.name)) {
            unknown.push(RowError { row: 1, column: None, message: format!("no column for the required attribute {}", required.name) });
        }
        if !unknown.is_empty() {
            return Err(PopulationError::BadRows(unknown));
        }
    }
    let (mut customers, mut errors) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let row = i as u64 + 2;
        let result = record.map_err(|e| RowError { row, column: None, message: e.to_string() }).and_then(|record| {
            let mut customer = record.deserialize::<Customer>(Some(&headers)).map_err(|e| {
                let column = match e.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => err.field().and_then(|f| headers.get(f as usize)).map(str::to_string),
                    _ => None,
                };
                let message = match e.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => err.kind().to_string(),
                    _ => e.to_string(),
                };
                RowError { row, column, message }
            })?;
            if let Some(schema) = schema {
                for (position, name) in &extra {
                    let cell = serde_json::Value::String(record.get(*position).unwrap_or_default().to_string());
                    let stored = schema.convert(name, &cell).map_err(|e| RowError { row, column: Some(name.clone()), message: e.to_string() })?;
                    customer.attributes.extend(stored.map(|v| (name.clone(), v)));
                }
                if let Some(missing) = schema.missing_required(&customer.attributes) {
                    return Err(RowError { row, column: Some(missing.name.clone()), message: format!("{} is required", missing.name) });
                }
            }
            Ok(customer)
        });
        match result {
            Ok(customer) if customer.id.trim().is_empty() => errors.push(RowError { row, column: Some("id".into()), message: "empty customer id".into() }),
            Ok(customer) => customers.push(customer),
            Err(e) => errors.push(e),
        }
        if errors.len() > 1_000 && !skip_bad_rows {
            break; // enough to show what is wrong
        }
    }
    if customers.is_empty() && errors.is_empty() {
        return Err(PopulationError::Size(0));
    }
    if !errors.is_empty() && !skip_bad_rows {
        return Err(PopulationError::BadRows(errors));
    }
    Ok((customers, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_per_customer() {
        assert_eq!(generate_customer(7, 42), generate_customer(7, 42));
        assert_ne!(generate_customer(7, 42), generate_customer(8, 42));
        assert_eq!(generate(3, 7).expect("3 customers")[2], generate_customer(7, 2));
    }

    #[test]
    fn generated_population_is_calibrated() {
        let people = generate(20_000, 1).expect("population");
        let share = |f: &dyn Fn(&Customer) -> bool| people.iter().filter(|c| f(c)).count() as f64 / people.len() as f64;
        assert!((0.72..0.78).contains(&share(&|c| c.segment == "mass")));
        assert!((0.82..0.88).contains(&share(&|c| c.consent_email)));
        let mean_churn = people.iter().map(|c| c.churn).sum::<f64>() / people.len() as f64;
        assert!((0.1..0.35).contains(&mean_churn), "mean churn score {mean_churn}");
    }

    #[test]
    fn sizes_out_of_range_are_refused() {
        assert_eq!(generate(0, 1), Err(PopulationError::Size(0)));
        assert_eq!(check_size(10_000_000_000), Err(PopulationError::Size(10_000_000_000)));
    }

    #[test]
    fn csv_round_trip_and_bad_rows() {
        let people = generate(5, 3).expect("population");
        let mut bytes = Vec::new();
        write_csv(&people, &mut bytes).expect("write");
        let text = String::from_utf8(bytes).expect("utf-8");
        let (back, errors) = read_csv(text.as_bytes(), false).expect("read");
        assert_eq!((back, errors), (people, vec![]));

        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[2] = lines[2].replacen(",mass,", ",mass_x,", 1).replacen(&format!(",{},", generate_customer(3, 1).age), ",old,", 1);
        lines[4] = "C1,too,few".into();
        let broken = lines.join("\n");
        match read_csv(broken.as_bytes(), false) {
            Err(PopulationError::BadRows(rows)) => {
                assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![3, 5]);
                assert_eq!(rows[0].column.as_deref(), Some("age"), "{rows:?}");
            }
            other => panic!("expected bad rows, got {other:?}"),
        }
        let (good, errors) = read_csv(broken.as_bytes(), true).expect("skip bad rows");
        assert_eq!((good.len(), errors.len()), (3, 2));
    }
}
