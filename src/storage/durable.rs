//! Crash-safe file replacement: a file is either its old or its new content, never empty or torn.
//!
//! The recipe is write a temp file beside it, fsync it, rename it over the target, fsync the
//! directory (so the rename itself survives a power loss). Metadata, checkpoints and rebuilt
//! indexes all go through here; nothing in storage rewrites a file in place.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::faults::{self, DiskOp};
use super::{Result, StorageError};

/// Suffix of temp files; any left behind by a crash are removed when a dir is opened.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Replaces `path` with `bytes` crash-safely. On failure `path` is untouched and the temp file
/// is removed, so a full disk is not filled further by leftovers.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut temp_name = path.as_os_str().to_owned();
    temp_name.push(TEMP_SUFFIX);
    let temp = Path::new(&temp_name);
    let written = write_and_sync(temp, bytes);
    if written.is_err() {
        let _ = std::fs::remove_file(temp);
    }
    written?;
    std::fs::rename(temp, path).map_err(|e| {
        let _ = std::fs::remove_file(temp);
        StorageError::io(
            format!("renaming {} to {}", temp.display(), path.display()),
            e,
        )
    })?;
    sync_parent_dir(path)
}

/// Creates `path` with `bytes` and fsyncs it.
fn write_and_sync(path: &Path, bytes: &[u8]) -> Result<()> {
    let context = |what: &str| format!("{what} {}", path.display());
    faults::check(path, DiskOp::Write).map_err(|e| StorageError::io(context("creating"), e))?;
    let mut file = File::create(path).map_err(|e| StorageError::io(context("creating"), e))?;
    file.write_all(bytes)
        .map_err(|e| StorageError::io(context("writing"), e))?;
    faults::check(path, DiskOp::Sync).map_err(|e| StorageError::io(context("syncing"), e))?;
    file.sync_all()
        .map_err(|e| StorageError::io(context("syncing"), e))
}

/// Fsyncs a directory so that entries created, renamed or removed in it are durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StorageError::io(format!("syncing dir {}", dir.display()), e))
}

/// Fsyncs the directory holding `path`.
pub fn sync_parent_dir(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => sync_dir(dir),
        _ => sync_dir(Path::new(".")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::faults::DiskFault;

    #[test]
    fn replaces_content_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_keeps_the_old_content_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.json");
        write_atomically(&path, b"one").unwrap();
        for fault in [
            DiskFault::NoSpace,
            DiskFault::NoSpaceOnFsync,
            DiskFault::ReadOnly,
        ] {
            faults::inject(dir.path(), fault);
            let error = write_atomically(&path, b"two").unwrap_err();
            faults::clear(dir.path());
            if fault == DiskFault::ReadOnly {
                assert!(matches!(error, StorageError::Io { .. }), "{error}");
            } else {
                assert!(matches!(error, StorageError::NoSpace(_)), "{error}");
            }
            assert_eq!(std::fs::read(&path).unwrap(), b"one");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        }
    }
}
