//! The file sink: one NDJSON file per channel that a bank's own systems pick up. Each key is
//! written at most once, even across crashes and by several engines sharing the directory:
//! the keys already in a file are read (under its lock) before each append, and a line is
//! written and fsynced before the outbox row is marked delivered.

use std::collections::{HashMap, HashSet};
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
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

/// Several engine processes may share the directory: every append happens under an
/// exclusive lock on the file, after reading what others appended since (so a key another
/// process wrote is not written again).
pub struct FileSink {
    dir: PathBuf,
    written: HashSet<String>,
    /// How far each file has been read.
    read_to: HashMap<PathBuf, u64>,
}

impl FileSink {
    pub fn open(dir: &Path) -> io::Result<FileSink> {
        fs::create_dir_all(dir)?;
        let mut sink = FileSink { dir: dir.to_path_buf(), written: HashSet::new(), read_to: HashMap::new() };
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) == Some("ndjson") {
                let file = OpenOptions::new().read(true).append(true).open(&path)?;
                file.lock()?;
                sink.catch_up(&file, &path)?;
            }
        }
        Ok(sink)
    }

    /// Append the action to `<channel>.ndjson`; false when its key was written before (by any
    /// process sharing the directory).
    pub fn deliver(&mut self, row: &OutboxRow) -> io::Result<bool> {
        if self.written.contains(&row.idempotency_key) {
            return Ok(false);
        }
        // Channel keys are fixed snake_case words, so they are safe file names.
        let path = self.dir.join(format!("{}.ndjson", row.channel));
        let mut file = OpenOptions::new().create(true).read(true).append(true).open(&path)?;
        // Released when `file` closes, on return or on a crash.
        file.lock()?;
        self.catch_up(&file, &path)?;
        if self.written.contains(&row.idempotency_key) {
            return Ok(false);
        }
        let line = format!("{}\n", action_json(row));
        file.write_all(line.as_bytes())?;
        file.sync_data()?;
        *self.read_to.entry(path).or_default() += line.len() as u64;
        self.written.insert(row.idempotency_key.clone());
        Ok(true)
    }

    /// Read the keys appended since this sink last looked. Called under the file's lock, so
    /// a partial last line is a crashed writer's: it was never delivered, so it is cut off
    /// and the next append starts on a line of its own.
    fn catch_up(&mut self, mut file: &fs::File, path: &Path) -> io::Result<()> {
        let from = self.read_to.get(path).copied().unwrap_or(0);
        let len = file.metadata()?.len();
        if len <= from {
            self.read_to.insert(path.to_path_buf(), len);
            return Ok(());
        }
        file.seek(SeekFrom::Start(from))?;
        let mut text = String::new();
        file.read_to_string(&mut text)?;
        if !text.ends_with('\n') {
            let keep = text.rfind('\n').map_or(0, |i| i + 1);
            text.truncate(keep);
            file.set_len(from + keep as u64)?;
            file.sync_all()?;
            tracing::warn!(path = %path.display(), "cut a partial last line left by a crash");
        }
        for line in text.lines() {
            if let Some(key) = serde_json::from_str::<Value>(line).ok().and_then(|v| v.get("idempotency_key")?.as_str().map(str::to_string)) {
                self.written.insert(key);
            }
        }
        self.read_to.insert(path.to_path_buf(), from + text.len() as u64);
        Ok(())
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

    #[test]
    fn two_sinks_sharing_a_directory_write_each_key_once() {
        let dir = tempfile::tempdir().expect("dir");
        let mut first = FileSink::open(dir.path()).expect("open");
        let mut second = FileSink::open(dir.path()).expect("open again");
        assert!(first.deliver(&row("k:1")).expect("write"));
        assert!(!second.deliver(&row("k:1")).expect("the other one wrote it"));
        assert!(second.deliver(&row("k:2")).expect("a new key"));
        assert!(!first.deliver(&row("k:2")).expect("seen after catching up"));
        assert!(first.deliver(&row("k:3")).expect("a new key"));
        let text = fs::read_to_string(dir.path().join("email.ndjson")).expect("read");
        let keys: Vec<String> = text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()?.get("idempotency_key")?.as_str().map(str::to_string)).collect();
        assert_eq!(keys, ["k:1", "k:2", "k:3"]);
    }
}
