//! `flashq bench storage`: the partition log alone, no network: append batches, then read the
//! log back sequentially from the page cache.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use crate::storage::file::{FileStorage, FileStorageOptions};
use crate::storage::{LogConfig, PartitionLog, Record, RecordLimits, Storage};

use super::BenchArgs;
use super::progress::{records_bar, show_bandwidth};
use super::report::BenchReport;

/// The byte budget of one sequential read.
const READ_BYTES: usize = 4 * 1024 * 1024;

pub async fn run(args: &BenchArgs, show_progress: bool) -> anyhow::Result<BenchReport> {
    let args = args.clone();
    tokio::task::spawn_blocking(move || run_blocking(&args, show_progress)).await?
}

fn run_blocking(args: &BenchArgs, show_progress: bool) -> anyhow::Result<BenchReport> {
    let temp = tempfile::tempdir()?;
    let storage = FileStorage::open(
        temp.path(),
        FileStorageOptions {
            fsync: args.fsync,
            limits: RecordLimits::default(),
            ..Default::default()
        },
    )?;
    let log: Arc<dyn PartitionLog> = storage.open_partition("bench", 0, &LogConfig::default())?;
    let value = Bytes::from(vec![b'x'; args.record_size]);
    let batch: Vec<Record> = (0..args.batch_size)
        .map(|_| Record {
            timestamp_ms: 0,
            key: None,
            value: value.clone(),
            headers: Vec::new(),
        })
        .collect();
    let bar = records_bar(Some(args.records), show_progress);
    let started = Instant::now();
    let mut appended = 0u64;
    while appended < args.records {
        let n = (args.records - appended).min(args.batch_size as u64) as usize;
        log.append(&batch[..n])?;
        appended += n as u64;
        bar.set_position(appended);
        show_bandwidth(&bar, appended * args.record_size as u64);
    }
    log.flush()?;
    let append_elapsed = started.elapsed();
    bar.finish_and_clear();

    let read_started = Instant::now();
    let mut next = log.start_offset();
    let mut read_bytes = 0u64;
    while next < log.end_offset() {
        let records = log.read(next, READ_BYTES)?;
        let Some(last) = records.last() else { break };
        next = last.offset + 1;
        read_bytes += records
            .iter()
            .map(|r| r.record.value.len() as u64)
            .sum::<u64>();
    }
    let read_elapsed = read_started.elapsed();
    let size_bytes = log.size_bytes();
    log.close()?;

    let payload = appended * args.record_size as u64;
    let mut report = BenchReport::new("storage", appended, payload, append_elapsed);
    report.record_size = args.record_size;
    report.batch_size = args.batch_size;
    report.partitions = 1;
    report.notes.push(format!(
        "append with fsync {}; {:.1} MB on disk for {:.1} MB of values",
        args.fsync,
        size_bytes as f64 / 1e6,
        payload as f64 / 1e6
    ));
    report.notes.push(format!(
        "sequential read back: {:.1} MB/s of values ({:.0} records/s)",
        read_bytes as f64 / read_elapsed.as_secs_f64().max(1e-9) / 1e6,
        appended as f64 / read_elapsed.as_secs_f64().max(1e-9)
    ));
    Ok(report)
}
