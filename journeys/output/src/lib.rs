//! The one output writer. Every file a command or the app writes at a path a user named goes
//! through [`write`], so the rules below hold everywhere:
//!
//! - A regular file (or a path with nothing there yet) is replaced atomically: the bytes go to
//!   a sibling temporary file, are synced, and are renamed over the target, so a failure never
//!   leaves half a file and a reader never sees one. An existing file keeps its permissions.
//! - Anything else that exists — a character or block device (`/dev/null`, `/dev/stdout`), a
//!   FIFO, a socket — is opened and written directly. Renaming over it would replace the device
//!   node with a regular file (as root, `--out /dev/null` once broke every program after it).
//! - `-` is standard output.
//! - A symbolic link is followed: the file it points to is replaced, the link stays.
//! - A directory is refused.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// How many links are followed before giving up (as Linux's `ELOOP` limit).
const MAX_LINKS: usize = 40;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("cannot write {path}: it is a directory")]
    Directory { path: String },
    #[error("cannot write {path}: more than {MAX_LINKS} symbolic links to follow")]
    LinkLoop { path: String },
}

/// Where the bytes for a path go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `-`.
    Stdout,
    /// A regular file or nothing yet: replaced through a temporary sibling and a rename.
    Replace(PathBuf),
    /// A device, FIFO or socket: opened and written in place.
    Direct(PathBuf),
}

/// Decide how `path` is written, following symbolic links.
pub fn target_of(path: &Path) -> Result<Target, OutputError> {
    if path.as_os_str() == "-" {
        return Ok(Target::Stdout);
    }
    let shown = path.display().to_string();
    let io_error = |source| OutputError::Io { path: shown.clone(), source };
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::Replace(current)),
            Err(e) => return Err(io_error(e)),
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current).map_err(io_error)?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            Ok(meta) if meta.is_dir() => return Err(OutputError::Directory { path: shown.clone() }),
            Ok(meta) if meta.is_file() => return Ok(Target::Replace(current)),
            Ok(_) => return Ok(Target::Direct(current)),
        }
    }
    Err(OutputError::LinkLoop { path: shown })
}

/// Write `bytes` to `path` by the rules in the module comment.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let io_error = |source| OutputError::Io { path: path.display().to_string(), source };
    match target_of(path)? {
        Target::Stdout => {
            let mut out = io::stdout().lock();
            match out.write_all(bytes).and_then(|()| out.flush()) {
                // A reader that went away (`… --out - | head`) ends the output, as Unix tools do.
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(io_error(e)),
                _ => Ok(()),
            }
        }
        Target::Direct(device) => {
            let mut file = OpenOptions::new().write(true).open(&device).map_err(io_error)?;
            file.write_all(bytes).and_then(|()| file.flush()).map_err(io_error)
        }
        Target::Replace(file) => replace(&file, bytes).map_err(io_error),
    }
}

/// Temporary names are unique within the process too (two exports at once).
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let serial = COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".{name}.journeys-tmp-{}-{serial}", std::process::id()));
    let permissions = fs::metadata(path).ok().map(|m| m.permissions());
    let written = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_replaced_and_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("report.json");
        fs::write(&path, "old").expect("old");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        write(&path, b"new").expect("write");
        assert_eq!(fs::read_to_string(&path).expect("read"), "new");
        assert_eq!(fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o640);
        let left: Vec<_> = fs::read_dir(dir.path()).expect("ls").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind: {left:?}");
    }

    #[test]
    fn a_new_file_is_created() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("people.csv");
        write(&path, b"id\n").expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"id\n");
    }

    #[test]
    fn a_fifo_is_written_into_and_stays_a_fifo() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().expect("dir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo");
        assert!(made.success(), "mkfifo");
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(&fifo).expect("read fifo"))
        };
        write(&fifo, b"through the pipe").expect("write");
        assert_eq!(reader.join().expect("reader"), b"through the pipe");
        assert!(fs::symlink_metadata(&fifo).expect("meta").file_type().is_fifo(), "still a FIFO");
    }

    #[test]
    fn a_device_is_written_directly() {
        assert_eq!(target_of(Path::new("/dev/null")).expect("target"), Target::Direct("/dev/null".into()));
        write(Path::new("/dev/null"), b"gone").expect("write");
    }

    #[test]
    fn a_symlink_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().expect("dir");
        let real = dir.path().join("real.json");
        fs::write(&real, "old").expect("old");
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link).expect("symlink");
        write(&link, b"new").expect("write");
        assert!(fs::symlink_metadata(&link).expect("meta").file_type().is_symlink(), "the link is kept");
        assert_eq!(fs::read_to_string(&real).expect("read"), "new", "its target is replaced");
        // A dangling link names where the new file goes.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("made.json", &dangling).expect("symlink");
        write(&dangling, b"made").expect("write");
        assert_eq!(fs::read_to_string(dir.path().join("made.json")).expect("read"), "made");
    }

    #[test]
    fn a_directory_and_a_link_loop_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let error = write(dir.path(), b"x").expect_err("a directory");
        assert!(error.to_string().contains("is a directory"), "{error}");
        let a = dir.path().join("a");
        std::os::unix::fs::symlink("b", &a).expect("a");
        std::os::unix::fs::symlink("a", dir.path().join("b")).expect("b");
        let error = write(&a, b"x").expect_err("a loop");
        assert!(error.to_string().contains("symbolic links"), "{error}");
    }

    #[test]
    fn dash_is_standard_output() {
        assert_eq!(target_of(Path::new("-")).expect("target"), Target::Stdout);
    }
}
