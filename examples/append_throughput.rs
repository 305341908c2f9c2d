//! A dd-like one-shot append measurement, for comparing the log with `dd bs=1M count=1024`
//! under the same conditions: appends `total MiB` of `value bytes` records in batches of 1000
//! to a fresh log in `dir` and prints the payload MB/s (MB = 10^6 bytes, as dd prints), then
//! reads it all back and prints the read MB/s, by wall clock and per CPU second.
//!
//! `cargo run --release --example append_throughput -- DIR [VALUE_BYTES] [TOTAL_MIB] [never|always] [records|encoded]`
//!
//! `records` (the default) appends records, which the log encodes; `encoded` appends one batch
//! encoded up front, again and again, as the broker does with the batches producers encode.

use std::time::Instant;

use bytes::Bytes;
use flashq::storage::batch::CheckedBatch;
use flashq::storage::partition_log::FilePartitionLog;
use flashq::storage::{FsyncPolicy, LogConfig, PartitionLog, Record, RecordLimits};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(
        args.next()
            .expect("usage: DIR [VALUE_BYTES] [TOTAL_MIB] [FSYNC]"),
    );
    let value_bytes: usize = args
        .next()
        .map_or(1024, |a| a.parse().expect("VALUE_BYTES"));
    let total_mib: usize = args.next().map_or(1024, |a| a.parse().expect("TOTAL_MIB"));
    let fsync: FsyncPolicy = args
        .next()
        .map_or(FsyncPolicy::Never, |a| a.parse().expect("FSYNC"));
    let encoded = match args.next().as_deref() {
        None | Some("records") => false,
        Some("encoded") => true,
        Some(other) => panic!("the fifth argument is records or encoded, not {other}"),
    };
    let records: Vec<Record> = (0..1000)
        .map(|i| Record {
            timestamp_ms: 1_700_000_000_000 + i,
            key: None,
            value: Bytes::from(vec![b'x'; value_bytes]),
            headers: vec![],
        })
        .collect();
    let log = FilePartitionLog::open(&dir, LogConfig::default(), RecordLimits::default(), fsync)
        .expect("open");
    let batch = CheckedBatch::encode(&records);
    let batches = total_mib * 1024 * 1024 / (value_bytes * 1000);
    let (start, cpu_start) = (Instant::now(), thread_cpu_ns());
    for _ in 0..batches {
        if encoded {
            log.append_batches(std::slice::from_ref(&batch))
                .expect("append");
        } else {
            log.append(&records).expect("append");
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let cpu_seconds = (thread_cpu_ns() - cpu_start) as f64 / 1e9;
    let payload = (batches * 1000 * value_bytes) as f64;
    let written = log.size_bytes() as f64;
    println!(
        "append ({}): {} bytes of {value_bytes}-byte records ({} on disk) in {seconds:.3} s, {:.0} MB/s payload, {:.0} MB/s written ({cpu_seconds:.3} s on CPU: {:.0} MB per CPU second)",
        if encoded {
            "encoded batches"
        } else {
            "records"
        },
        payload as u64,
        written as u64,
        payload / seconds / 1e6,
        written / seconds / 1e6,
        payload / cpu_seconds / 1e6
    );

    // Then read it all back from the page cache, in 1 MiB requests.
    let (start, cpu_start) = (Instant::now(), thread_cpu_ns());
    let (mut next, end) = (0, log.end_offset());
    while next < end {
        next = log
            .read(next, 1024 * 1024)
            .expect("read")
            .last()
            .map_or(end, |r| r.offset + 1);
    }
    let seconds = start.elapsed().as_secs_f64();
    let cpu_seconds = (thread_cpu_ns() - cpu_start) as f64 / 1e9;
    println!(
        "read: {:.0} MB/s payload ({seconds:.3} s, {cpu_seconds:.3} s on CPU: {:.0} MB per CPU second)",
        payload / seconds / 1e6,
        payload / cpu_seconds / 1e6
    );
}

/// CPU time of this thread so far, from /proc (0 where unavailable): a figure that holds up on a
/// busy machine, where wall time does not.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
