//! Subscription benchmarks against a real `flashq serve` (release build) on loopback:
//!
//! 1. end-to-end latency (send -> subscriber has the record) at 1k, 10k and 100k records/s;
//! 2. broker RSS with 1,000 idle subscribers;
//! 3. broker RSS while a subscriber that has stopped reading falls 200 MB behind.
//!
//! Run: `cargo bench --bench subscribe` (add `-- --quick` for shorter runs). Figures print as a
//! table; they are measured each run, never stored here.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use flashq::client::{Client, Offset, ProducerRecord};
use hdrhistogram::Histogram;

const RECORD_BYTES: usize = 100;
const IDLE_SUBSCRIBERS: usize = 1000;
/// Subscriptions per connection, under the broker's 1024 streams per connection.
const SUBSCRIPTIONS_PER_CONNECTION: usize = 100;
const SLOW_SUBSCRIBER_BACKLOG_BYTES: usize = 200 * 1024 * 1024;

struct Broker {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl Broker {
    fn start(fsync: &str) -> Broker {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_flashq"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "-q",
                "--fsync",
                fsync,
                "--data-dir",
            ])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start flashq serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("address line");
        Broker {
            child,
            address: line.trim().to_string(),
            _dir: dir,
        }
    }

    /// (current RSS, peak RSS) in KiB, from /proc.
    fn rss_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A 100-byte value that carries the nanoseconds since `epoch` at which it was sent.
fn stamped_value(epoch: Instant) -> Bytes {
    let mut value = BytesMut::with_capacity(RECORD_BYTES);
    value.put_u64(epoch.elapsed().as_nanos() as u64);
    value.resize(RECORD_BYTES, b'x');
    value.freeze()
}

/// Produces at `rate` records/s for `duration` while one subscriber measures latency.
async fn latency_at(address: &str, topic: &str, rate: u64, duration: Duration) -> Histogram<u64> {
    let client = Client::connect(address).await.expect("connect");
    client
        .create_topic(topic, Some(1), Default::default())
        .await
        .expect("create topic");
    let mut subscription = client
        .subscribe(topic, vec![], Offset::Latest)
        .await
        .expect("subscribe");
    let epoch = Instant::now();
    let expected = rate * duration.as_secs();
    let receiver = tokio::spawn(async move {
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
        let mut received = 0u64;
        while received < expected {
            let Ok(Some(batch)) = subscription.next().await else {
                break;
            };
            let now = epoch.elapsed().as_nanos() as u64;
            for record in &batch.records {
                let sent = u64::from_be_bytes(record.value[..8].try_into().unwrap());
                histogram.saturating_record(now.saturating_sub(sent).max(1));
                received += 1;
            }
        }
        histogram
    });
    // One batch per millisecond, sent on an ordered stream without waiting for acks.
    let per_tick = (rate / 1000).max(1);
    let ticks_per_second = rate / per_tick;
    let (sender, mut acks) = client.produce_stream(topic).await.expect("produce stream");
    let drain = tokio::spawn(async move { while let Ok(Some(_)) = acks.next().await {} });
    let mut ticker = tokio::time::interval(Duration::from_nanos(1_000_000_000 / ticks_per_second));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut sent = 0u64;
    while sent < expected {
        ticker.tick().await;
        let batch: Vec<ProducerRecord> = (0..per_tick.min(expected - sent))
            .map(|_| ProducerRecord {
                value: stamped_value(epoch),
                ..Default::default()
            })
            .collect();
        sent += batch.len() as u64;
        assert!(sender.send(batch).await, "produce stream ended");
    }
    drop(sender);
    let histogram = tokio::time::timeout(Duration::from_secs(60), receiver)
        .await
        .expect("subscriber finished")
        .expect("subscriber task");
    drain.abort();
    histogram
}

