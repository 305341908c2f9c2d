//! Clients in a three-broker cluster: produce partitions records as a single broker would and
//! sends each to its partition's leader, and producers and consumers carry on through the
//! SIGKILL of a partition leader; and the client router's metadata refreshes, in process.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use common::cluster::{TestCluster, others};
use common::{FedProducer, RunningCommand, stdout_of, wait_until};
use flashq::protocol::partitioner::partition_for_key;
use serde_json::Value;

/// How long a produce or consume may take to see a failover through.
const FAILOVER_TIMEOUT: Duration = Duration::from_secs(25);
/// A follower slowed down by a loaded machine stays in the ISR, so that once the leader is
/// killed the two left still meet `--min-insync-replicas` (2): these tests are about routing,
/// not about writes refused for a shrunken ISR (exit 8, tested in tests/cluster.rs).
const LAG_TOLERANT_FLAGS: [&str; 2] = ["--replica-lag-max-ms", "5000"];

/// NDJSON lines as values.
fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Every record of `topic` as broker `id` serves it, read with `consume -o json`.
fn records_from(cluster: &TestCluster, id: u64, topic: &str) -> Vec<Value> {
    json_lines(&stdout_of(
        cluster.brokers[id as usize - 1]
            .cmd()
            .args(["consume", "-t", topic, "--from-beginning", "-o", "json"])
            .timeout(FAILOVER_TIMEOUT)
            .assert()
            .success(),
    ))
}

#[test]
fn keyed_and_keyless_produce_reach_every_leader_and_keys_land_where_a_single_broker_puts_them() {
    let mut cluster = TestCluster::start(&LAG_TOLERANT_FLAGS);
    let leaders = cluster.with_topic("keyed", 3);
    let mut distinct = leaders.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "leaders not spread: {leaders:?}");

    // A keyed stream sent to broker 1, which leads only one of the three partitions.
    let input: String = (0..300).map(|i| format!("key-{i}:value-{i}\n")).collect();
    let acked = json_lines(&stdout_of(
        cluster
            .broker(1)
            .cmd()
            .args([
                "produce",
                "-t",
                "keyed",
                "--key-separator",
                ":",
                "-o",
                "json",
            ])
            .args(["--batch-size", "50"])
            .write_stdin(input)
            .timeout(FAILOVER_TIMEOUT)
            .assert()
            .success(),
    ));
    assert_eq!(acked.len(), 300);
    for (i, position) in acked.iter().enumerate() {
        let key = format!("key-{i}");
        assert_eq!(
            position["partition"],
            partition_for_key(key.as_bytes(), 3),
            "{key}"
        );
    }
    // Keyless records spread over the partitions, whatever their leaders, and one --value
    // record with a key goes where the key hashes.
    cluster
        .broker(2)
        .cmd()
        .args(["produce", "-t", "keyed", "--batch-size", "10"])
        .write_stdin(
            (0..60)
                .map(|i| format!("keyless-{i}\n"))
                .collect::<String>(),
        )
        .timeout(FAILOVER_TIMEOUT)
        .assert()
        .success();
    let single = json_lines(&stdout_of(
        cluster
            .broker(3)
            .cmd()
            .args(["produce", "-t", "keyed", "-k", "solo", "--value", "one"])
            .args(["-o", "json"])
            .assert()
            .success(),
    ));
    assert_eq!(single[0]["partition"], partition_for_key(b"solo", 3));

    // Read back through another broker: the key -> partition mapping a single broker makes.
    let records = records_from(&cluster, 2, "keyed");
    assert_eq!(records.len(), 300 + 60 + 1);
    let mut keyless_partitions = BTreeMap::new();
    for record in &records {
        let partition = record["partition"].as_u64().unwrap();
        match record["key"].as_str() {
            Some(key) => assert_eq!(
                partition,
                partition_for_key(key.as_bytes(), 3) as u64,
                "{record}"
            ),
            None => *keyless_partitions.entry(partition).or_insert(0) += 1,
        }
    }
    assert!(
        keyless_partitions.len() > 1,
        "keyless records not spread: {keyless_partitions:?}"
    );
}

