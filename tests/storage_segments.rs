//! The file log across segment rolls and index boundaries: reads by offset and by timestamp,
//! rolling by size and age, retention by size and age, and concurrent appenders and readers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use flashq::storage::partition_log::FilePartitionLog;
use flashq::storage::{
    FsyncPolicy, LogConfig, PartitionLog, Record, RecordLimits, StorageError, StoredRecord,
};

fn open_with(dir: &Path, config: LogConfig, fsync: FsyncPolicy) -> FilePartitionLog {
    FilePartitionLog::open(dir, config, RecordLimits::default(), fsync).unwrap()
}

fn segments_of(segment_bytes: u64) -> LogConfig {
    LogConfig {
        segment_bytes,
        retention_ms: None,
        ..LogConfig::default()
    }
}

fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// Deterministic pseudo-random numbers for record sizes and timestamps.
struct Rng(u64);

impl Rng {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// Appends ~400 batches of 1-20 records with jittered, non-monotonic timestamps.
fn fill(log: &dyn PartitionLog) -> Vec<Record> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut all = Vec::new();
    for n in 0..400i64 {
        let count = 1 + rng.next(20) as usize;
        let records: Vec<Record> = (0..count)
            .map(|i| Record {
                timestamp_ms: n * 100 + rng.next(700) as i64 - 300,
                key: (i % 3 != 0).then(|| Bytes::from(format!("k{n}"))),
                value: Bytes::from(vec![b'a' + (n % 26) as u8; 20 + rng.next(300) as usize]),
                headers: vec![],
            })
            .collect();
        let outcome = log.append(&records).unwrap();
        assert_eq!(outcome.base_offset, all.len() as u64);
        all.extend(records);
    }
    all
}

fn check_reads(log: &dyn PartitionLog, all: &[Record]) {
    let everything = log.read(0, usize::MAX).unwrap();
    assert_eq!(everything.len(), all.len());
    for (offset, (got, want)) in everything.iter().zip(all).enumerate() {
        assert_eq!(got.offset, offset as u64);
        assert_eq!(&got.record, want);
    }
    for from in 0..all.len() as u64 {
        let small = log.read(from, 1).unwrap();
        assert_eq!(small[0].offset, from);
        let budget = log.read(from, 9_000).unwrap();
        assert!(!budget.is_empty());
        for (i, r) in budget.iter().enumerate() {
            assert_eq!(r.offset, from + i as u64);
        }
    }
    // Brute force: the first offset whose timestamp is >= the target.
    let min = all.iter().map(|r| r.timestamp_ms).min().unwrap();
    let max = all.iter().map(|r| r.timestamp_ms).max().unwrap();
    for target in (min - 5..=max + 5).step_by(37) {
        let want = all
            .iter()
            .position(|r| r.timestamp_ms >= target)
            .map(|p| p as u64);
        assert_eq!(
            log.offset_for_timestamp(target).unwrap(),
            want,
            "target {target}"
        );
    }
}

#[test]
fn reads_by_offset_and_time_across_rolls_and_index_entries() {
    let dir = tempfile::tempdir().unwrap();
    let log = open_with(dir.path(), segments_of(20_000), FsyncPolicy::Never);
    let all = fill(&log);
    assert!(log.segment_count() > 10, "{} segments", log.segment_count());
    check_reads(&log, &all);
    log.close().unwrap();
    // Closed segments carry index entries: the lookups above went through them.
    let non_empty = files_with_ext(dir.path(), "index")
        .iter()
        .filter(|p| std::fs::metadata(p).unwrap().len() > 0)
        .count();
    assert!(non_empty > 10);
    drop(log);

    // The same answers after a clean reopen (indexes loaded) ...
    let log = open_with(dir.path(), segments_of(20_000), FsyncPolicy::Never);
    check_reads(&log, &all);
    drop(log);
    // ... and after an unclean one (the active segment rescanned).
    let log = open_with(dir.path(), segments_of(20_000), FsyncPolicy::Never);
    check_reads(&log, &all);
}

#[test]
fn segments_roll_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        segment_ms: 0,
        ..segments_of(1 << 30)
    };
    let log = open_with(dir.path(), config, FsyncPolicy::Never);
    for n in 0..5 {
        log.append(&[Record {
            timestamp_ms: n,
            key: None,
            value: Bytes::from_static(b"v"),
            headers: vec![],
        }])
        .unwrap();
    }
    assert_eq!(log.segment_count(), 5);
    assert_eq!(files_with_ext(dir.path(), "log").len(), 5);
    assert_eq!(log.read(0, usize::MAX).unwrap().len(), 5);
}

/// 20 batches of 10 records, one batch per segment (timestamps 1000 * batch).
fn one_batch_per_segment(dir: &Path) -> FilePartitionLog {
    let log = open_with(dir, segments_of(500), FsyncPolicy::Never);
    for n in 0..20i64 {
        let records: Vec<Record> = (0..10)
            .map(|i| Record {
                timestamp_ms: n * 1000 + i,
                key: None,
                value: Bytes::from(vec![b'x'; 60]),
                headers: vec![],
            })
            .collect();
        log.append(&records).unwrap();
    }
    assert_eq!(log.segment_count(), 20);
    log
}

