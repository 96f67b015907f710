//! The publishing workflow from a terminal: users, submit, approve, reject, publish,
//! versions, audit. `--as USER` names the actor; the store enforces roles and four eyes.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::Subcommand;
use journeys_store::Role;

use crate::db::with_store;
use crate::files::read_journey;
use crate::Format;

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Add a user with a role (designer, reviewer, analyst, admin).
    Add {
        name: String,
        #[arg(long)]
        role: String,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users and their roles.
    List,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; names the first bad row.
    Verify,
    /// Print the log.
    Export {
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
}

pub fn users(url: Option<String>, command: UsersCommand) -> anyhow::Result<ExitCode> {
    let UsersCommand::Add { name, role, password_stdin } = command else {
        return with_store(url, |store| async move {
            for user in store.users().await? {
                println!("{}\t{}", user.name, user.role.key());
            }
            Ok(ExitCode::SUCCESS)
        });
    };
    let role = Role::from_key(&role).ok_or_else(|| anyhow!("unknown role '{role}': use designer, reviewer, analyst or admin"))?;
    let password = if password_stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("cannot read the password from standard input")?;
        Some(text.lines().next().unwrap_or_default().to_string()).filter(|p| !p.is_empty())
    } else {
        None
    };
    with_store(url, |store| async move {
        let user = store.add_user(&name, role, password.as_deref()).await?;
        println!("added {} ({})", user.name, user.role.key());
        Ok(ExitCode::SUCCESS)
    })
}

pub fn submit(url: Option<String>, file: PathBuf, actor: String) -> anyhow::Result<ExitCode> {
    let shown = file.display().to_string();
    let journey = read_journey(&file).map_err(|e| anyhow!("{}", e.display(&shown)))?;
    with_store(url, |store| async move {
        let version = store.submit(&journey, &actor).await?;
        println!("{}", version.reference());
        Ok(ExitCode::SUCCESS)
    })
}

pub enum Decision {
    Approve,
    Reject,
}

pub fn decide(url: Option<String>, reference: String, actor: String, comment: String, decision: Decision) -> anyhow::Result<ExitCode> {
    with_store(url, |store| async move {
        let version = match decision {
            Decision::Approve => store.approve(&reference, &actor, &comment).await?,
            Decision::Reject => store.reject(&reference, &actor, &comment).await?,
        };
        println!("{} {}", version.reference(), version.status.key());
        Ok(ExitCode::SUCCESS)
    })
}

/// A change of a version's life: publish, pause, resume or retire.
#[derive(Clone, Copy)]
pub enum Lifecycle {
    Publish,
    Pause,
    Resume,
    Retire,
}

pub fn lifecycle(url: Option<String>, reference: String, actor: String, change: Lifecycle) -> anyhow::Result<ExitCode> {
    with_store(url, |store| async move {
        let version = match change {
            Lifecycle::Publish => store.publish(&reference, &actor).await?,
            Lifecycle::Pause => store.pause(&reference, &actor).await?,
            Lifecycle::Resume => store.resume(&reference, &actor).await?,
            Lifecycle::Retire => store.retire(&reference, &actor).await?,
        };
        println!("{} {}", version.reference(), version.status.key());
        Ok(ExitCode::SUCCESS)
    })
}

pub fn versions(url: Option<String>, journey_id: String) -> anyhow::Result<ExitCode> {
    with_store(url, |store| async move {
        for v in store.versions(&journey_id).await? {
            let decided = v.decided_by.as_deref().map(|d| format!(" by {d}")).unwrap_or_default();
            println!("{}\t{}{decided}\tsubmitted by {}\t{}", v.reference(), v.status.key(), v.submitted_by, &v.content_hash[..12]);
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn audit(url: Option<String>, command: AuditCommand) -> anyhow::Result<ExitCode> {
    with_store(url, |store| async move {
        match command {
            AuditCommand::Verify => match store.verify_audit().await {
                Ok(rows) => {
                    println!("audit log intact: {rows} rows");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e @ journeys_store::StoreError::AuditBroken { .. }) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(e.into()),
            },
            AuditCommand::Export { format } => {
                let log = store.audit_log().await?;
                match format {
                    Format::Json => crate::files::emit_line(&serde_json::to_string_pretty(&log)?),
                    Format::Text => {
                        for e in log {
                            println!("{}\t{}\t{}\t{}\t{}\t{}", e.seq, e.at, e.actor, e.action, e.subject, e.detail);
                        }
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}
