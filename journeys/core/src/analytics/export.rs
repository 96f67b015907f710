//! The CSV export of a live report: one number per line in long form
//! (`section,key,port,metric,value`), so every figure of the JSON report is there, a
//! spreadsheet can pivot it, and it parses back to the same numbers (floats are written in
//! Rust's shortest round-trip form).

use serde::{Deserialize, Serialize};

use super::{LiveReport, Portfolio};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvRow {
    pub section: String,
    pub key: String,
    pub port: String,
    pub metric: String,
    pub value: f64,
}

fn row(section: &str, key: &str, port: &str, metric: &str, value: f64) -> CsvRow {
    CsvRow { section: section.into(), key: key.into(), port: port.into(), metric: metric.into(), value }
}

/// Every number of the report as rows, in report order.
pub fn csv_rows(live: &LiveReport) -> Vec<CsvRow> {
    let r = &live.report;
    let t = &r.totals;
    let mut rows = vec![
        row("totals", "", "", "version", live.version as f64),
        row("totals", "", "", "days", f64::from(r.days)),
        row("totals", "", "", "entered", t.entered as f64),
        row("totals", "", "", "converted", t.converted as f64),
        row("totals", "", "", "conversion_rate", t.conversion_rate),
        row("totals", "", "", "conversion_ci95_low", t.conversion_ci95.0),
        row("totals", "", "", "conversion_ci95_high", t.conversion_ci95.1),
        row("totals", "", "", "contacts", t.contacts as f64),
        row("totals", "", "", "cost", t.cost),
        row("totals", "", "", "value", t.value),
        row("totals", "", "", "deferred_for_quiet_hours", r.deferred_for_quiet_hours as f64),
    ];
    if let Some(roi) = t.roi {
        rows.push(row("totals", "", "", "roi", roi));
    }
    for n in &r.nodes {
        for (metric, v) in [("entered", n.entered), ("exited", n.exited), ("waiting", n.waiting), ("goals", n.goals)] {
            rows.push(row("node", &n.id, "", metric, v as f64));
        }
    }
    for e in &r.edges {
        rows.push(row("edge", &e.from, &e.port, "flow", e.flow as f64));
    }
    for b in &r.branches {
        rows.push(row("branch", &b.node, &b.port, "customers", b.customers as f64));
        rows.push(row("branch", &b.node, &b.port, "converted", b.converted as f64));
        rows.push(row("branch", &b.node, &b.port, "rate", b.rate));
        rows.push(row("branch", &b.node, &b.port, "ci95_low", b.ci95.0));
        rows.push(row("branch", &b.node, &b.port, "ci95_high", b.ci95.1));
    }
    if let Some(u) = &r.holdout_uplift {
        for (metric, v) in [("treated_rate", u.treated_rate), ("control_rate", u.control_rate), ("uplift", u.uplift), ("ci95_low", u.ci95.0), ("ci95_high", u.ci95.1)] {
            rows.push(row("holdout_uplift", &u.node, "", metric, v));
        }
    }
    for a in &live.ab_tests {
        if let Some(test) = &a.test {
            rows.push(row("ab_test", &a.node, "", "chi_square", test.statistic));
            rows.push(row("ab_test", &a.node, "", "df", f64::from(test.df)));
            rows.push(row("ab_test", &a.node, "", "p_value", test.p_value));
        }
        if let Some(z) = a.z {
            rows.push(row("ab_test", &a.node, "", "z", z));
        }
    }
    for (channel, n) in &r.contacts_by_channel {
        rows.push(row("contacts_by_channel", channel, "", "contacts", *n as f64));
    }
    for (reason, n) in &r.suppressions {
        rows.push(row("suppressions", reason, "", "contacts", *n as f64));
    }
    for (contacts, n) in &r.contacts_per_customer {
        rows.push(row("contacts_per_customer", &contacts.to_string(), "", "customers", *n as f64));
    }
    for (reason, n) in &r.exits_by_reason {
        rows.push(row("exits_by_reason", reason, "", "customers", *n as f64));
    }
    for f in &live.funnel.nodes {
        push_funnel(&mut rows, "funnel_node", f);
    }
    for f in &live.funnel.stages {
        push_funnel(&mut rows, "funnel_stage", f);
    }
    for d in &r.daily {
        let date = super::day_of_date(&live.from).map(|first| super::date_of_day(first + i64::from(d.day))).unwrap_or_default();
        for (metric, v) in [("entered", d.entered), ("contacts", d.contacts), ("conversions", d.conversions), ("exits", d.exits)] {
            rows.push(row("daily", &date, "", metric, v as f64));
        }
    }
    rows
}

fn push_funnel(rows: &mut Vec<CsvRow>, section: &str, f: &super::FunnelRow) {
    for (metric, v) in [("entered", f.entered), ("progressed", f.progressed), ("dropped", f.dropped), ("converted", f.converted), ("waiting", f.waiting)] {
        rows.push(row(section, &f.key, "", metric, v as f64));
    }
}

/// Every number of a portfolio as rows: the metrics (absent ones left out), then each version.
pub fn portfolio_rows(p: &Portfolio) -> Vec<CsvRow> {
    let mut rows = Vec::new();
    let optional = [("cac", p.cac), ("activation_rate", p.activation_rate), ("cross_sell_ratio", p.cross_sell_ratio), ("churn_rate", p.churn_rate), ("roi", p.roi)];
    for (metric, v) in optional {
        if let Some(v) = v {
            rows.push(row("portfolio", "", "", metric, v));
        }
    }
    for (metric, v) in [("customers", p.customers as f64), ("products", p.products as f64), ("cost", p.cost), ("value", p.value)] {
        rows.push(row("portfolio", "", "", metric, v));
    }
    for t in &p.versions {
        let key = format!("{}@{}", t.journey_id, t.version);
        let stage = t.stage.as_deref().unwrap_or("");
        for (metric, v) in [("entered", t.entered as f64), ("converted", t.converted as f64), ("contacts", t.contacts as f64), ("cost", t.cost), ("value", t.value)] {
            rows.push(row("version", &key, stage, metric, v));
        }
    }
    rows
}

/// The report as CSV text with a header line.
pub fn to_csv(live: &LiveReport) -> Result<String, csv::Error> {
    write_rows(csv_rows(live))
}

/// The portfolio as CSV text (`port` holds each version's stage).
pub fn portfolio_csv(p: &Portfolio) -> Result<String, csv::Error> {
    write_rows(portfolio_rows(p))
}

fn write_rows(rows: Vec<CsvRow>) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for r in rows {
        writer.serialize(r)?;
    }
    let bytes = writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Rows read back from `to_csv`'s text.
pub fn parse_csv(text: &str) -> Result<Vec<CsvRow>, csv::Error> {
    csv::Reader::from_reader(text.as_bytes()).deserialize().collect()
}