#[test]
fn retention_by_size_keeps_at_least_the_limit_and_the_active_segment() {
    let dir = tempfile::tempdir().unwrap();
    let log = one_batch_per_segment(dir.path());
    let segment_bytes = log.size_bytes() / 20;
    let config = LogConfig {
        retention_bytes: Some(segment_bytes * 5 + 1),
        ..segments_of(500)
    };
    let outcome = log.enforce_retention(&config, 0).unwrap();
    // 6 segments remain: 5 would fall under the limit.
    assert_eq!(outcome.segments_deleted, 14);
    assert_eq!(outcome.bytes_deleted, segment_bytes * 14);
    assert_eq!(outcome.start_offset, 140);
    assert_eq!(log.start_offset(), 140);
    assert_eq!(files_with_ext(dir.path(), "log").len(), 6);
    assert!(matches!(
        log.read(139, 1),
        Err(StorageError::OffsetOutOfRange {
            start_offset: 140,
            ..
        })
    ));
    assert_eq!(log.read(140, 1).unwrap()[0].offset, 140);

    // Even a limit of zero leaves the active segment.
    let zero = LogConfig {
        retention_bytes: Some(0),
        ..config
    };
    log.enforce_retention(&zero, 0).unwrap();
    assert_eq!(log.segment_count(), 1);
    assert_eq!(log.start_offset(), 190);
    assert_eq!(log.read(190, usize::MAX).unwrap().len(), 10);
    assert_eq!(
        log.append(
            &log.read(190, 1)
                .unwrap()
                .iter()
                .map(|r| r.record.clone())
                .collect::<Vec<_>>()
        )
        .unwrap()
        .base_offset,
        200
    );
}

#[test]
fn retention_by_age_deletes_only_old_closed_segments() {
    let dir = tempfile::tempdir().unwrap();
    let log = one_batch_per_segment(dir.path());
    let config = LogConfig {
        retention_ms: Some(5_000),
        ..segments_of(500)
    };
    // Segment n's newest record is n * 1000 + 9; at now = 12_000 those with max < 7_000 go.
    let outcome = log.enforce_retention(&config, 12_000).unwrap();
    assert_eq!(outcome.segments_deleted, 7);
    assert_eq!(log.start_offset(), 70);
    // Far in the future everything is old, but the active segment stays.
    log.close().unwrap();
    drop(log);
    let log = open_with(dir.path(), segments_of(500), FsyncPolicy::Never);
    let outcome = log.enforce_retention(&config, 1_000_000).unwrap();
    assert_eq!(outcome.segments_deleted, 12);
    assert_eq!(log.segment_count(), 1);
    assert_eq!(log.start_offset(), 190);
    assert_eq!(files_with_ext(dir.path(), "log").len(), 1);
    assert_eq!(files_with_ext(dir.path(), "index").len(), 1);
}

#[test]
fn concurrent_appenders_and_readers_with_group_commit() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(open_with(
        dir.path(),
        segments_of(64 * 1024),
        FsyncPolicy::Always,
    ));
    let appenders: Vec<_> = (0..8)
        .map(|t| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                (0..50)
                    .map(|n| {
                        let value = Bytes::from(format!("t{t}-n{n}"));
                        let records = vec![
                            Record {
                                timestamp_ms: n,
                                key: None,
                                value,
                                headers: vec![],
                            };
                            3
                        ];
                        log.append(&records).unwrap().base_offset
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let reader = {
        let log = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut next = 0u64;
            while next < 8 * 50 * 3 {
                let records: Vec<StoredRecord> = log.read(next, 4096).unwrap();
                for r in &records {
                    assert_eq!(r.offset, next);
                    next += 1;
                }
                std::thread::yield_now();
            }
        })
    };
    let mut bases: Vec<u64> = appenders
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    reader.join().unwrap();
    bases.sort_unstable();
    assert_eq!(bases, (0..400).map(|i| i * 3).collect::<Vec<_>>());
    for base in bases {
        let batch = log.read(base, 1).unwrap();
        assert_eq!(batch.len(), 3);
        assert!(
            batch
                .iter()
                .all(|r| r.record.value == batch[0].record.value)
        );
    }
}

#[test]
fn interval_fsync_policy_flushes_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let log = open_with(
        dir.path(),
        segments_of(1 << 20),
        FsyncPolicy::Interval { interval_ms: 5 },
    );
    log.append(&[Record {
        timestamp_ms: 1,
        key: None,
        value: Bytes::from_static(b"v"),
        headers: vec![],
    }])
    .unwrap();
    log.flush().unwrap();
    log.close().unwrap();
    assert_eq!(log.end_offset(), 1);
}
