//! The storage contract: one suite, run against the memory and the file backend, each case
//! asserting exact results so both backends must agree record for record.

use std::sync::Arc;

use bytes::Bytes;
use flashq::storage::batch::{CheckedBatch, ProducerStamp, StoredBatch};
use flashq::storage::file::{FileStorage, FileStorageOptions};
use flashq::storage::memory::MemoryStorage;
use flashq::storage::{
    FsyncPolicy, Header, LogConfig, PartitionLog, Record, RecordLimits, Storage, StorageError,
    TopicMeta,
};

fn limits() -> RecordLimits {
    RecordLimits {
        max_record_bytes: 1024,
        max_batch_bytes: 4096,
        max_headers_per_record: 4,
    }
}

fn record(ts: i64, value: &str) -> Record {
    Record {
        timestamp_ms: ts,
        key: Some(Bytes::from(format!("k-{value}"))),
        value: Bytes::from(value.to_string()),
        headers: vec![Header {
            key: "source".into(),
            value: Bytes::from_static(b"test"),
        }],
    }
}

fn small_segments() -> LogConfig {
    LogConfig {
        segment_bytes: 300,
        ..LogConfig::default()
    }
}

/// Opens partition 0 of topic "t" with segments small enough that most batches roll.
fn open(storage: &dyn Storage) -> Arc<dyn PartitionLog> {
    storage.open_partition("t", 0, &small_segments()).unwrap()
}

fn values(records: &[flashq::storage::StoredRecord]) -> Vec<(u64, String)> {
    records
        .iter()
        .map(|r| {
            (
                r.offset,
                String::from_utf8_lossy(&r.record.value).into_owned(),
            )
        })
        .collect()
}

/// Three batches: offsets 0-1, 2-4, 5.
fn three_batches(log: &dyn PartitionLog) {
    let a = log.append(&[record(10, "a0"), record(11, "a1")]).unwrap();
    let b = log
        .append(&[record(20, "b0"), record(21, "b1"), record(22, "b2")])
        .unwrap();
    let c = log.append(&[record(30, "c0")]).unwrap();
    assert_eq!((a.base_offset, a.last_offset), (0, 1));
    assert_eq!((b.base_offset, b.last_offset), (2, 4));
    assert_eq!((c.base_offset, c.last_offset), (5, 5));
}

fn append_assigns_consecutive_offsets(storage: &dyn Storage) {
    let log = open(storage);
    assert_eq!((log.start_offset(), log.end_offset()), (0, 0));
    three_batches(&*log);
    assert_eq!((log.start_offset(), log.end_offset()), (0, 6));
    assert!(log.size_bytes() > 0);
}

fn read_by_offset_across_batches(storage: &dyn Storage) {
    let log = open(storage);
    three_batches(&*log);
    let all = log.read(0, usize::MAX).unwrap();
    assert_eq!(
        values(&all),
        vec![
            (0, "a0".into()),
            (1, "a1".into()),
            (2, "b0".into()),
            (3, "b1".into()),
            (4, "b2".into()),
            (5, "c0".into()),
        ]
    );
    assert_eq!(all[2].record, record(20, "b0"));
    // From the middle of a batch: the earlier records of that batch are not returned.
    let mid = log.read(3, usize::MAX).unwrap();
    assert_eq!(values(&mid)[0], (3, "b1".into()));
    assert_eq!(mid.len(), 3);
    assert_eq!(
        values(&log.read(5, usize::MAX).unwrap()),
        vec![(5, "c0".into())]
    );
}

fn max_bytes_bounds_whole_batches(storage: &dyn Storage) {
    let log = open(storage);
    three_batches(&*log);
    // Always at least one batch, never part of one.
    assert_eq!(log.read(0, 1).unwrap().len(), 2);
    assert_eq!(log.read(3, 0).unwrap().len(), 2);
    assert_eq!(log.read(5, 1).unwrap().len(), 1);
}

fn read_at_end_is_empty_and_out_of_range_is_an_error(storage: &dyn Storage) {
    let log = open(storage);
    assert!(log.read(0, 1024).unwrap().is_empty());
    three_batches(&*log);
    assert!(log.read(6, 1024).unwrap().is_empty());
    match log.read(7, 1024) {
        Err(StorageError::OffsetOutOfRange {
            offset: 7,
            start_offset: 0,
            end_offset: 6,
        }) => {}
        other => panic!("expected OffsetOutOfRange, got {other:?}"),
    }
}

