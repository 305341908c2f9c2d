//! Disk fault injection: makes the storage layer's writes, truncations or fsyncs under a
//! directory fail as a full, read-only or failing disk would, so tests (and drills) can check
//! what a produce, a commit or a roll does then without filling a real disk.
//!
//! Off unless a fault is injected: every hooked call first reads one process-wide flag, so the
//! hot path pays one relaxed atomic load. A fault applies to files under the directory it was
//! injected for, so tests running side by side in one process never see each other's faults.
//!
//! Hooked calls: segment appends, segment creation and truncation, segment fsyncs, crash-safe
//! file replacement ([`super::durable::write_atomically`]: metadata, indexes, checkpoints,
//! offset snapshots) and journals' appends, cuts and fsyncs (the offsets log, the Raft log).
//!
//! `flashq serve` can drive this from a file for end-to-end tests: see
//! [`DEBUG_FAULT_FILE_ENV`].

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Environment variable naming a file that `flashq serve` polls and whose content (a
/// [`DiskFault`] name, or `none`/empty) it injects for its data dir. A debugging and testing
/// switch only: never set it on a broker that holds data you care about.
pub const DEBUG_FAULT_FILE_ENV: &str = "FLASHQ_DEBUG_DISK_FAULT_FILE";

/// What kind of disk trouble to pretend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskFault {
    /// Writes fail with ENOSPC after landing part of their bytes, as on a full tmpfs; fsyncs and
    /// truncations (which free space) still work.
    NoSpace,
    /// Fsyncs fail with ENOSPC, as when delayed allocation finds no room at writeback; writes
    /// still land in the page cache.
    NoSpaceOnFsync,
    /// Writes, truncations and fsyncs fail with EROFS, as after the kernel remounted the
    /// filesystem read-only.
    ReadOnly,
    /// Fsyncs fail with EIO, as on a failing device.
    IoErrorOnFsync,
}

impl DiskFault {
    /// Every fault, with the name `--`-style tools and the debug fault file use.
    pub const ALL: [(DiskFault, &'static str); 4] = [
        (DiskFault::NoSpace, "no-space"),
        (DiskFault::NoSpaceOnFsync, "no-space-on-fsync"),
        (DiskFault::ReadOnly, "read-only"),
        (DiskFault::IoErrorOnFsync, "io-error-on-fsync"),
    ];

    /// The error a call of kind `op` gets under this fault, if it fails.
    fn error_for(self, op: DiskOp) -> Option<io::Error> {
        let (kind, what) = match (self, op) {
            (DiskFault::NoSpace, DiskOp::Write) => {
                (io::ErrorKind::StorageFull, "no space left on device")
            }
            (DiskFault::NoSpaceOnFsync, DiskOp::Sync) => {
                (io::ErrorKind::StorageFull, "no space left on device")
            }
            (DiskFault::ReadOnly, _) => {
                (io::ErrorKind::ReadOnlyFilesystem, "read-only file system")
            }
            (DiskFault::IoErrorOnFsync, DiskOp::Sync) => {
                (io::ErrorKind::Other, "input/output error")
            }
            _ => return None,
        };
        Some(io::Error::new(kind, format!("{what} (injected fault)")))
    }
}

impl std::str::FromStr for DiskFault {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        DiskFault::ALL
            .iter()
            .find(|(_, name)| *name == s)
            .map(|(fault, _)| *fault)
            .ok_or_else(|| {
                let names: Vec<&str> = DiskFault::ALL.iter().map(|(_, n)| *n).collect();
                format!(
                    "unknown disk fault {s:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// The kind of call a hook guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskOp {
    /// Creating a file or writing bytes into one.
    Write,
    /// Cutting a file shorter (frees space, so only a read-only disk refuses it).
    Shrink,
    /// fsync / fdatasync.
    Sync,
}

/// True while any fault is injected anywhere: the hooks' fast path.
static ANY_FAULT: AtomicBool = AtomicBool::new(false);
/// The injected faults, by directory.
static FAULTS: Mutex<Vec<(PathBuf, DiskFault)>> = Mutex::new(Vec::new());

fn faults() -> std::sync::MutexGuard<'static, Vec<(PathBuf, DiskFault)>> {
    FAULTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Makes calls on files under `dir` fail as `fault` says, replacing any fault set for `dir`.
pub fn inject(dir: &Path, fault: DiskFault) {
    let dir = normalize(dir);
    let mut faults = faults();
    faults.retain(|(d, _)| *d != dir);
    faults.push((dir, fault));
    ANY_FAULT.store(true, Ordering::Release);
}

/// Removes the fault injected for `dir`, if any: the disk is healthy again.
pub fn clear(dir: &Path) {
    let dir = normalize(dir);
    let mut faults = faults();
    faults.retain(|(d, _)| *d != dir);
    ANY_FAULT.store(!faults.is_empty(), Ordering::Release);
}

/// The fault injected for exactly `dir`, if any.
pub fn injected(dir: &Path) -> Option<DiskFault> {
    let dir = normalize(dir);
    faults().iter().find(|(d, _)| *d == dir).map(|(_, f)| *f)
}

/// The hook: fails when a fault injected for a directory holding `path` covers `op`.
pub fn check(path: &Path, op: DiskOp) -> io::Result<()> {
    if !ANY_FAULT.load(Ordering::Relaxed) {
        return Ok(());
    }
    let path = normalize(path);
    let faults = faults();
    match faults
        .iter()
        .find(|(dir, _)| path.starts_with(dir))
        .and_then(|(_, fault)| fault.error_for(op))
    {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// An absolute path for prefix matching; relative paths are taken from the current dir, and a
/// path that cannot be resolved is used as given.
fn normalize(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_covers_its_dir_only_and_clears() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let file = dir.path().join("topics/t/0/00000000000000000000.log");
        inject(dir.path(), DiskFault::NoSpace);
        let error = check(&file, DiskOp::Write).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
        assert!(check(&file, DiskOp::Sync).is_ok());
        assert!(check(&file, DiskOp::Shrink).is_ok());
        assert!(check(&other.path().join("x"), DiskOp::Write).is_ok());
        inject(dir.path(), DiskFault::ReadOnly);
        assert_eq!(
            check(&file, DiskOp::Shrink).unwrap_err().kind(),
            io::ErrorKind::ReadOnlyFilesystem
        );
        assert_eq!(injected(dir.path()), Some(DiskFault::ReadOnly));
        clear(dir.path());
        assert!(check(&file, DiskOp::Write).is_ok());
        assert_eq!(injected(dir.path()), None);
    }

    #[test]
    fn names_parse() {
        for (fault, name) in DiskFault::ALL {
            assert_eq!(name.parse::<DiskFault>(), Ok(fault));
        }
        assert!("full".parse::<DiskFault>().is_err());
    }
}
