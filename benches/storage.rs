//! Storage micro-benchmarks: append throughput (100 B and 1 KiB records, batches of 1000,
//! fsync never and always) and sequential reads from the page cache.
//!
//! Run with `cargo bench --bench storage`; docs/performance.md records the figures beside the
//! machine's own `dd` bandwidth.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use flashq::storage::batch::CheckedBatch;
use flashq::storage::partition_log::FilePartitionLog;
use flashq::storage::{FsyncPolicy, LogConfig, PartitionLog, Record, RecordLimits};

const RECORDS_PER_BATCH: usize = 1000;
/// Retention keeps the benchmark's disk use bounded on long runs.
const KEEP_BYTES: u64 = 512 * 1024 * 1024;
const READ_LOG_BYTES: usize = 256 * 1024 * 1024;

fn batch(value_bytes: usize) -> Vec<Record> {
    (0..RECORDS_PER_BATCH)
        .map(|i| Record {
            timestamp_ms: 1_700_000_000_000 + i as i64,
            key: None,
            value: Bytes::from(vec![b'a' + (i % 26) as u8; value_bytes]),
            headers: vec![],
        })
        .collect()
}

fn config() -> LogConfig {
    LogConfig {
        segment_bytes: 128 * 1024 * 1024,
        retention_ms: None,
        ..LogConfig::default()
    }
}

fn open(dir: &std::path::Path, fsync: FsyncPolicy) -> FilePartitionLog {
    FilePartitionLog::open(dir, config(), RecordLimits::default(), fsync).unwrap()
}

/// Runs `append` `iters` times and returns the time spent in it. Retention runs on a background
/// task in the broker, like dd's `rm` after it: it is kept out of the timing.
fn timed_appends(log: &FilePartitionLog, iters: u64, mut append: impl FnMut()) -> Duration {
    let trim = LogConfig {
        retention_bytes: Some(KEEP_BYTES),
        ..config()
    };
    let mut appending = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        append();
        appending += start.elapsed();
        if log.size_bytes() > 2 * KEEP_BYTES {
            log.enforce_retention(&trim, 0).unwrap();
        }
    }
    appending
}

fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("append");
    for value_bytes in [100usize, 1024] {
        let records = batch(value_bytes);
        bench_each_fsync(&mut group, value_bytes, |log| {
            log.append(&records).unwrap();
        });
    }
    group.finish();
}

/// The broker's path for producer-encoded batches: the batch arrives encoded (and checked), and
/// the log stamps its base offset and writes it as it is, as `dd` writes its buffer.
fn append_encoded(c: &mut Criterion) {
    let mut group = c.benchmark_group("append_encoded");
    for value_bytes in [100usize, 1024] {
        let encoded = CheckedBatch::encode(&batch(value_bytes));
        let batches = std::slice::from_ref(&encoded);
        bench_each_fsync(&mut group, value_bytes, |log| {
            log.append_batches(batches).unwrap();
        });
    }
    group.finish();
}

/// Times `append_one` (one batch of `value_bytes` records) on a fresh log with fsync=never and
/// with fsync=always, as `<value_bytes>B_x1000_fsync_<policy>`.
fn bench_each_fsync(
    group: &mut BenchmarkGroup<'_, WallTime>,
    value_bytes: usize,
    append_one: impl Fn(&FilePartitionLog),
) {
    group.throughput(Throughput::Bytes((value_bytes * RECORDS_PER_BATCH) as u64));
    for (name, fsync) in [
        ("never", FsyncPolicy::Never),
        ("always", FsyncPolicy::Always),
    ] {
        // /tmp is on the same filesystem as /work on the benchmark machine (see performance.md).
        let dir = tempfile::tempdir().unwrap();
        let log = open(dir.path(), fsync);
        group.bench_function(format!("{value_bytes}B_x1000_fsync_{name}"), |b| {
            b.iter_custom(|iters| timed_appends(&log, iters, || append_one(&log)))
        });
    }
}

/// Group commit: several producers appending with fsync=always share fsyncs.
fn append_concurrent(c: &mut Criterion) {
    const APPENDERS: u64 = 4;
    let mut group = c.benchmark_group("append_concurrent");
    let value_bytes = 1024usize;
    let records = Arc::new(batch(value_bytes));
    group.throughput(Throughput::Bytes(
        (value_bytes * RECORDS_PER_BATCH) as u64 * APPENDERS,
    ));
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(open(dir.path(), FsyncPolicy::Always));
    let trim = LogConfig {
        retention_bytes: Some(KEEP_BYTES),
        ..config()
    };
    group.bench_function(
        format!("{APPENDERS}x_{value_bytes}B_x1000_fsync_always"),
        |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                let threads: Vec<_> = (0..APPENDERS)
                    .map(|_| {
                        let (log, records) = (Arc::clone(&log), Arc::clone(&records));
                        std::thread::spawn(move || {
                            for _ in 0..iters {
                                log.append(&records).unwrap();
                            }
                        })
                    })
                    .collect();
                for thread in threads {
                    thread.join().unwrap();
                }
                let elapsed = start.elapsed();
                log.enforce_retention(&trim, 0).unwrap();
                elapsed
            })
        },
    );
    group.finish();
}

fn read(c: &mut Criterion) {
    let mut group = c.benchmark_group("read");
    for value_bytes in [100usize, 1024] {
        let dir = tempfile::tempdir().unwrap();
        let log = open(dir.path(), FsyncPolicy::Never);
        let records = batch(value_bytes);
        while (log.size_bytes() as usize) < READ_LOG_BYTES {
            log.append(&records).unwrap();
        }
        let end = log.end_offset();
        let payload = end as usize * value_bytes;
        group.throughput(Throughput::Bytes(payload as u64));
        group.bench_function(format!("sequential_{value_bytes}B_records"), |b| {
            b.iter(|| {
                let mut next = 0;
                while next < end {
                    let got = log.read(next, 1024 * 1024).unwrap();
                    next = got.last().unwrap().offset + 1;
                }
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = append, append_encoded, append_concurrent, read
}
criterion_main!(benches);
