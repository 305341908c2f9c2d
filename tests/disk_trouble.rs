//! A full or read-only data dir under a running broker, end to end through the real binary:
//! produce fails with a clear message and exit code 8 (RESOURCE_EXHAUSTED for a full disk,
//! UNAVAILABLE for a read-only or failing one), consume keeps working, and produce works again
//! once the disk recovers, with no restart and nothing lost or invented.
//!
//! Two ways to get a sick disk:
//! - the storage layer's fault hook, switched by the broker's debug fault file
//!   (`FLASHQ_DEBUG_DISK_FAULT_FILE`): runs everywhere, covers every fault kind;
//! - a real 2 MiB tmpfs as the data dir, filled up with a file: needs root (mount), and is
//!   skipped with a printed reason where mounting is not allowed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{TestBroker, byte_position, flip_middle, stdout_of};

/// How long a fault may take to be seen (the debug file is polled every 50 ms).
const FAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Values the broker acknowledged, in order.
#[derive(Default)]
struct Acked(Vec<String>);

impl Acked {
    /// Produces `value`; returns the failed command's exit code and stderr, or records the ack.
    fn produce(&mut self, broker: &TestBroker, value: &str) -> Option<(i32, String)> {
        let out = broker
            .cmd()
            .args(["produce", "-t", "t", "--value", value])
            .output()
            .unwrap();
        if out.status.success() {
            self.0.push(value.to_string());
            return None;
        }
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        Some((out.status.code().unwrap_or(-1), stderr))
    }

    /// Produces until a produce fails (the fault has been seen); returns its code and stderr.
    fn produce_until_refused(&mut self, broker: &TestBroker, tag: &str) -> (i32, String) {
        let deadline = Instant::now() + FAULT_TIMEOUT;
        for i in 0.. {
            if let Some(failure) = self.produce(broker, &format!("{tag}-{i}")) {
                return failure;
            }
            assert!(
                Instant::now() < deadline,
                "produce never failed under {tag}"
            );
        }
        unreachable!()
    }

    /// Produces until a produce succeeds (the disk recovered).
    fn produce_until_accepted(&mut self, broker: &TestBroker, tag: &str) {
        let deadline = Instant::now() + FAULT_TIMEOUT;
        for i in 0.. {
            match self.produce(broker, &format!("{tag}-{i}")) {
                None => return,
                Some((code, stderr)) => assert!(
                    Instant::now() < deadline,
                    "produce never recovered after {tag}: exit {code}, {stderr}"
                ),
            }
        }
    }

    /// Consume reads back exactly the acknowledged values.
    fn assert_consumed(&self, broker: &TestBroker) {
        let out = stdout_of(broker.cmd().args(["consume", "-t", "t"]).assert().success());
        let got: Vec<&str> = out.lines().collect();
        assert_eq!(got, self.0);
    }
}

#[test]
fn produce_fails_clearly_on_a_sick_disk_and_recovers_without_a_restart() {
    let temp = tempfile::tempdir().unwrap();
    let fault_file = temp.path().join("disk-fault");
    let broker = TestBroker::start_in_with_env(
        &temp.path().join("data"),
        &[],
        &[(
            flashq::storage::faults::DEBUG_FAULT_FILE_ENV,
            fault_file.as_os_str(),
        )],
    );
    let pid = broker.pid();
    let mut acked = Acked::default();
    for i in 0..3 {
        assert!(acked.produce(&broker, &format!("before-{i}")).is_none());
    }
    for (fault, says) in [
        ("no-space", "no space left"),
        ("read-only", "read-only"),
        ("no-space-on-fsync", "no space left"),
        ("io-error-on-fsync", "input/output error"),
    ] {
        std::fs::write(&fault_file, fault).unwrap();
        let (code, stderr) = acked.produce_until_refused(&broker, fault);
        assert_eq!(code, 8, "{fault}: {stderr}");
        assert!(
            stderr.contains("topic \"t\" partition 0") && stderr.contains(says),
            "{fault}: {stderr}"
        );
        // Reads go on while the disk is sick, and see no failed record.
        acked.assert_consumed(&broker);
        std::fs::write(&fault_file, "none").unwrap();
        acked.produce_until_accepted(&broker, &format!("after-{fault}"));
    }
    acked.assert_consumed(&broker);
    assert_eq!(broker.pid(), pid, "no restart");
}

/// A tmpfs mounted on a temp dir, unmounted on drop.
struct Tmpfs {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (mount(8) syntax) or says why it cannot.
    fn mount(size: &str) -> Result<Tmpfs, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "flashq-test"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Tmpfs {
            path: dir.path().to_path_buf(),
            _dir: dir,
        })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// Writes `path` until the filesystem is full; returns the bytes written.
