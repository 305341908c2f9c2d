//! Disk trouble under the file log, offsets store and topic metadata, through the storage
//! layer's fault hook (`flashq::storage::faults`): a full disk on write or on fsync, a
//! read-only disk, a failing fsync. Every case checks the same promises: the failing call
//! returns a clear error, reads keep working, nothing after the last good batch stays in the
//! file, appends resume once the fault clears (no reopen), and a reopen holds exactly the
//! acknowledged records.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use flashq::storage::faults::{self, DiskFault};
use flashq::storage::file::{FileStorage, FileStorageOptions};
use flashq::storage::inspect::{self, Target};
use flashq::storage::offset_store::{
    FileOffsetStore, FileOffsetStoreOptions, OffsetCommit, OffsetStore,
};
use flashq::storage::partition_log::FilePartitionLog;
use flashq::storage::{
    FsyncPolicy, LogConfig, PartitionLog, Record, RecordLimits, Storage, StorageError, TopicMeta,
};

fn open(dir: &Path, segment_bytes: u64, fsync: FsyncPolicy) -> FilePartitionLog {
    FilePartitionLog::open(
        dir,
        LogConfig {
            segment_bytes,
            ..LogConfig::default()
        },
        RecordLimits::default(),
        fsync,
    )
    .unwrap()
}

fn batch(n: u64) -> Vec<Record> {
    (0..3)
        .map(|i| Record {
            timestamp_ms: 1_000 + n as i64 * 10 + i,
            key: Some(Bytes::from(format!("key-{n}-{i}"))),
            value: Bytes::from(format!("value-{n}-{i}-{}", "x".repeat(200))),
            headers: vec![],
        })
        .collect()
}

/// The acknowledged batches, in offset order.
#[derive(Default)]
struct Acked(Vec<Vec<Record>>);

impl Acked {
    fn append(&mut self, log: &dyn PartitionLog, n: u64) {
        let records = batch(n);
        let outcome = log.append(&records).expect("append on a healthy disk");
        assert_eq!(
            outcome.base_offset,
            self.count(),
            "offsets continue without a gap"
        );
        self.0.push(records);
    }

    fn count(&self) -> u64 {
        self.0.iter().map(|b| b.len() as u64).sum()
    }

    /// The log holds exactly the acknowledged records at offsets 0, 1, 2, ...
    fn assert_held_by(&self, log: &dyn PartitionLog) {
        assert_eq!(log.end_offset(), self.count());
        let read = log.read(0, usize::MAX).unwrap();
        let want: Vec<&Record> = self.0.iter().flatten().collect();
        assert_eq!(read.len(), want.len());
        for (i, (got, want)) in read.iter().zip(want).enumerate() {
            assert_eq!(got.offset, i as u64);
            assert_eq!(&got.record, want);
        }
    }

    /// The log starts with exactly the acknowledged records (more may be written, not acked).
    fn assert_prefix_of(&self, log: &dyn PartitionLog) {
        let read = log.read(0, usize::MAX).unwrap();
        let want: Vec<&Record> = self.0.iter().flatten().collect();
        assert!(read.len() >= want.len());
        for (got, want) in read.iter().zip(want) {
            assert_eq!(&got.record, want);
        }
    }
}

/// `inspect-log --verify` finds nothing wrong with the files as they are (no torn bytes after
/// the last batch, indexes consistent).
fn assert_files_verify(dir: &Path, records: u64) {
    let target = Target::resolve(dir).unwrap();
    let report = inspect::inspect(&target, true, &mut |_, _| Ok(())).unwrap();
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!(report.records, records);
}

/// Removes the injected fault even when an assertion fails, so no later test sees it.
struct FaultGuard<'a>(&'a Path);

impl<'a> FaultGuard<'a> {
    fn inject(dir: &'a Path, fault: DiskFault) -> Self {
        faults::inject(dir, fault);
        FaultGuard(dir)
    }
}

impl Drop for FaultGuard<'_> {
    fn drop(&mut self) {
        faults::clear(self.0);
    }
}

