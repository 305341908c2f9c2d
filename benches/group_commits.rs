//! Committed-offset throughput of the durable offsets store: every commit is one log entry,
//! fsynced before it returns, as `CommitOffsets` does on the broker.
//!
//! `cargo bench --bench group_commits`. Figures go to docs/performance.md, "Consumer groups".

use std::sync::Arc;
use std::time::Duration;

mod common;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use flashq::storage::offset_store::{
    FileOffsetStore, FileOffsetStoreOptions, MemoryOffsetStore, OffsetCommit, OffsetStore,
};

/// Offsets per commit: one partition (a member with a single partition), and six (a member
/// committing every partition of a small topic at once).
const OFFSETS_PER_COMMIT: [u32; 2] = [1, 6];
/// Concurrent committers (each its own group, as many consumer groups on one broker would be):
/// their commits share fsyncs.
const CONCURRENT_COMMITTERS: [u64; 2] = [4, 16];

fn commits(partitions: u32, offset: u64) -> Vec<OffsetCommit> {
    (0..partitions)
        .map(|partition| OffsetCommit {
            topic: "orders".to_string(),
            partition,
            offset,
        })
        .collect()
}

fn bench_commits(c: &mut Criterion) {
    let mut group = c.benchmark_group("group_commits");
    group.measurement_time(Duration::from_secs(10));
    for partitions in OFFSETS_PER_COMMIT {
        group.throughput(Throughput::Elements(1));
        let dir = tempfile::tempdir().expect("temp dir");
        let store = FileOffsetStore::open(dir.path(), FileOffsetStoreOptions::default())
            .expect("open store");
        let mut offset = 0u64;
        group.bench_with_input(
            BenchmarkId::new("file_fsync", partitions),
            &partitions,
            |b, &partitions| {
                b.iter(|| {
                    offset += 1;
                    store
                        .commit("bench-group", &commits(partitions, offset), 0)
                        .expect("commit");
                })
            },
        );
        let memory = MemoryOffsetStore::new();
        group.bench_with_input(
            BenchmarkId::new("memory", partitions),
            &partitions,
            |b, &partitions| {
                b.iter(|| {
                    offset += 1;
                    memory
                        .commit("bench-group", &commits(partitions, offset), 0)
                        .expect("commit");
                })
            },
        );
    }
    group.finish();
}

fn bench_concurrent_commits(c: &mut Criterion) {
    let mut group = c.benchmark_group("group_commits_concurrent");
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(1));
    for committers in CONCURRENT_COMMITTERS {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(
            FileOffsetStore::open(dir.path(), FileOffsetStoreOptions::default())
                .expect("open store"),
        );
        group.bench_with_input(
            BenchmarkId::new("file_fsync", committers),
            &committers,
            |b, &committers| {
                let groups: Vec<String> = (0..committers)
                    .map(|t| format!("bench-group-{t}"))
                    .collect();
                b.iter_custom(|iters| common::timed_concurrent_commits(&store, &groups, iters))
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_commits, bench_concurrent_commits);
criterion_main!(benches);