fn offset_for_timestamp_with_unordered_timestamps(storage: &dyn Storage) {
    let log = open(storage);
    log.append(&[record(100, "x0"), record(50, "x1"), record(300, "x2")])
        .unwrap();
    log.append(&[record(200, "y0"), record(400, "y1")]).unwrap();
    log.append(&[record(10, "z0")]).unwrap();
    let cases = [
        (0, Some(0)),
        (100, Some(0)),
        (101, Some(2)),
        (250, Some(2)),
        (300, Some(2)),
        (301, Some(4)),
        (400, Some(4)),
        (401, None),
    ];
    for (ts, want) in cases {
        assert_eq!(
            log.offset_for_timestamp(ts).unwrap(),
            want,
            "timestamp {ts}"
        );
    }
}

fn limits_reject_with_nothing_written(storage: &dyn Storage) {
    let log = open(storage);
    log.append(&[record(1, "first")]).unwrap();
    let size = log.size_bytes();
    let mut big = record(1, "x");
    big.value = Bytes::from(vec![0u8; 2000]);
    assert!(matches!(
        log.append(&[record(1, "ok"), big]),
        Err(StorageError::RecordTooLarge { index: 1, .. })
    ));
    let mut many_headers = record(1, "x");
    many_headers.headers = vec![many_headers.headers[0].clone(); 5];
    assert!(matches!(
        log.append(&[many_headers]),
        Err(StorageError::TooManyHeaders { count: 5, .. })
    ));
    let mut medium = record(1, "x");
    medium.value = Bytes::from(vec![0u8; 1000]);
    assert!(matches!(
        log.append(&vec![medium; 5]),
        Err(StorageError::BatchTooLarge { .. })
    ));
    assert!(matches!(
        log.append(&[]),
        Err(StorageError::BadRecordCount { count: 0 })
    ));
    assert_eq!(log.end_offset(), 1);
    assert_eq!(log.size_bytes(), size);
    assert_eq!(
        values(&log.read(0, usize::MAX).unwrap()),
        vec![(0, "first".into())]
    );
}

fn topics_are_saved_listed_and_deleted(storage: &dyn Storage) {
    assert!(storage.load_topics().unwrap().is_empty());
    let meta = |name: &str, partitions| TopicMeta {
        name: name.into(),
        partitions,
        config: LogConfig::default(),
    };
    storage.save_topic(&meta("b", 2)).unwrap();
    storage.save_topic(&meta("a", 1)).unwrap();
    storage.save_topic(&meta("a", 3)).unwrap();
    let mut topics = storage.load_topics().unwrap();
    topics.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(topics, vec![meta("a", 3), meta("b", 2)]);
    let log = storage
        .open_partition("a", 0, &LogConfig::default())
        .unwrap();
    log.append(&[record(1, "gone")]).unwrap();
    log.close().unwrap();
    drop(log);
    storage.delete_topic("a").unwrap();
    assert_eq!(storage.load_topics().unwrap(), vec![meta("b", 2)]);
    // The name is free at once, with an empty log.
    let log = storage
        .open_partition("a", 0, &LogConfig::default())
        .unwrap();
    assert_eq!(log.end_offset(), 0);
}

fn the_same_partition_is_the_same_log(storage: &dyn Storage) {
    let first = open(storage);
    first.append(&[record(1, "one")]).unwrap();
    let second = open(storage);
    assert_eq!(second.end_offset(), 1);
}

fn close_refuses_appends(storage: &dyn Storage) {
    let log = open(storage);
    log.append(&[record(1, "one")]).unwrap();
    log.close().unwrap();
    assert!(matches!(
        log.append(&[record(2, "two")]),
        Err(StorageError::Closed)
    ));
}

/// Producer-encoded batches are appended as they are, several in one call, and come back whole
/// from `read_batches`, agreeing with `read` record for record.
fn encoded_batches_append_together_and_read_back_whole(storage: &dyn Storage) {
    use flashq::storage::batch::{self, CheckedBatch};
    let log = open(storage);
    log.append(&[record(1, "r0")]).unwrap();
    let encoded = |values: &[&str], base: u64| {
        let records: Vec<Record> = values.iter().map(|v| record(5, v)).collect();
        CheckedBatch::check(Bytes::from(batch::encode(base, &records)), &limits()).unwrap()
    };
    let appended = log
        .append_batches(&[encoded(&["b0", "b1"], 0), encoded(&["c0", "c1", "c2"], 42)])
        .unwrap();
    let outcome = appended.written.unwrap();
    assert_eq!((outcome.base_offset, outcome.last_offset), (1, 5));
    let placed: Vec<(u64, u64)> = appended
        .placed
        .iter()
        .map(|p| (p.base_offset, p.last_offset))
        .collect();
    assert_eq!(placed, vec![(1, 2), (3, 5)]);
    assert_eq!(log.end_offset(), 6);
    let decoded: Vec<flashq::storage::StoredRecord> = log
        .read_batches(2, 1 << 20)
        .unwrap()
        .into_iter()
        .flat_map(|b| batch::decode(b.bytes).unwrap().records)
        .collect();
    // The batch holding offset 2 starts at 1: it comes whole, for the reader to skip from.
    assert_eq!(
        values(&decoded),
        vec![
            (1, "b0".into()),
            (2, "b1".into()),
            (3, "c0".into()),
            (4, "c1".into()),
            (5, "c2".into())
        ]
    );
    assert_eq!(values(&log.read(1, 1 << 20).unwrap()), values(&decoded));
    assert_eq!(log.read_batches(6, 1 << 20).unwrap().len(), 0);
    assert!(matches!(
        log.read_batches(7, 1 << 20),
        Err(StorageError::OffsetOutOfRange { .. })
    ));
    // One byte over a limit, or one flipped bit, and the batch is refused before any write.
    let big = "x".repeat(2000);
    let over = batch::encode(0, &[record(1, &big)]);
    assert!(matches!(
        CheckedBatch::check(Bytes::from(over), &limits()),
        Err(StorageError::RecordTooLarge { .. })
    ));
    let mut flipped = batch::encode(0, &[record(1, "z")]);
    flipped[30] ^= 1;
    assert!(matches!(
        CheckedBatch::check(Bytes::from(flipped), &limits()),
        Err(StorageError::InvalidBatch(_))
    ));
    assert_eq!(log.end_offset(), 6);
}

