//! Recovery of the file log: torn tails, garbage, lost or stale indexes, and corruption that
//! must never be served. An unclean stop is simulated by dropping a log without `close()`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use flashq::storage::partition_log::FilePartitionLog;
use flashq::storage::{
    FsyncPolicy, LogConfig, PartitionLog, Record, RecordLimits, StorageError, StoredRecord,
};
use proptest::prelude::*;

fn config(segment_bytes: u64) -> LogConfig {
    LogConfig {
        segment_bytes,
        ..LogConfig::default()
    }
}

fn open(dir: &Path, segment_bytes: u64) -> FilePartitionLog {
    FilePartitionLog::open(
        dir,
        config(segment_bytes),
        RecordLimits::default(),
        FsyncPolicy::Never,
    )
    .unwrap()
}

fn batch(n: u64, records: u64) -> Vec<Record> {
    (0..records)
        .map(|i| Record {
            timestamp_ms: 1_000 + n as i64 * 10 + i as i64,
            key: Some(Bytes::from(format!("key-{n}-{i}"))),
            value: Bytes::from(format!("value-{n}-{i}-{}", "x".repeat(100))),
            headers: vec![],
        })
        .collect()
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

fn last_log(dir: &Path) -> PathBuf {
    files_with_ext(dir, "log").pop().unwrap()
}

fn all_records(log: &dyn PartitionLog) -> Vec<StoredRecord> {
    log.read(log.start_offset(), usize::MAX).unwrap()
}

/// Writes 10 batches of 3 records and stops uncleanly; returns the log's size before the last.
fn ten_batches_unclean(dir: &Path) -> u64 {
    let log = open(dir, 1 << 30);
    let mut before_last = 0;
    for n in 0..10 {
        before_last = std::fs::metadata(last_log(dir)).unwrap().len();
        log.append(&batch(n, 3)).unwrap();
    }
    drop(log);
    before_last
}

fn assert_continues_at(log: &FilePartitionLog, next: u64) {
    assert_eq!(log.end_offset(), next);
    let outcome = log.append(&batch(99, 2)).unwrap();
    assert_eq!(outcome.base_offset, next);
    let records = all_records(log);
    assert_eq!(records.len() as u64, next + 2);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.offset, i as u64);
    }
    assert_eq!(records.last().unwrap().record, batch(99, 2)[1]);
}

#[test]
fn a_batch_cut_midway_is_truncated_and_appends_continue() {
    let dir = tempfile::tempdir().unwrap();
    let before_last = ten_batches_unclean(dir.path());
    let path = last_log(dir.path());
    let full = std::fs::metadata(&path).unwrap().len();
    let file = OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(before_last + (full - before_last) / 2)
        .unwrap();
    drop(file);

    let log = open(dir.path(), 1 << 30);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), before_last);
    assert_eq!(all_records(&log).len(), 27);
    assert_continues_at(&log, 27);
}

#[test]
fn garbage_after_the_last_batch_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    ten_batches_unclean(dir.path());
    let path = last_log(dir.path());
    let good = std::fs::metadata(&path).unwrap().len();
    let mut file = OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(&[0xAB; 777]).unwrap();
    drop(file);

    let log = open(dir.path(), 1 << 30);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), good);
    assert_continues_at(&log, 30);
}

#[test]
fn a_zeroed_tail_like_a_lost_page_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let before_last = ten_batches_unclean(dir.path());
    let path = last_log(dir.path());
    let full = std::fs::metadata(&path).unwrap().len();
    // The file size reached the disk but the last batch's data did not.
    let file = OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(before_last).unwrap();
    file.set_len(full).unwrap();
    drop(file);

    let log = open(dir.path(), 1 << 30);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), before_last);
    assert_continues_at(&log, 27);
}