async fn idle_subscribers(broker: &Broker) -> (u64, u64) {
    let client = Client::connect(&broker.address).await.expect("connect");
    client
        .create_topic("idle", Some(1), Default::default())
        .await
        .expect("create topic");
    let (before, _) = broker.rss_kib();
    let mut subscriptions = Vec::with_capacity(IDLE_SUBSCRIBERS);
    for chunk in 0..IDLE_SUBSCRIBERS / SUBSCRIPTIONS_PER_CONNECTION {
        let client = Client::connect(&broker.address).await.expect("connect");
        for _ in 0..SUBSCRIPTIONS_PER_CONNECTION {
            let mut subscription = client
                .subscribe("idle", vec![], Offset::Latest)
                .await
                .unwrap_or_else(|e| panic!("subscription in connection {chunk}: {e}"));
            // The opening message proves the stream is live on the broker.
            subscription.next().await.expect("opening message");
            subscriptions.push(subscription);
        }
    }
    let (after, _) = broker.rss_kib();
    drop(subscriptions);
    (before, after)
}

async fn slow_subscriber(broker: &Broker) -> (u64, u64, f64) {
    let client = Client::connect(&broker.address).await.expect("connect");
    client
        .create_topic("backlog", Some(1), Default::default())
        .await
        .expect("create topic");
    let (before, _) = broker.rss_kib();
    // Subscribed, then never read again: the broker must not buffer the backlog for it.
    let mut stalled = client
        .subscribe("backlog", vec![], Offset::Earliest)
        .await
        .expect("subscribe");
    stalled.next().await.expect("opening message");
    let (sender, mut acks) = client
        .produce_stream("backlog")
        .await
        .expect("produce stream");
    let drain = tokio::spawn(async move {
        let mut acked = 0u64;
        while let Ok(Some(positions)) = acks.next().await {
            acked += positions.len() as u64;
        }
        acked
    });
    let value = Bytes::from(vec![b'v'; RECORD_BYTES]);
    let started = Instant::now();
    let records = SLOW_SUBSCRIBER_BACKLOG_BYTES / RECORD_BYTES;
    let mut peak = 0u64;
    for i in 0..records / 1000 {
        let batch = (0..1000)
            .map(|_| ProducerRecord {
                value: value.clone(),
                ..Default::default()
            })
            .collect();
        assert!(sender.send(batch).await, "produce stream ended");
        if i % 100 == 0 {
            peak = peak.max(broker.rss_kib().0);
        }
    }
    drop(sender);
    let acked = drain.await.expect("acks");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(acked as usize, records / 1000 * 1000);
    peak = peak.max(broker.rss_kib().0);
    drop(stalled);
    (before, peak, seconds)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    // `cargo bench` passes --bench; other harness flags are ignored here.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let duration = Duration::from_secs(if quick { 2 } else { 5 });
    let mut table = comfy_table::Table::new();
    table.set_header(["scenario", "p50", "p99", "p99.9", "max", "notes"]);
    for (rate, fsync) in [
        (1_000u64, "always"),
        (10_000, "always"),
        (100_000, "always"),
        (1_000, "never"),
        (10_000, "never"),
        (100_000, "never"),
    ] {
        let broker = Broker::start(fsync);
        let histogram = runtime.block_on(latency_at(
            &broker.address,
            &format!("latency-{rate}"),
            rate,
            duration,
        ));
        let us = |q: f64| format!("{:.0} µs", histogram.value_at_quantile(q) as f64 / 1000.0);
        table.add_row([
            format!("e2e latency at {rate} records/s, fsync={fsync}"),
            us(0.5),
            us(0.99),
            us(0.999),
            format!("{:.0} µs", histogram.max() as f64 / 1000.0),
            format!(
                "{} records of {RECORD_BYTES} B, fsync={fsync}, 1 partition",
                histogram.len()
            ),
        ]);
    }
    let broker = Broker::start("always");
    let (before, after) = runtime.block_on(idle_subscribers(&broker));
    table.add_row([
        format!("{IDLE_SUBSCRIBERS} idle subscribers"),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        format!(
            "broker RSS {} MiB before, {} MiB with them ({:.1} KiB each)",
            before / 1024,
            after / 1024,
            (after.saturating_sub(before)) as f64 / IDLE_SUBSCRIBERS as f64
        ),
    ]);
    drop(broker);
    let broker = Broker::start("always");
    let (before, peak, seconds) = runtime.block_on(slow_subscriber(&broker));
    table.add_row([
        "stalled subscriber, 200 MB backlog".to_string(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        format!(
            "broker RSS {} MiB before, peak {} MiB while 200 MB were produced in {seconds:.1} s",
            before / 1024,
            peak / 1024
        ),
    ]);
    println!("{table}");
}