#[test]
fn a_full_disk_fails_the_append_keeps_reads_and_appends_resume_when_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 1 << 30, FsyncPolicy::Always);
    let mut acked = Acked::default();
    for n in 0..5 {
        acked.append(&log, n);
    }
    {
        let _fault = FaultGuard::inject(dir.path(), DiskFault::NoSpace);
        for n in 100..103 {
            let error = log.append(&batch(n)).unwrap_err();
            assert!(matches!(error, StorageError::NoSpace(_)), "{error}");
            assert!(
                error.to_string().contains(".log"),
                "names the file: {error}"
            );
        }
        acked.assert_held_by(&log);
        assert_eq!(log.offset_for_timestamp(1_000).unwrap(), Some(0));
    }
    // The injected write landed half a batch; it is gone.
    assert_files_verify(dir.path(), acked.count());
    for n in 5..8 {
        acked.append(&log, n);
    }
    acked.assert_held_by(&log);
    log.close().unwrap();
    drop(log);
    let log = open(dir.path(), 1 << 30, FsyncPolicy::Always);
    acked.assert_held_by(&log);
}

#[test]
fn a_read_only_disk_leaves_no_torn_batch_in_front_of_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 1 << 30, FsyncPolicy::Always);
    let mut acked = Acked::default();
    for n in 0..3 {
        acked.append(&log, n);
    }
    {
        let _fault = FaultGuard::inject(dir.path(), DiskFault::ReadOnly);
        let error = log.append(&batch(100)).unwrap_err();
        assert!(matches!(error, StorageError::Io { .. }), "{error}");
        assert!(error.to_string().contains("read-only"), "{error}");
        acked.assert_held_by(&log);
        // Half a batch landed and the cut was refused too: the bytes are still there.
        let problems = {
            let target = Target::resolve(dir.path()).unwrap();
            inspect::inspect(&target, false, &mut |_, _| Ok(()))
                .unwrap()
                .problems
        };
        assert_eq!(problems.len(), 1, "{problems:#?}");
    }
    // The next append cuts them first.
    acked.append(&log, 3);
    assert_files_verify(dir.path(), acked.count());
    drop(log); // unclean: recovery scans everything
    let log = open(dir.path(), 1 << 30, FsyncPolicy::Always);
    acked.assert_held_by(&log);
}

#[test]
fn a_failed_fsync_fails_its_appends_and_the_log_is_cut_back_to_its_durable_end() {
    for fault in [DiskFault::NoSpaceOnFsync, DiskFault::IoErrorOnFsync] {
        let dir = tempfile::tempdir().unwrap();
        let log = open(dir.path(), 1 << 30, FsyncPolicy::Always);
        let mut acked = Acked::default();
        for n in 0..4 {
            acked.append(&log, n);
        }
        {
            let _fault = FaultGuard::inject(dir.path(), fault);
            for n in 100..103 {
                let error = log.append(&batch(n)).unwrap_err();
                match fault {
                    DiskFault::NoSpaceOnFsync => {
                        assert!(matches!(error, StorageError::NoSpace(_)), "{error}")
                    }
                    _ => assert!(matches!(error, StorageError::Io { .. }), "{error}"),
                }
                // The failed batch is cut as soon as the disk takes the cut (not while fsyncs
                // fail: the cut is fsynced too); the acknowledged records read as before.
                acked.assert_prefix_of(&log);
            }
            let flush = log.flush();
            assert!(
                flush.is_err(),
                "{fault:?}: the failed bytes are not durable"
            );
        }
        for n in 4..7 {
            acked.append(&log, n);
        }
        acked.assert_held_by(&log);
        assert_files_verify(dir.path(), acked.count());
        drop(log); // unclean
        let log = open(dir.path(), 1 << 30, FsyncPolicy::Always);
        acked.assert_held_by(&log);
    }
}