#[test]
fn a_flipped_byte_in_the_active_segment_cuts_the_log_there() {
    let dir = tempfile::tempdir().unwrap();
    ten_batches_unclean(dir.path());
    let path = last_log(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let batch_len = bytes.len() / 10;
    // Inside the value of the 5th batch: its CRC fails, so batches 5..10 go.
    bytes[4 * batch_len + batch_len / 2] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();

    let log = open(dir.path(), 1 << 30);
    assert_continues_at(&log, 12);
}

/// Many small segments, closed cleanly; returns the records written.
fn many_segments_clean(dir: &Path) -> Vec<StoredRecord> {
    let log = open(dir, 2_000);
    for n in 0..60 {
        log.append(&batch(n, 2)).unwrap();
    }
    assert!(log.segment_count() > 5);
    let records = all_records(&log);
    log.close().unwrap();
    records
}

#[test]
fn deleted_indexes_are_rebuilt_identically() {
    let dir = tempfile::tempdir().unwrap();
    let written = many_segments_clean(dir.path());
    let mut originals = Vec::new();
    for ext in ["index", "timeindex"] {
        for path in files_with_ext(dir.path(), ext) {
            originals.push((path.clone(), std::fs::read(&path).unwrap()));
            std::fs::remove_file(&path).unwrap();
        }
    }
    assert!(originals.iter().any(|(_, bytes)| !bytes.is_empty()));

    let log = open(dir.path(), 2_000);
    for (path, bytes) in &originals {
        assert_eq!(&std::fs::read(path).unwrap(), bytes, "{}", path.display());
    }
    assert_eq!(all_records(&log), written);
    assert_eq!(log.offset_for_timestamp(1_000 + 33 * 10).unwrap(), Some(66));
    assert_continues_at(&log, 120);
}

#[test]
fn stale_or_torn_indexes_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let written = many_segments_clean(dir.path());
    let indexes = files_with_ext(dir.path(), "index");
    // A torn entry, an entry pointing into the middle of a batch, and an empty time index.
    std::fs::write(&indexes[0], [0u8; 5]).unwrap();
    let mut wrong = Vec::new();
    wrong.extend_from_slice(&1u32.to_be_bytes());
    wrong.extend_from_slice(&17u32.to_be_bytes());
    std::fs::write(&indexes[1], wrong).unwrap();
    std::fs::write(&files_with_ext(dir.path(), "timeindex")[2], []).unwrap();

    let log = open(dir.path(), 2_000);
    assert_eq!(all_records(&log), written);
    for from in 0..log.end_offset() {
        assert_eq!(log.read(from, 1).unwrap()[0].offset, from);
    }
    assert_eq!(log.offset_for_timestamp(1_000 + 5 * 10).unwrap(), Some(10));
}

#[test]
fn leftovers_of_interrupted_writes_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    many_segments_clean(dir.path());
    std::fs::write(dir.path().join("recovery-point.tmp"), b"12").unwrap();
    std::fs::write(dir.path().join("00000000000099999999.index"), [0u8; 8]).unwrap();
    let log = open(dir.path(), 2_000);
    assert!(!dir.path().join("recovery-point.tmp").exists());
    assert!(!dir.path().join("00000000000099999999.index").exists());
    assert_eq!(log.end_offset(), 120);
}

#[test]
fn corruption_below_the_recovery_point_is_reported_never_served() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = open(dir.path(), 2_000);
        for n in 0..60 {
            log.append(&batch(n, 2)).unwrap();
        }
        // Durable but unclean (no close): only the active segment is scanned on reopen.
        log.flush().unwrap();
    }
    let first = &files_with_ext(dir.path(), "log")[0];
    let mut bytes = std::fs::read(first).unwrap();
    let at = bytes.len() - 20;
    bytes[at] ^= 0xFF;
    std::fs::write(first, &bytes).unwrap();

    let log = open(dir.path(), 2_000);
    // The closed segment was not rescanned (the recovery point bounds the scan) ...
    assert_eq!(std::fs::metadata(first).unwrap().len(), bytes.len() as u64);
    assert_eq!(log.end_offset(), 120);
    // ... and its damaged batch is an error, never a record.
    match log.read(0, usize::MAX) {
        Err(StorageError::Corrupt { path, position, .. }) => {
            assert!(path.ends_with("00000000000000000000.log"));
            assert!(position < bytes.len() as u64);
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    // Records before the damage are still served.
    assert_eq!(log.read(0, 1).unwrap()[0].offset, 0);
}

#[test]
fn a_clean_close_leaves_a_marker_that_the_next_open_consumes() {
    let dir = tempfile::tempdir().unwrap();
    many_segments_clean(dir.path());
    assert!(dir.path().join("clean-shutdown").exists());
    let log = open(dir.path(), 2_000);
    assert!(!dir.path().join("clean-shutdown").exists());
    assert_continues_at(&log, 120);
}

/// Found by tests/fuzz.rs: after a clean stop the indexes are loaded from disk, and the last time
/// entry (written at close) can hold a batch that a damaged tail then cuts away. Keeping it made
/// the next append push a time entry out of order (a debug assertion; in release, a time index
/// that binary search cannot trust).
#[test]
fn a_tail_cut_after_a_clean_stop_drops_index_entries_past_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = open(dir.path(), 1 << 30);
        for n in 0..40 {
            log.append(&batch(n, 3)).unwrap();
        }
        log.close().unwrap();
    }
    // Garbage in the middle of the last batch: the batch holding the segment's max timestamp.
    let path = last_log(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() - 20;
    bytes.splice(at..at, [0x5c, 0x6e, 0xe5, 0x3b]);
    std::fs::write(&path, &bytes).unwrap();

    let log = open(dir.path(), 1 << 30);
    assert_eq!(log.end_offset(), 39 * 3);
    let later = vec![Record {
        timestamp_ms: 1_000_000,
        key: None,
        value: Bytes::from_static(b"later"),
        headers: vec![],
    }];
    assert_eq!(log.append(&later).unwrap().base_offset, 117);
    assert_eq!(log.offset_for_timestamp(1_000_000).unwrap(), Some(117));
    assert_eq!(
        log.offset_for_timestamp(1_000 + 38 * 10).unwrap(),
        Some(38 * 3)
    );
    log.close().unwrap();
    drop(log);
    let log = open(dir.path(), 1 << 30);
    assert_eq!(log.offset_for_timestamp(1_000_000).unwrap(), Some(117));
}