#[test]
fn a_stdin_produce_stream_survives_its_leader_being_killed() {
    let mut cluster = TestCluster::start(&LAG_TOLERANT_FLAGS);
    let leaders = cluster.with_topic("t", 1);
    let leader = leaders[0];
    let follower = others(leader)[0];
    let mut producer = FedProducer::start(
        &cluster.broker(follower).address,
        &["-t", "t", "--batch-size", "20", "--linger-ms", "2"],
    );
    // A feeder writes lines over time, while the leader is killed.
    let total = 600;
    let mut stdin = producer.child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        for i in 0..total {
            if writeln!(stdin, "line-{i}").is_err() {
                return;
            }
            if i % 20 == 0 {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    });
    assert!(
        wait_until(FAILOVER_TIMEOUT, || producer.acked().len() >= 100),
        "no acknowledgements before the kill: {:?}",
        producer.acked().len()
    );
    let acked_before_kill = producer.acked().len();
    cluster.broker(leader).kill();
    feeder.join().unwrap();
    assert!(
        acked_before_kill < total,
        "the stream ended before the kill"
    );
    assert_eq!(producer.wait(FAILOVER_TIMEOUT), Some(0));

    // Every line acknowledged, each at the position printed for it.
    let acked = producer.acked();
    assert_eq!(acked.len(), total, "acknowledged {}", acked.len());
    let served: BTreeMap<u64, String> = records_from(&cluster, follower, "t")
        .into_iter()
        .map(|r| {
            let offset = r["offset"].as_u64().unwrap();
            (offset, r["value"].as_str().unwrap().to_string())
        })
        .collect();
    for (i, position) in acked.iter().enumerate() {
        let offset: u64 = position
            .strip_prefix("t/0@")
            .and_then(|o| o.parse().ok())
            .unwrap_or_else(|| panic!("unexpected output line {position:?}"));
        assert_eq!(
            served.get(&offset),
            Some(&format!("line-{i}")),
            "line {i} acknowledged at {offset}"
        );
    }
}

#[test]
fn consumers_keep_reading_across_a_leader_kill() {
    let mut cluster = TestCluster::start(&LAG_TOLERANT_FLAGS);
    let leader = cluster.with_topic("t", 1)[0];
    let follower = others(leader)[0];
    let address = cluster.broker(follower).address.clone();
    let produce = |cluster: &TestCluster, prefix: &str| {
        cluster.brokers[follower as usize - 1]
            .cmd()
            .args(["produce", "-t", "t"])
            .write_stdin(
                (0..50)
                    .map(|i| format!("{prefix}-{i}\n"))
                    .collect::<String>(),
            )
            .timeout(FAILOVER_TIMEOUT)
            .assert()
            .success();
    };
    produce(&cluster, "before");
    let format = ["--format", "%v\n"];
    // Connected to the broker about to be killed: they find the new leader through the others.
    let leader_address = cluster.broker(leader).address.clone();
    let follow = RunningCommand::start(
        &leader_address,
        &[
            &["consume", "-t", "t", "--from-beginning", "--follow"][..],
            &format,
        ]
        .concat(),
    );
    // The group's coordinator is the broker its members connect to: one that stays up.
    let group = RunningCommand::start(
        &address,
        &[
            &["consume", "-t", "t", "--group", "g", "--follow"][..],
            &format,
        ]
        .concat(),
    );
    let subscribe = RunningCommand::start(
        &leader_address,
        &[&["subscribe", "-t", "t", "--from-beginning"][..], &format].concat(),
    );
    let readers = [
        ("consume --follow", &follow),
        ("consume --group", &group),
        ("subscribe", &subscribe),
    ];
    for (name, reader) in readers {
        assert!(
            wait_until(FAILOVER_TIMEOUT, || reader.stdout_lines().len() >= 50),
            "{name} read {:?} before the kill",
            reader.stdout_lines().len()
        );
    }

    cluster.broker(leader).kill();
    cluster.wait_for_new_leader(follower, "t", 0, leader);
    produce(&cluster, "after");
    let expected: Vec<String> = ["before", "after"]
        .iter()
        .flat_map(|prefix| (0..50).map(move |i| format!("{prefix}-{i}")))
        .collect();
    for (name, reader) in readers {
        wait_until(FAILOVER_TIMEOUT, || reader.stdout_lines().len() >= 100);
        assert_eq!(
            reader.stdout_lines(),
            expected,
            "{name}: {:?}",
            reader.stderr_lines()
        );
    }
}

