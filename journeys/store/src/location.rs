//! Where the embedded database lives, shared by the desktop app and the CLI.

use std::path::{Path, PathBuf};

use crate::StoreError;

/// `DATABASE_URL` when set, else the SQLite file in the user's data directory
/// (`~/.local/share/journeys/journeys.db` on Linux).
pub fn default_database_url() -> Result<String, StoreError> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        if !url.trim().is_empty() {
            return Ok(url);
        }
    }
    let dir = dirs::data_dir().ok_or(StoreError::NoDataDir)?.join("journeys");
    Ok(sqlite_url_for(&dir.join("journeys.db")))
}

/// The sqlx URL of a SQLite file, created on first use.
pub fn sqlite_url_for(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

pub(crate) fn ensure_sqlite_parent(url: &str) -> Result<(), StoreError> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = PathBuf::from(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|source| StoreError::DataDir { path: parent.display().to_string(), source })?;
    }
    Ok(())
}

/// The URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_hidden() {
        assert_eq!(redact("postgres://bob:secret@127.0.0.1:5432/j"), "postgres://bob:***@127.0.0.1:5432/j");
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
