//! `flashq produce` of 1,000,000 stdin lines to a three-broker cluster (RF=3, acks=all), once
//! undisturbed and once with the leader of partition 0 SIGKILLed half-way: every line must be
//! stored exactly once, in input order within each partition, and both times are printed.
//! Long (about a minute in a release build), so `--ignored`:
//!
//! `cargo test --release --test stdin_failover -- --ignored --nocapture`

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::cluster::TestCluster;
use common::{flashq_bin, wait_until};
use flashq::client::{Client, ClusterRouter, Offset};

const LINES: usize = 1_000_000;
const PARTITIONS: u32 = 3;

/// Produces every line of `input` to `topic` through the broker at `address`; kills broker
/// `victim` of `cluster` once half the lines are acknowledged, when given. Returns how long
/// the produce took.
fn produce_lines(
    cluster: &mut TestCluster,
    address: &str,
    topic: &str,
    input: &std::path::Path,
    victim: Option<u64>,
) -> Duration {
    let output = input.with_extension(format!("{topic}.out"));
    let started = Instant::now();
    let mut child = std::process::Command::new(flashq_bin())
        .args(["produce", "-t", topic])
        .env("FLASHQ_BROKER", address)
        .env("XDG_CONFIG_HOME", "/nonexistent/flashq-test-config")
        .env_remove("RUST_LOG")
        .stdin(std::fs::File::open(input).unwrap())
        .stdout(std::fs::File::create(&output).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let acknowledged = || {
        std::fs::read(&output)
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0)
    };
    if let Some(victim) = victim {
        let half = wait_until(Duration::from_secs(300), || acknowledged() >= LINES / 2);
        assert!(half, "half the lines were not acknowledged in time");
        cluster.broker(victim).kill();
        eprintln!(
            "killed broker {victim} after {} acknowledged lines",
            acknowledged()
        );
    }
    let status = child.wait().unwrap();
    let took = started.elapsed();
    assert!(status.success(), "produce exited {status:?}");
    assert_eq!(acknowledged(), LINES, "one position line per input line");
    took
}

/// Reads every partition of `topic` from its leaders: every line exactly once, in input order
/// within each partition.
fn assert_stored_once_in_order(address: &str, topic: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let router = ClusterRouter::new(Client::connect(address).await.unwrap())
            .await
            .unwrap();
        let mut seen = vec![false; LINES];
        for partition in 0..PARTITIONS {
            let view = router.refresh(&router.view()).await.unwrap();
            let leader = router.leader_client(&view, topic, partition).await.unwrap();
            let (mut next, mut last) = (0, None);
            loop {
                let batch = leader
                    .fetch(topic, partition, Offset::At(next), Some(50_000), 0)
                    .await
                    .unwrap();
                if batch.records.is_empty() {
                    break;
                }
                for r in &batch.records {
                    let text = std::str::from_utf8(&r.value).unwrap();
                    let n: usize = text.strip_prefix("line-").unwrap().parse().unwrap();
                    assert!(!seen[n], "{text} stored twice");
                    assert!(
                        last.is_none_or(|l| l < n),
                        "{text} after line-{last:?} in partition {partition}"
                    );
                    seen[n] = true;
                    last = Some(n);
                }
                next = batch.next_offset;
            }
        }
        let missing = seen.iter().filter(|s| !**s).count();
        assert_eq!(missing, 0, "lines missing");
    });
}

#[test]
#[ignore = "a million lines: cargo test --release --test stdin_failover -- --ignored"]
fn a_million_stdin_lines_survive_the_leaders_kill_exactly_once_in_order() {
    let mut cluster = TestCluster::start(&[]);
    let temp = tempfile::tempdir().unwrap();
    let input = temp.path().join("lines.txt");
    let text: String = (0..LINES).map(|n| format!("line-{n}\n")).collect();
    std::fs::write(&input, text).unwrap();

    let baseline_leaders = cluster.with_topic("baseline", PARTITIONS);
    let seed = baseline_leaders[0] % 3 + 1;
    let seed_address = cluster.broker(seed).address.clone();
    let baseline = produce_lines(&mut cluster, &seed_address, "baseline", &input, None);
    assert_stored_once_in_order(&seed_address, "baseline");

    let leaders = cluster.with_topic("failover", PARTITIONS);
    let victim = leaders[0];
    // The CLI takes one broker: one that survives.
    let seed = victim % 3 + 1;
    let seed_address = cluster.broker(seed).address.clone();
    let failover = produce_lines(
        &mut cluster,
        &seed_address,
        "failover",
        &input,
        Some(victim),
    );
    assert_stored_once_in_order(&seed_address, "failover");
    println!(
        "{LINES} stdin lines, RF=3, acks=all, {PARTITIONS} partitions: {:.1} s undisturbed, {:.1} s with the leader of partition 0 (broker {victim}) killed half-way",
        baseline.as_secs_f64(),
        failover.as_secs_f64()
    );
}