#[tokio::test]
async fn the_router_shares_refreshes_and_spaces_them_out() {
    use flashq::client::routing::METADATA_REFRESH_MIN_INTERVAL_MS;
    use flashq::client::{Client, ClusterRouter};
    use flashq::node::{Node, NodeConfig, StorageChoice};

    let broker = Node::start(NodeConfig::embedded(StorageChoice::Memory))
        .await
        .unwrap();
    let created = std::time::Instant::now();
    let seed = Client::connect(&broker.url()).await.unwrap();
    let router = ClusterRouter::new(seed).await.unwrap();
    // A single broker: nothing to route.
    assert!(!router.clustered());
    let stale = router.view();
    let first = router.refresh(&stale).await.unwrap();
    assert_eq!(first.generation, stale.generation + 1);
    // Another holder of the stale view gets the same refresh, without a fetch of its own.
    assert_eq!(
        router.refresh(&stale).await.unwrap().generation,
        first.generation
    );
    let second = router.refresh(&first).await.unwrap();
    assert_eq!(second.generation, first.generation + 1);
    // Two refreshes after the first fetch: at least two intervals apart from it.
    let interval = Duration::from_millis(METADATA_REFRESH_MIN_INTERVAL_MS);
    assert!(created.elapsed() >= 2 * interval, "{:?}", created.elapsed());
    broker.stop().await.unwrap();
}

/// A produce already waiting on a leader that is then paused (SIGSTOP: it holds the request
/// open and answers nothing) goes to the new leader once the metadata names one, instead of
/// waiting out its own request timeout; and the refresh that finds the new leader does not hang
/// on the paused broker, though it was the one the router asked last.
#[test]
fn a_produce_waiting_on_a_paused_leader_moves_to_the_new_leader_before_its_timeout() {
    use flashq::client::routed_producer::PRODUCE_REQUEST_TIMEOUT_MS;
    use flashq::client::{Client, ClusterRouter, ProducerRecord, RoutedProducer};

    let mut cluster = TestCluster::start(&LAG_TOLERANT_FLAGS);
    let leader = cluster.with_replicated_topic();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Seeded at the leader, so it is also the first broker the router asks for metadata.
    let leader_url = cluster.broker(leader).address.clone();
    let producer = runtime.block_on(async {
        let seed = Client::connect(&leader_url).await.unwrap();
        let router = Arc::new(ClusterRouter::new(seed).await.unwrap());
        RoutedProducer::new(router, "t")
    });
    let record = |value: &str| ProducerRecord {
        value: bytes::Bytes::from(value.to_string()),
        ..ProducerRecord::default()
    };
    let warm_up = runtime.block_on(producer.send(vec![record("before")]));
    assert!(warm_up.is_ok(), "{warm_up:?}");

    cluster.broker(leader).pause();
    let paused_at = std::time::Instant::now();
    let produced = runtime.block_on(async {
        tokio::time::timeout(FAILOVER_TIMEOUT, producer.send(vec![record("during")])).await
    });
    let took = paused_at.elapsed();
    cluster.broker(leader).resume();
    let produced = produced.expect("the produce never finished");
    assert!(produced.is_ok(), "{produced:?}");
    assert!(
        took < Duration::from_millis(PRODUCE_REQUEST_TIMEOUT_MS),
        "the produce waited out its request timeout on the paused leader: {took:?}"
    );
    let new_leader = cluster.wait_for_new_leader(others(leader)[0], "t", 0, leader);
    let values = cluster.values_on(new_leader);
    assert!(values.contains(&"during".to_string()), "{values:?}");
}