fn truncate_cuts_a_suffix_inside_a_batch_and_across_segments(storage: &dyn Storage) {
    let log = open(storage);
    three_batches(log.as_ref());
    // Mid-batch: offsets 2-3 of the batch 2-4 stay, at their offsets.
    log.truncate(4).unwrap();
    assert_eq!(log.end_offset(), 4);
    let read = values(&log.read(0, 1 << 20).unwrap());
    assert_eq!(
        read,
        vec![
            (0, "a0".into()),
            (1, "a1".into()),
            (2, "b0".into()),
            (3, "b1".into())
        ]
    );
    // Appends carry on from the cut.
    let next = log.append(&[record(40, "d0")]).unwrap();
    assert_eq!(next.base_offset, 4);
    // At a batch boundary, and past the end (nothing happens).
    log.truncate(2).unwrap();
    log.truncate(99).unwrap();
    assert_eq!(log.end_offset(), 2);
    assert_eq!(values(&log.read(0, 1 << 20).unwrap()).len(), 2);
    assert_eq!(log.offset_for_timestamp(20).unwrap(), None);
    log.truncate(0).unwrap();
    assert_eq!(log.end_offset(), 0);
    assert!(log.read(0, 1 << 20).unwrap().is_empty());
    assert_eq!(log.append(&[record(50, "e0")]).unwrap().base_offset, 0);
}

/// A batch of `values` stamped by producer `id` in `epoch` from `sequence`.
fn stamped(id: i64, epoch: i16, sequence: i32, values: &[&str]) -> CheckedBatch {
    let records: Vec<Record> = values.iter().map(|v| record(5, v)).collect();
    let stamp = ProducerStamp {
        producer_id: id,
        producer_epoch: epoch,
        base_sequence: sequence,
    };
    CheckedBatch::check(
        StoredBatch::encode_stamped(0, stamp, &records).bytes,
        &limits(),
    )
    .unwrap()
}

/// An idempotent producer's retry is placed where it was first written and writes nothing; a
/// gap, a fenced epoch and an unknown producer's first batch past sequence 0 are refused with
/// nothing written; what a truncation cut may be written again.
fn a_producers_retry_is_written_once(storage: &dyn Storage) {
    let log = open(storage);
    log.append(&[record(1, "plain")]).unwrap();
    let first = log
        .append_batches(&[stamped(7, 0, 0, &["a", "b"])])
        .unwrap();
    assert_eq!(first.placed[0].base_offset, 1);
    // The same batch again, alone and beside the next one.
    let again = log
        .append_batches(&[stamped(7, 0, 0, &["a", "b"]), stamped(7, 0, 2, &["c"])])
        .unwrap();
    let placed: Vec<u64> = again.placed.iter().map(|p| p.base_offset).collect();
    assert_eq!(placed, vec![1, 3]);
    assert_eq!(again.written.map(|w| w.base_offset), Some(3));
    let only_retry = log.append_batches(&[stamped(7, 0, 2, &["c"])]).unwrap();
    assert_eq!(
        (only_retry.placed[0].base_offset, only_retry.written),
        (3, None)
    );
    assert_eq!(log.end_offset(), 4);
    for refused in [
        stamped(7, 0, 9, &["gap"]),
        stamped(8, 0, 4, &["unknown producer"]),
    ] {
        assert!(matches!(
            log.append_batches(&[stamped(9, 0, 0, &["fine"]), refused]),
            Err(StorageError::OutOfOrderSequence { .. })
        ));
    }
    assert_eq!(log.end_offset(), 4);
    // A new epoch starts at 0 and fences the old one.
    log.append_batches(&[stamped(7, 1, 0, &["d"])]).unwrap();
    assert!(matches!(
        log.append_batches(&[stamped(7, 0, 3, &["late"])]),
        Err(StorageError::ProducerFenced { .. })
    ));
    log.truncate(4).unwrap();
    assert_eq!(
        log.append_batches(&[stamped(7, 1, 0, &["d"])])
            .unwrap()
            .written
            .map(|w| w.base_offset),
        Some(4)
    );
    let values: Vec<String> = values(&log.read(0, 1 << 20).unwrap())
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(values, vec!["plain", "a", "b", "c", "d"]);
}

