//! `journeys import-customers FILE --mapping MAP [--dry-run]`: the bank's own CSV, its columns
//! mapped onto profile attributes (core's `import_mapping`), checked whole before anything is
//! written, updating stored profiles in place of replacing them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use journeys_core::import_mapping::ImportMapping;
use journeys_core::population::{Customer, RowError};
use journeys_engine::{wire, Clock};

/// Rows read per round trip for the stored profiles they update.
const CHUNK: usize = 5_000;

pub fn import_mapped(database_url: Option<String>, file: PathBuf, mapping: Option<PathBuf>, dry_run: bool) -> anyhow::Result<ExitCode> {
    let mapping = match &mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            Some(ImportMapping::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?)
        }
        None => None,
    };
    let shown = file.display().to_string();
    if mapping.is_none() && !file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
        return Err(anyhow!("{shown}: --dry-run without --mapping reads CSV files only"));
    }
    let reader = std::fs::File::open(&file).with_context(|| format!("cannot read {shown}"))?;
    crate::db::with_store(database_url, |store| async move {
        let schema = store.customer_schema().await?.schema;
        let mut csv = csv::Reader::from_reader(std::io::BufReader::new(reader));
        let headers = csv.headers().with_context(|| format!("{shown}: no header row"))?.clone();
        // Without a mapping: the standard columns and the schema's, each onto itself.
        let mapping = mapping.unwrap_or_else(|| ImportMapping::identity(&headers, &schema));
        let plan = match mapping.plan(&headers, &schema) {
            Ok(plan) => plan,
            Err(errors) => return Ok(refuse(&shown, &errors)),
        };
        // Every row is checked (against the stored profile it updates) before anything is written.
        let mut done: HashMap<String, Customer> = HashMap::new();
        let (mut errors, mut rows, mut created) = (Vec::new(), 0_u64, 0_u64);
        let mut records = csv.records().enumerate().peekable();
        while records.peek().is_some() {
            let chunk: Vec<(u64, Result<csv::StringRecord, csv::Error>)> = records.by_ref().take(CHUNK).map(|(i, r)| (i as u64 + 2, r)).collect();
            let ids: Vec<String> = chunk.iter().filter_map(|(_, r)| r.as_ref().ok()).map(|r| plan.id(r).to_string()).filter(|id| !id.is_empty() && !done.contains_key(id)).collect();
            let id_refs: Vec<&str> = ids.iter().map(String::as_str).filter(|id| journeys_core::text::check_id("id", id).is_ok()).collect();
            let stored = store.customer_profiles_of(&id_refs).await?;
            for (row, record) in chunk {
                rows += 1;
                let record = match record {
                    Ok(r) => r,
                    Err(e) => {
                        errors.push(RowError { row, column: None, message: e.to_string() });
                        continue;
                    }
                };
                let id = plan.id(&record).to_string();
                let base = match done.remove(&id) {
                    Some(earlier) => Some(earlier),
                    None => match stored.get(&id) {
                        Some(profile) => Some(serde_json::from_str::<Customer>(profile).with_context(|| format!("stored customer '{id}' is unreadable"))?),
                        None => None,
                    },
                };
                let is_new = base.is_none();
                match plan.apply(row, &record, base, &schema).and_then(|c| wire::check_customer(&c).map(|()| c).map_err(|message| RowError { row, column: None, message })) {
                    Ok(customer) => {
                        created += u64::from(is_new);
                        done.insert(id, customer);
                    }
                    Err(e) => errors.push(e),
                }
                if errors.len() > 1_000 {
                    break; // enough to show what is wrong
                }
            }
        }
        if !errors.is_empty() {
            return Ok(refuse(&shown, &errors));
        }
        let updated = done.len() as u64 - created;
        if dry_run {
            println!("{rows} rows: {created} new customers, {updated} updated; nothing written (--dry-run)");
            return Ok(ExitCode::SUCCESS);
        }
        let profiles: Vec<(String, String)> = done.into_values().map(|c| Ok((c.id.clone(), serde_json::to_string(&c)?))).collect::<anyhow::Result<_>>()?;
        store.upsert_customers(&profiles, Clock::System.now()).await?;
        println!("{rows} rows: {created} new customers, {updated} updated");
        Ok(ExitCode::SUCCESS)
    })
}

/// Every bad row as `FILE:LINE: column C: reason`; exit 1, nothing written.
fn refuse(file: &str, errors: &[RowError]) -> ExitCode {
    for e in errors {
        let column = e.column.as_ref().map(|c| format!("column {c}: ")).unwrap_or_default();
        eprintln!("{file}:{}: {column}{}", e.row, e.message);
    }
    eprintln!("{file}: {} bad row(s); nothing was imported", errors.len());
    ExitCode::from(1)
}