#[test]
fn concurrent_appends_through_a_failed_fsync_keep_exactly_the_acknowledged_records() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(open(dir.path(), 64 * 1024, FsyncPolicy::Always));
    // (base offset, records) of every acknowledged append, in no particular order.
    type AckLog = Mutex<Vec<(u64, Vec<Record>)>>;
    let acked: Arc<AckLog> = Arc::default();
    let failures = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let (log, acked, failures, stop) =
                (log.clone(), acked.clone(), failures.clone(), stop.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let records = batch(t * 1_000_000 + i);
                    match log.append(&records) {
                        Ok(outcome) => acked.lock().unwrap().push((outcome.base_offset, records)),
                        Err(_) => {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    // A reader reads from the start all along: reads never fail, whatever the faults and cuts.
    let reader = {
        let (log, stop) = (log.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut reads = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let records = log.read(0, 64 * 1024).expect("reads keep working");
                for (i, r) in records.iter().enumerate() {
                    assert_eq!(r.offset, i as u64);
                }
                reads += 1;
            }
            reads
        })
    };
    // Turn faults on and off while the appenders run: each fault fails appends mid-flight, each
    // pause lets them through again.
    for round in 0..30 {
        let fault = match round % 3 {
            0 => DiskFault::IoErrorOnFsync,
            1 => DiskFault::NoSpace,
            _ => DiskFault::NoSpaceOnFsync,
        };
        {
            let _fault = FaultGuard::inject(dir.path(), fault);
            std::thread::sleep(std::time::Duration::from_millis(3));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        thread.join().unwrap();
    }
    let reads = reader.join().unwrap();
    assert!(reads > 0);
    let failures = failures.load(Ordering::Relaxed);
    let mut acked = std::mem::take(&mut *acked.lock().unwrap());
    acked.sort_by_key(|(base, _)| *base);
    let acked = Acked(acked.into_iter().map(|(_, records)| records).collect());
    let mut acked = acked;
    acked.append(log.as_ref(), 9999);
    acked.assert_held_by(log.as_ref());
    assert_files_verify(dir.path(), acked.count());
    drop(log);
    let log = open(dir.path(), 64 * 1024, FsyncPolicy::Always);
    acked.assert_held_by(&log);
    eprintln!("{} appends acknowledged, {failures} failed", acked.0.len());
    assert!(
        failures > 0 && acked.0.len() > 1,
        "the faults hit some appends, not all"
    );
}

#[test]
fn a_roll_on_a_full_disk_fails_cleanly_and_is_retried() {
    for fault in [
        DiskFault::NoSpace,
        DiskFault::NoSpaceOnFsync,
        DiskFault::ReadOnly,
    ] {
        let dir = tempfile::tempdir().unwrap();
        // Two batches per segment: every other append rolls, writing indexes, the recovery
        // point and a new file.
        let log = open(dir.path(), 1500, FsyncPolicy::Always);
        let mut acked = Acked::default();
        for n in 0..4 {
            acked.append(&log, n);
        }
        {
            let _fault = FaultGuard::inject(dir.path(), fault);
            for n in 100..104 {
                assert!(log.append(&batch(n)).is_err(), "{fault:?}");
                acked.assert_held_by(&log);
            }
        }
        for n in 4..9 {
            acked.append(&log, n);
        }
        acked.assert_held_by(&log);
        assert_files_verify(dir.path(), acked.count());
        log.close().unwrap();
        drop(log);
        let log = open(dir.path(), 1500, FsyncPolicy::Always);
        acked.assert_held_by(&log);
        assert!(log.segment_count() >= 4, "{fault:?}");
    }
}

#[test]
fn with_fsync_interval_a_failed_fsync_refuses_writes_until_reopen_and_reads_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        1 << 30,
        FsyncPolicy::Interval { interval_ms: 5 },
    );
    let mut acked = Acked::default();
    for n in 0..3 {
        acked.append(&log, n);
    }
    {
        let _fault = FaultGuard::inject(dir.path(), DiskFault::IoErrorOnFsync);
        // Acknowledged before its fsync: this one cannot be taken back when the fsync fails.
        acked.append(&log, 3);
        assert!(log.flush().is_err());
    }
    let error = log.append(&batch(100)).unwrap_err();
    assert!(error.to_string().contains("fsync failed"), "{error}");
    acked.assert_held_by(&log);
    drop(log);
    let log = open(
        dir.path(),
        1 << 30,
        FsyncPolicy::Interval { interval_ms: 5 },
    );
    acked.assert_held_by(&log);
    acked.append(&log, 4);
}

