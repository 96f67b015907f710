//! The file sink: one NDJSON file per channel that a bank's own systems pick up. Each key is
//! written at most once, even across crashes: the keys already in the files are read on open,
//! and a line is written and fsynced before the outbox row is marked delivered.

use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use journeys_store::OutboxRow;
use serde_json::Value;

/// What every connector delivers for an action: the file sink's line, the webhook's body.
pub fn action_json(row: &OutboxRow) -> Value {
    let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
    serde_json::json!({
        "idempotency_key": row.idempotency_key,
        "channel": row.channel,
        "customer_id": row.customer_id,
        "journey": row.journey_id,
        "version": row.version,
        "node": row.node,
        "content": payload.get("content").cloned().unwrap_or(Value::Null),
        "offer": payload.get("offer").cloned().unwrap_or(Value::Null),
        "at": payload.get("at").cloned().unwrap_or(Value::Null),
    })
}

pub struct FileSink {
    dir: PathBuf,
    written: HashSet<String>,
}

impl FileSink {
    pub fn open(dir: &Path) -> io::Result<FileSink> {
        fs::create_dir_all(dir)?;
        let mut written = HashSet::new();
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("ndjson") {
                continue;
            }
            let mut text = fs::read_to_string(&path)?;
            // A crash mid-write leaves a partial last line: it was never delivered, so cut it
            // off, and the next append starts on a line of its own.
            if !text.is_empty() && !text.ends_with('\n') {
                let keep = text.rfind('\n').map_or(0, |i| i + 1);
                text.truncate(keep);
                let file = OpenOptions::new().write(true).open(&path)?;
                file.set_len(keep as u64)?;
                file.sync_all()?;
                tracing::warn!(path = %path.display(), "cut a partial last line left by a crash");
            }
            for line in text.lines() {
                if let Some(key) = serde_json::from_str::<Value>(line).ok().and_then(|v| v.get("idempotency_key")?.as_str().map(str::to_string)) {
                    written.insert(key);
                }
            }
        }
        Ok(FileSink { dir: dir.to_path_buf(), written })
    }

    /// Append the action to `<channel>.ndjson`; false when its key was written before.
    pub fn deliver(&mut self, row: &OutboxRow) -> io::Result<bool> {
        if self.written.contains(&row.idempotency_key) {
            return Ok(false);
        }
        let line = action_json(row);
        // Channel keys are fixed snake_case words, so they are safe file names.
        let path = self.dir.join(format!("{}.ndjson", row.channel));
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        file.write_all(format!("{line}\n").as_bytes())?;
        file.sync_data()?;
        self.written.insert(row.idempotency_key.clone());
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str) -> OutboxRow {
        OutboxRow {
            seq: 1,
            idempotency_key: key.into(),
            channel: "email".into(),
            customer_id: "C1".into(),
            journey_id: "j".into(),
            version: 1,
            node: "n".into(),
            payload: r#"{"content":"hi"}"#.into(),
            created_at: 0,
            delivered_at: None,
            attempts: 0,
        }
    }

    #[test]
    fn keys_survive_reopening_and_a_torn_last_line_is_cut() {
        let dir = tempfile::tempdir().expect("dir");
        let mut sink = FileSink::open(dir.path()).expect("open");
        assert!(sink.deliver(&row("j@1:C1:n:1")).expect("write"));
        assert!(!sink.deliver(&row("j@1:C1:n:1")).expect("no second write"));
        let path = dir.path().join("email.ndjson");
        let mut torn = fs::read_to_string(&path).expect("read");
        torn.push_str(r#"{"idempotency_key":"j@1:C1:n:2","chan"#);
        fs::write(&path, torn).expect("tear");
        let mut sink = FileSink::open(dir.path()).expect("reopen");
        assert!(!sink.deliver(&row("j@1:C1:n:1")).expect("known after reopening"));
        assert!(sink.deliver(&row("j@1:C1:n:2")).expect("the torn one was never delivered"));
        let text = fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 2);
        assert!(text.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()), "{text}");
    }
}