/// Found by tests/fuzz.rs: a clean stop, then the active segment's log loses its content (an
/// empty file) while its indexes stay. Trusting them kept time entries for batches that no longer
/// exist, and the next append pushed one out of order.
#[test]
fn indexes_that_point_past_a_shortened_log_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = open(dir.path(), 1 << 30);
        for n in 0..3 {
            log.append(&batch(n, 3)).unwrap();
        }
        log.close().unwrap();
    }
    std::fs::write(last_log(dir.path()), []).unwrap();
    let log = open(dir.path(), 1 << 30);
    assert_eq!(log.end_offset(), 0);
    let later = vec![Record {
        timestamp_ms: 1_000_000,
        key: None,
        value: Bytes::from_static(b"later"),
        headers: vec![],
    }];
    assert_eq!(log.append(&later).unwrap().base_offset, 0);
    assert_eq!(log.offset_for_timestamp(0).unwrap(), Some(0));
    log.close().unwrap();
}

/// Damage done to the log file between two opens.
#[derive(Debug, Clone)]
enum Damage {
    Truncate(prop::sample::Index),
    Flip(prop::sample::Index, u8),
    AppendGarbage(Vec<u8>),
}

fn arb_damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Damage::Truncate),
        (any::<prop::sample::Index>(), 1u8..=255).prop_map(|(at, bits)| Damage::Flip(at, bits)),
        proptest::collection::vec(any::<u8>(), 1..300).prop_map(Damage::AppendGarbage),
    ]
}