fn fill(path: &Path) -> u64 {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0xa5u8; 4096];
    let mut written = 0u64;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => panic!("filling {}: {e}", path.display()),
        }
    }
    let _ = file.sync_all();
    written
}

#[test]
fn a_real_full_tmpfs_fails_produce_with_resource_exhausted_until_space_is_freed() {
    let tmpfs = match Tmpfs::mount("2m") {
        Ok(tmpfs) => tmpfs,
        Err(reason) => {
            eprintln!("skipped: needs a small tmpfs as the data dir ({reason})");
            return;
        }
    };
    let broker = TestBroker::start_in(&tmpfs.path.join("data"), &[]);
    let mut acked = Acked::default();
    for i in 0..3 {
        assert!(acked.produce(&broker, &format!("before-{i}")).is_none());
    }
    // Leave no room for even a small batch.
    let filler = tmpfs.path.join("filler");
    assert!(fill(&filler) > 0);
    let big = "x".repeat(64 * 1024);
    let (code, stderr) = acked
        .produce(&broker, &big)
        .expect("a 64 KiB record cannot fit on a full tmpfs");
    assert_eq!(code, 8, "{stderr}");
    assert!(
        stderr.contains("no space left") && stderr.contains("topic \"t\" partition 0"),
        "{stderr}"
    );
    acked.assert_consumed(&broker);
    std::fs::remove_file(&filler).unwrap();
    assert!(acked.produce(&broker, &big).is_none(), "space is back");
    assert!(acked.produce(&broker, "after").is_none());
    acked.assert_consumed(&broker);
    // Nothing torn was left behind: the partition verifies clean.
    let partition_dir = tmpfs.path.join("data/topics/t/0");
    broker
        .cmd()
        .args(["inspect-log", "--verify"])
        .arg(&partition_dir)
        .assert()
        .success();
    drop(broker);
}

/// The committed-offsets log of a single broker (in a cluster, commits live in the Raft log):
/// a flipped byte before its last entry stops `serve` with exit 7 naming the file and byte and
/// leaves the file as it was; a cut in its middle reads as a torn tail, which is cut with a
/// warning naming the file and the bytes kept, and the group goes on from the last commit
/// kept (it reads some records again: at-least-once, never a record skipped).
#[test]
fn a_damaged_offsets_log_stops_serve_naming_the_byte_and_a_cut_one_is_cut_with_a_warning() {
    let temp = tempfile::tempdir().unwrap();
    let data_dir = temp.path().join("data");
    let log_file = temp.path().join("broker.log");
    let mut broker = TestBroker::start_in_logging_to(&data_dir, &[], &log_file);
    for n in 0..8 {
        broker
            .cmd()
            .args(["produce", "-t", "t", "--value", &format!("v{n}")])
            .assert()
            .success();
    }
    // One commit per run: several entries, so the middle byte is not in the last one.
    for _ in 0..6 {
        broker
            .cmd()
            .args(["consume", "-t", "t", "--group", "g", "--max", "1"])
            .assert()
            .success();
    }
    // Killed: a clean stop compacts the log into the snapshot.
    broker.kill();
    let offsets_log = data_dir.join("groups/offsets.log");
    let middle = flip_middle(&offsets_log);
    let mut bytes = std::fs::read(&offsets_log).unwrap();
    let error = broker.serve_refused();
    let position = byte_position(&error).unwrap_or_else(|| panic!("no byte position: {error}"));
    assert!(
        error.contains("offsets.log") && position <= middle,
        "{error} (flipped byte {middle})"
    );
    assert_eq!(
        std::fs::read(&offsets_log).unwrap(),
        bytes,
        "the damaged file was changed"
    );

    // Undo the flip, then cut the file in its middle instead.
    let middle = middle as usize;
    bytes[middle] ^= 0x10;
    std::fs::write(&offsets_log, &bytes[..middle]).unwrap();
    broker.start_again();
    let log = broker.log();
    assert!(
        log.lines()
            .any(|l| l.contains("offsets.log") && l.contains("kept_bytes=")),
        "no warning about the cut:\n{log}"
    );
    let read = stdout_of(
        broker
            .cmd()
            .args(["consume", "-t", "t", "--group", "g", "--format", "%v\n"])
            .assert(),
    );
    let values: Vec<&str> = read.lines().collect();
    assert!(
        values.last() == Some(&"v7") && values.len() > 2,
        "the group did not go on from an earlier commit: {values:?}"
    );
}
