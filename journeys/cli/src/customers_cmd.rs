//! `journeys customers export|erase`: a customer's rights over their data (the store does the
//! work and the audit; this prints).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;
use clap::Subcommand;

use crate::db::with_store;

#[derive(Subcommand)]
pub enum CustomersCommand {
    /// Everything held about a customer, as JSON (a subject access request).
    Export {
        customer_id: String,
        /// Write it here (the file is replaced atomically) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Erase a customer (admins): profile, events, scores, suppressions and running journeys
    /// go; the logs keep their outcomes with the personal fields blanked; audited by a hash.
    Erase {
        customer_id: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
}

pub fn run(url: Option<String>, command: CustomersCommand) -> anyhow::Result<ExitCode> {
    match command {
        CustomersCommand::Export { customer_id, out } => with_store(url, |store| async move {
            let export = store.customer_export(&customer_id).await?.ok_or_else(|| anyhow!("nothing is held about customer '{customer_id}'"))?;
            let text = format!("{}\n", serde_json::to_string_pretty(&export)?);
            match out {
                Some(path) => journeys_output::write(&path, text.as_bytes())?,
                None => crate::files::emit(&text),
            }
            Ok(ExitCode::SUCCESS)
        }),
        CustomersCommand::Erase { customer_id, actor } => with_store(url, |store| async move {
            let erasure = store.erase_customer(&customer_id, &actor).await?;
            let list = |m: &std::collections::BTreeMap<&str, u64>| if m.is_empty() { "nothing".to_string() } else { m.iter().map(|(t, n)| format!("{n} {t}")).collect::<Vec<_>>().join(", ") };
            println!("erased {}: removed {}; blanked {}", journeys_store::pseudonym(&customer_id), list(&erasure.removed), list(&erasure.blanked));
            Ok(ExitCode::SUCCESS)
        }),
    }
}