/// Records in the whole batches that end at or before byte `at`.
fn records_before(batch_ends: &[(u64, u64)], at: u64) -> u64 {
    batch_ends
        .iter()
        .rev()
        .find(|(end, _)| *end <= at)
        .map_or(0, |(_, records)| *records)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever happens to the tail, reopening keeps exactly the whole batches before the damage,
    /// each record intact, and appends continue after them.
    #[test]
    fn recovery_keeps_exactly_the_batches_before_any_damage(
        sizes in proptest::collection::vec(1u64..6, 1..12),
        damage in arb_damage(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut written = Vec::new();
        let mut batch_ends = Vec::new(); // (file position after the batch, records so far)
        {
            let log = open(dir.path(), 1 << 30);
            for (n, size) in sizes.iter().enumerate() {
                written.extend(batch(n as u64, *size));
                log.append(&batch(n as u64, *size)).unwrap();
                let len = std::fs::metadata(last_log(dir.path())).unwrap().len();
                batch_ends.push((len, written.len() as u64));
            }
        }
        let path = last_log(dir.path());
        let mut bytes = std::fs::read(&path).unwrap();
        let kept = match &damage {
            Damage::Truncate(at) => {
                let at = at.index(bytes.len());
                bytes.truncate(at);
                records_before(&batch_ends, at as u64)
            }
            Damage::Flip(at, bits) => {
                let at = at.index(bytes.len());
                bytes[at] ^= bits;
                records_before(&batch_ends, at as u64)
            }
            Damage::AppendGarbage(garbage) => {
                bytes.extend_from_slice(garbage);
                written.len() as u64
            }
        };
        std::fs::write(&path, &bytes).unwrap();

        let log = open(dir.path(), 1 << 30);
        prop_assert_eq!(log.end_offset(), kept);
        let records = all_records(&log);
        prop_assert_eq!(records.len() as u64, kept);
        for (r, want) in records.iter().zip(&written) {
            prop_assert_eq!(&r.record, want);
        }
        prop_assert_eq!(log.append(&batch(99, 1)).unwrap().base_offset, kept);
        prop_assert_eq!(log.read(kept, 1).unwrap()[0].record.clone(), batch(99, 1)[0].clone());
    }
}

/// A closed log of several segments (3 batches of 3 records each, about 400 bytes a batch);
/// returns the segment files.
fn closed_segments(dir: &Path) -> Vec<PathBuf> {
    let log = open(dir, 1200);
    for n in 0..12 {
        log.append(&batch(n, 3)).unwrap();
    }
    log.close().unwrap();
    let logs = files_with_ext(dir, "log");
    assert!(logs.len() >= 3, "{logs:?}");
    logs
}

fn open_verifying(dir: &Path) -> FilePartitionLog {
    FilePartitionLog::open_checking(
        dir,
        config(1200),
        RecordLimits::default(),
        FsyncPolicy::Never,
        flashq::storage::recovery::Verify::Everything,
    )
    .unwrap()
}

/// The second batch of `segment` (its first is at byte 0): its position and base offset.
fn second_batch(segment: &Path) -> (u64, u64) {
    let bytes = std::fs::read(segment).unwrap();
    let first_len = 12 + u32::from_be_bytes(bytes[8..12].try_into().unwrap()) as u64;
    let base = u64::from_be_bytes(
        bytes[first_len as usize..first_len as usize + 8]
            .try_into()
            .unwrap(),
    );
    (first_len, base)
}

fn write_byte_at(path: &Path, position: u64, flip: u8) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[position as usize] ^= flip;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn verifying_at_open_finds_damage_a_clean_stop_would_trust_and_a_read_finds_it_too() {
    let dir = tempfile::tempdir().unwrap();
    let logs = closed_segments(dir.path());
    let (position, damaged_offset) = second_batch(&logs[0]);
    // Inside the second batch's records: its CRC no longer matches.
    write_byte_at(&logs[0], position + 80, 0x01);

    // A single broker trusts its closed segments at open; a read that reaches the batch fails
    // and the log learns where.
    let log = open(dir.path(), 1200);
    assert_eq!(log.damaged_from(), None);
    assert!(log.read(0, 100).is_ok_and(|r| r.len() == 3));
    assert!(matches!(
        log.read(0, usize::MAX),
        Err(StorageError::Corrupt { .. })
    ));
    assert_eq!(log.damaged_from(), Some(damaged_offset));
    log.close().unwrap();
    drop(log);

    // Verifying at open finds it before anything is read, and keeps every byte.
    let len = std::fs::metadata(&logs[0]).unwrap().len();
    let log = open_verifying(dir.path());
    assert_eq!(log.damaged_from(), Some(damaged_offset));
    assert_eq!(std::fs::metadata(&logs[0]).unwrap().len(), len);
    assert!(log.read(damaged_offset, usize::MAX).is_err());
}

#[test]
fn a_replica_truncates_at_a_damaged_batch_header_and_appends_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let logs = closed_segments(dir.path());
    let (position, damaged_offset) = second_batch(&logs[0]);
    // The batch's length field: the header no longer frames a batch.
    write_byte_at(&logs[0], position + 8, 0x40);
    let log = open_verifying(dir.path());
    assert_eq!(log.damaged_from(), Some(damaged_offset));
    log.truncate(damaged_offset).unwrap();
    assert_eq!(log.damaged_from(), None);
    assert_eq!(log.end_offset(), damaged_offset);
    log.append(&batch(50, 3)).unwrap();
    let records = all_records(&log);
    assert_eq!(records.len() as u64, damaged_offset + 3);
    log.close().unwrap();
    drop(log);
    let log = open_verifying(dir.path());
    assert_eq!(log.damaged_from(), None);
    assert_eq!(all_records(&log).len() as u64, damaged_offset + 3);
}

#[test]
fn verifying_at_open_rebuilds_an_index_whose_damage_keeps_it_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 1 << 20);
    for n in 0..40 {
        log.append(&batch(n, 3)).unwrap();
    }
    log.close().unwrap();
    drop(log);
    let index = files_with_ext(dir.path(), "index").pop().unwrap();
    let entries = std::fs::read(&index).unwrap();
    assert!(entries.len() >= 16, "too few index entries");
    // The low byte of the first entry's position: still in order, no longer a batch start.
    write_byte_at(&index, 7, 0x01);
    let log = open_verifying(dir.path());
    assert_eq!(log.damaged_from(), None);
    assert_eq!(all_records(&log).len(), 120);
    assert_eq!(
        std::fs::read(&index).unwrap(),
        entries,
        "the index was not rebuilt"
    );
}

#[test]
fn a_closed_segment_cut_at_a_batch_boundary_fails_reads_instead_of_ending_them() {
    let dir = tempfile::tempdir().unwrap();
    let logs = closed_segments(dir.path());
    let (position, missing_offset) = second_batch(&logs[0]);
    OpenOptions::new()
        .write(true)
        .open(&logs[0])
        .unwrap()
        .set_len(position)
        .unwrap();
    let log = open(dir.path(), 1200);
    let read = log.read(missing_offset, usize::MAX);
    assert!(
        matches!(read, Err(StorageError::Corrupt { .. })),
        "{read:?}"
    );
    assert_eq!(log.damaged_from(), Some(missing_offset));
}
