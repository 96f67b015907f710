//! `journeys offers` (the reviewed offers catalogue) and `journeys explain` (why a customer got
//! an offer, or not, from the decision log).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::Subcommand;
use journeys_core::explain::explain_offer;
use journeys_core::settings::Offer;

use crate::db::with_store;
use crate::Format;

#[derive(Subcommand)]
pub enum OffersCommand {
    /// Submit an offer (a JSON file: one offer as in a journey's `offers`) as its next version.
    Submit {
        file: PathBuf,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Approve OFFER_ID@N: it becomes the live version (reviewers; never the submitter).
    Approve {
        reference: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        #[arg(long)]
        comment: String,
    },
    /// Reject OFFER_ID@N.
    Reject {
        reference: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        #[arg(long)]
        comment: String,
    },
    /// The catalogue's versions (all, or only the live ones).
    List {
        #[arg(long)]
        live: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

pub fn run(url: Option<String>, command: OffersCommand) -> anyhow::Result<ExitCode> {
    match command {
        OffersCommand::Submit { file, actor } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut de = serde_json::Deserializer::from_str(&text);
            let offer: Offer = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let inner = e.inner();
                anyhow!("{}:{}:{}: at {}: {inner}", file.display(), inner.line(), inner.column(), e.path())
            })?;
            with_store(url, |store| async move {
                println!("{}", store.submit_offer(&offer, &actor).await?.entry.reference());
                Ok(ExitCode::SUCCESS)
            })
        }
        OffersCommand::Approve { reference, actor, comment } => with_store(url, |store| async move {
            println!("{} approved: live", store.approve_offer(&reference, &actor, &comment).await?.reference());
            Ok(ExitCode::SUCCESS)
        }),
        OffersCommand::Reject { reference, actor, comment } => with_store(url, |store| async move {
            println!("{} rejected", store.reject_offer(&reference, &actor, &comment).await?.reference());
            Ok(ExitCode::SUCCESS)
        }),
        OffersCommand::List { live, format } => with_store(url, |store| async move {
            let versions = if live { store.live_offers().await? } else { store.offer_versions(None).await? };
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&versions)?),
                Format::Text => {
                    for v in &versions {
                        let o = &v.offer;
                        let kind = if o.mandatory { "mandatory" } else { "discretionary" };
                        println!("{}\t{}\t{}\t{kind}\tcost {}\tvalue {}\t{}", v.entry.reference(), v.entry.status.key(), o.name, o.cost, o.value, o.eligibility.as_deref().unwrap_or("always eligible"));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
    }
}

/// Every logged decision for the customer: what was chosen and why; with `offer`, why that
/// offer was or was not chosen at each decision.
pub fn explain(url: Option<String>, customer_id: String, offer: Option<String>, format: Format) -> anyhow::Result<ExitCode> {
    with_store(url, |store| async move {
        let decisions = store.customer_decisions(&customer_id).await?;
        if format == Format::Json {
            println!("{}", serde_json::to_string_pretty(&decisions)?);
            return Ok(ExitCode::SUCCESS);
        }
        if decisions.is_empty() {
            println!("no automated decision has been logged for customer '{customer_id}'");
            return Ok(ExitCode::SUCCESS);
        }
        for d in &decisions {
            let when = chrono::DateTime::from_timestamp_millis(d.at).map(|t| t.to_rfc3339()).unwrap_or_else(|| d.at.to_string());
            println!("{when}  {}@{} step {}: {}", d.journey_id, d.version, d.node, d.chosen.as_deref().unwrap_or("no offer"));
            match &offer {
                Some(offer) => println!("  {offer}: {}", explain_offer(d, offer)),
                None => {
                    println!("  why: {}", d.reason);
                    for (i, r) in d.ranking.iter().enumerate() {
                        let kind = if r.mandatory { "mandatory" } else { "discretionary" };
                        println!("  {}. {:<20} P {:.3} × value {:.2} − cost {:.2} = profit {:.2}, return {:.2}, lever {}, priority {:.2} ({kind})", i + 1, r.offer, r.propensity, r.value, r.cost, r.profit, r.return_on_cost, r.lever, r.priority);
                    }
                    for e in &d.excluded {
                        println!("  -  {:<20} {}", e.offer, explain_offer(d, &e.offer));
                    }
                    for (score, value) in &d.scores {
                        let source = d.model_versions.get(score).map(|v| format!("model {score}@{v}")).unwrap_or_else(|| "profile".into());
                        println!("  score {score} = {value:.4} ({source})");
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
