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

/// A SQLite URL that creates its file when missing (`mode=rwc`), as the default location does,
/// unless it says otherwise: `--database-url sqlite:///new/place.db` used to fail with
/// "unable to open database file".
pub(crate) fn creating(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if path.ends_with(":memory:") || query.split('&').any(|pair| pair.starts_with("mode=")) {
        return url.to_string();
    }
    if query.is_empty() {
        format!("{path}?mode=rwc")
    } else {
        format!("{path}?{query}&mode=rwc")
    }
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
    fn a_sqlite_url_creates_its_file_unless_it_says_otherwise() {
        assert_eq!(creating("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db?mode=rwc");
        assert_eq!(creating("sqlite:///tmp/x.db?cache=shared"), "sqlite:///tmp/x.db?cache=shared&mode=rwc");
        assert_eq!(creating("sqlite:///tmp/x.db?mode=ro"), "sqlite:///tmp/x.db?mode=ro");
        assert_eq!(creating("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn password_is_hidden() {
        assert_eq!(redact("postgres://bob:secret@127.0.0.1:5432/j"), "postgres://bob:***@127.0.0.1:5432/j");
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