/// Producer ids are never handed out twice.
fn producer_ids_are_reserved_once(storage: &dyn Storage) {
    let first = storage.reserve_producer_ids(10).unwrap();
    let second = storage.reserve_producer_ids(10).unwrap();
    assert!(second >= first + 10, "{first} then {second}");
}

/// A reopened file log knows its producers from the stamps in its batches, and so does a
/// reopened data dir's producer-id reservation.
#[test]
fn a_reopened_log_dedups_a_retry_of_a_batch_written_before() {
    let dir = tempfile::tempdir().unwrap();
    let first_ids = {
        let storage = file_storage(dir.path(), FsyncPolicy::Always);
        let log = open(&storage);
        log.append_batches(&[stamped(3, 0, 0, &["a"]), stamped(3, 0, 1, &["b", "c"])])
            .unwrap();
        log.close().unwrap();
        storage.reserve_producer_ids(100).unwrap()
    };
    let storage = file_storage(dir.path(), FsyncPolicy::Always);
    let log = open(&storage);
    let retry = log
        .append_batches(&[stamped(3, 0, 1, &["b", "c"])])
        .unwrap();
    assert_eq!((retry.placed[0].base_offset, retry.written), (1, None));
    assert_eq!(log.end_offset(), 3);
    assert!(storage.reserve_producer_ids(1).unwrap() >= first_ids + 100);
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod memory_backend {
            $(
                #[test]
                fn $case() {
                    let storage = flashq::storage::memory::MemoryStorage::new(super::limits());
                    super::$case(&storage);
                }
            )*
        }
        mod file_backend {
            $(
                #[test]
                fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let storage = super::file_storage(dir.path(), super::FsyncPolicy::Never);
                    super::$case(&storage);
                }
            )*
        }
        mod file_backend_fsync_always {
            $(
                #[test]
                fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let storage = super::file_storage(dir.path(), super::FsyncPolicy::Always);
                    super::$case(&storage);
                }
            )*
        }
    };
}

fn file_storage(dir: &std::path::Path, fsync: FsyncPolicy) -> FileStorage {
    FileStorage::open(
        dir,
        FileStorageOptions {
            fsync,
            limits: limits(),
            ..Default::default()
        },
    )
    .unwrap()
}

contract!(
    truncate_cuts_a_suffix_inside_a_batch_and_across_segments,
    append_assigns_consecutive_offsets,
    read_by_offset_across_batches,
    max_bytes_bounds_whole_batches,
    read_at_end_is_empty_and_out_of_range_is_an_error,
    offset_for_timestamp_with_unordered_timestamps,
    limits_reject_with_nothing_written,
    topics_are_saved_listed_and_deleted,
    the_same_partition_is_the_same_log,
    close_refuses_appends,
    encoded_batches_append_together_and_read_back_whole,
    a_producers_retry_is_written_once,
    producer_ids_are_reserved_once,
);

/// Both backends, fed the same operations, give the same answers.
#[test]
fn backends_agree_on_a_mixed_workload() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_storage(dir.path(), FsyncPolicy::Never);
    let memory = MemoryStorage::new(limits());
    let logs = [open(&memory), open(&file)];
    let mut answers: [Vec<String>; 2] = Default::default();
    for (log, answer) in logs.iter().zip(answers.iter_mut()) {
        for batch in 0..20i64 {
            let records: Vec<Record> = (0..(batch % 4 + 1))
                .map(|i| record((batch * 37 + i * 101) % 500, &format!("v{batch}-{i}")))
                .collect();
            answer.push(format!("{:?}", log.append(&records).unwrap()));
        }
        for from in 0..=log.end_offset() {
            answer.push(format!("{:?}", log.read(from, usize::MAX).unwrap()));
            answer.push(format!("{:?}", log.read(from, 1).unwrap()));
        }
        for ts in (-10..520).step_by(7) {
            answer.push(format!("{ts}: {:?}", log.offset_for_timestamp(ts).unwrap()));
        }
    }
    assert_eq!(answers[0], answers[1]);
}