#[test]
fn topic_metadata_and_committed_offsets_survive_a_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FileStorage::open(dir.path(), FileStorageOptions::default()).unwrap();
    let meta = TopicMeta {
        name: "orders".into(),
        partitions: 2,
        config: LogConfig::default(),
    };
    storage.save_topic(&meta).unwrap();
    let groups_dir = dir.path().join("groups");
    let offsets = FileOffsetStore::open(&groups_dir, FileOffsetStoreOptions::default()).unwrap();
    let commit = |offset| OffsetCommit {
        topic: "orders".into(),
        partition: 0,
        offset,
    };
    offsets.commit("g", &[commit(5)], 1).unwrap();
    let committed = |store: &FileOffsetStore| store.offsets("g").unwrap()[&("orders".into(), 0)];

    for fault in [DiskFault::NoSpace, DiskFault::ReadOnly] {
        let _fault = FaultGuard::inject(dir.path(), fault);
        let bigger = TopicMeta {
            partitions: 4,
            ..meta.clone()
        };
        let error = storage.save_topic(&bigger).unwrap_err();
        assert!(error.to_string().contains("topic.json"), "{error}");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("topics/orders"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        assert_eq!(storage.load_topics().unwrap(), vec![meta.clone()]);
        assert!(
            storage
                .save_topic(&TopicMeta {
                    name: "new-topic".into(),
                    ..meta.clone()
                })
                .is_err()
        );
        let error = offsets.commit("g", &[commit(6)], 2).unwrap_err();
        if fault == DiskFault::NoSpace {
            assert!(matches!(error, StorageError::NoSpace(_)), "{error}");
        }
        assert_eq!(committed(&offsets).offset, 5);
    }
    // Space is back: both take writes again, without a reopen.
    storage.save_topic(&meta).unwrap();
    offsets.commit("g", &[commit(7)], 3).unwrap();
    assert_eq!(committed(&offsets).offset, 7);
    offsets.close().unwrap();
    drop(offsets);
    let offsets = FileOffsetStore::open(&groups_dir, FileOffsetStoreOptions::default()).unwrap();
    assert_eq!(committed(&offsets).offset, 7);
    let topics = storage.load_topics().unwrap();
    assert_eq!(topics.len(), 1, "{topics:?}");
}

#[test]
fn a_failed_offsets_fsync_fails_the_commit_and_commits_resume_when_it_clears() {
    let dir = tempfile::tempdir().unwrap();
    let offsets = FileOffsetStore::open(dir.path(), FileOffsetStoreOptions::default()).unwrap();
    let commit = |offset| OffsetCommit {
        topic: "t".into(),
        partition: 0,
        offset,
    };
    offsets.commit("g", &[commit(1)], 1).unwrap();
    {
        let _fault = FaultGuard::inject(dir.path(), DiskFault::IoErrorOnFsync);
        assert!(offsets.commit("g", &[commit(2)], 2).is_err());
        assert!(offsets.commit("g", &[commit(3)], 3).is_err());
        assert_eq!(offsets.offsets("g").unwrap()[&("t".into(), 0)].offset, 1);
    }
    offsets.commit("g", &[commit(4)], 4).unwrap();
    assert_eq!(offsets.offsets("g").unwrap()[&("t".into(), 0)].offset, 4);
    drop(offsets); // unclean
    let offsets = FileOffsetStore::open(dir.path(), FileOffsetStoreOptions::default()).unwrap();
    assert_eq!(offsets.offsets("g").unwrap()[&("t".into(), 0)].offset, 4);
}
