//! Crash harness: a producer streams acknowledged batches at full speed while the broker is
//! SIGKILLed at random moments and restarted on the same data dir. After every cycle, every
//! acknowledged record is in the log exactly once, at the offset it was acknowledged with, and
//! `inspect-log --verify` finds nothing corrupt.
//!
//! The CI variant runs a few cycles; `cargo test --release --test crash_under_load -- --ignored`
//! runs the long one (25 cycles).

mod common;

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use common::{TestBroker, flashq_cmd};
use flashq::client::{Client, Offset, ProducerRecord};

const TOPIC: &str = "crash";
const RECORDS_PER_BATCH: usize = 50;

/// A small deterministic random source (xorshift), seeded from the clock and printed, so a
/// failing run can be repeated with FLASHQ_CRASH_SEED.
struct Random(u64);

impl Random {
    fn from_env_or_clock() -> Random {
        let seed = std::env::var("FLASHQ_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("crash harness seed: {seed}");
        Random(seed)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// Streams batches until the broker dies; returns (offset, value) of every acknowledged record.
async fn produce_until_killed(address: String, cycle: usize) -> Vec<(u64, Bytes)> {
    let mut acked = Vec::new();
    let Ok(client) = Client::connect(&address).await else {
        return acked;
    };
    let Ok((sender, mut acks)) = client.produce_stream(TOPIC).await else {
        return acked;
    };
    let (sent_tx, mut sent_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<Bytes>>();
    let producer = tokio::spawn(async move {
        for batch in 0u64.. {
            let values: Vec<Bytes> = (0..RECORDS_PER_BATCH)
                .map(|i| Bytes::from(format!("c{cycle}-b{batch}-r{i}")))
                .collect();
            let records = values
                .iter()
                .map(|v| ProducerRecord {
                    value: v.clone(),
                    partition: Some(0),
                    ..Default::default()
                })
                .collect();
            if sent_tx.send(values).is_err() || !sender.send(records).await {
                return;
            }
        }
    });
    while let Ok(Some(positions)) = acks.next().await {
        let Some(values) = sent_rx.recv().await else {
            break;
        };
        assert_eq!(positions.len(), values.len(), "one position per record");
        acked.extend(positions.iter().map(|p| p.offset).zip(values));
    }
    producer.abort();
    acked
}

async fn read_all(address: &str) -> Vec<(u64, Bytes)> {
    let client = Client::connect(address)
        .await
        .expect("connect after restart");
    let mut records = Vec::new();
    let mut next = 0;
    loop {
        let batch = client
            .fetch(TOPIC, 0, Offset::At(next), None, 0)
            .await
            .expect("fetch");
        if batch.records.is_empty() {
            return records;
        }
        next = batch.next_offset;
        records.extend(batch.records.into_iter().map(|r| (r.offset, r.value)));
    }
}

fn crash_cycles(cycles: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut random = Random::from_env_or_clock();
    // The data dir outlives each broker process.
    let temp = tempfile::tempdir().unwrap();
    let data_dir = temp.path().join("data");
    let mut broker = TestBroker::start_in(&data_dir, &["--fsync", "always"]);
    broker
        .cmd()
        .args(["topic", "create", TOPIC, "--partitions", "1"])
        .assert()
        .success();
    let mut all_acked: Vec<(u64, Bytes)> = Vec::new();
    for cycle in 0..cycles {
        let address = broker.address.clone();
        let producing = runtime.spawn(produce_until_killed(address, cycle));
        // Let it run for a random while, then kill -9 mid-stream.
        std::thread::sleep(Duration::from_millis(30 + random.below(250)));
        broker.kill();
        let acked = runtime.block_on(producing).expect("producer task");
        broker = TestBroker::start_in(&data_dir, &["--fsync", "always"]);
        // Each restart must find every record acknowledged so far, where it was acknowledged.
        let log = runtime.block_on(read_all(&broker.address));
        eprintln!(
            "cycle {cycle}: {} records acknowledged before the kill, {} in the log after restart",
            acked.len(),
            log.len()
        );
        all_acked.extend(acked);
        check(&log, &all_acked, cycle);
    }
    assert!(
        all_acked.len() > cycles * RECORDS_PER_BATCH,
        "the producer barely ran: {} acked records in {cycles} cycles",
        all_acked.len()
    );
    // Offline verification of every segment and index, with the broker stopped.
    assert_eq!(broker.stop(), Some(0));
    flashq_cmd()
        .args(["inspect-log", "--verify"])
        .arg(data_dir.join("topics").join(TOPIC).join("0"))
        .assert()
        .success();
}

fn check(log: &[(u64, Bytes)], acked: &[(u64, Bytes)], cycle: usize) {
    for (i, (offset, _)) in log.iter().enumerate() {
        assert_eq!(
            *offset, i as u64,
            "cycle {cycle}: offsets must be dense from 0"
        );
    }
    let mut seen = HashSet::new();
    for (_, value) in log {
        assert!(seen.insert(value), "cycle {cycle}: {value:?} stored twice");
    }
    for (offset, value) in acked {
        let stored = log.get(*offset as usize).map(|(_, v)| v);
        assert_eq!(
            stored,
            Some(value),
            "cycle {cycle}: acknowledged record at offset {offset} lost or changed"
        );
    }
}

#[test]
fn acknowledged_records_survive_repeated_kill_9() {
    crash_cycles(5);
}

#[test]
#[ignore = "long run: cargo test --release --test crash_under_load -- --ignored"]
fn acknowledged_records_survive_25_kill_9_cycles() {
    crash_cycles(25);
}
