//! Kafka clients against a three-broker cluster: Metadata names every broker and each
//! partition's leader as FlashQ's own metadata does, and an idempotent librdkafka producer
//! (acks=all) goes on through a SIGKILL of a partition's leader with nothing it was told is
//! acknowledged lost or stored twice. Skipped, saying so, without kcat or confluent-kafka.

mod common;

use common::cluster::TestCluster;
use common::kafka::{have_kcat, have_python_module, python};
use serde_json::Value;

const KAFKA_ON: [&str; 2] = ["--kafka-listen", "127.0.0.1:0"];

fn kafka_address(cluster: &mut TestCluster, id: u64) -> String {
    cluster
        .broker(id)
        .kafka_address
        .clone()
        .expect("started with --kafka-listen")
}

#[test]
fn metadata_names_every_broker_and_each_partitions_leader() {
    if !have_kcat("metadata_names_every_broker_and_each_partitions_leader") {
        return;
    }
    let mut cluster = TestCluster::start(&KAFKA_ON);
    let leaders = cluster.with_topic("km", 3);
    let addresses: Vec<String> = (1..=3).map(|id| kafka_address(&mut cluster, id)).collect();
    for bootstrap in &addresses {
        let output = assert_cmd::Command::new("kcat")
            .args(["-b", bootstrap, "-L", "-J", "-t", "km"])
            .timeout(common::kafka::TOOL_TIMEOUT)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
        let mut brokers: Vec<(u64, String)> = metadata["brokers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["id"].as_u64().unwrap(),
                    b["name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        brokers.sort();
        let expected: Vec<(u64, String)> = (1..=3).zip(addresses.iter().cloned()).collect();
        assert_eq!(brokers, expected, "{metadata}");
        let topic = &metadata["topics"][0];
        let mut partitions: Vec<(u64, u64, usize)> = topic["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["partition"].as_u64().unwrap(),
                    p["leader"].as_u64().unwrap(),
                    p["isrs"].as_array().unwrap().len(),
                )
            })
            .collect();
        partitions.sort();
        let expected: Vec<(u64, u64, usize)> = leaders
            .iter()
            .enumerate()
            .map(|(p, leader)| (p as u64, *leader, 3))
            .collect();
        assert_eq!(partitions, expected, "{metadata}");
    }
}

/// Produces `n` records (value = its number) idempotently with acks=all; once half are
/// acknowledged it SIGKILLs `victim` and goes on. Then reads every partition from the start and
/// prints what was acknowledged, failed and read.
const FAILOVER: &str = r#"
import json, os, signal, sys, time
from confluent_kafka import Consumer, Producer, TopicPartition
boot, victim, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
p = Producer({'bootstrap.servers': boot, 'acks': 'all', 'enable.idempotence': True,
              'linger.ms': 2, 'message.timeout.ms': 90000, 'retry.backoff.ms': 100})
acked, failed = set(), []
def delivered(err, msg):
    if err:
        failed.append(str(err))
    else:
        acked.add(int(msg.value()))
for i in range(n):
    while True:
        try:
            p.produce('kf', key=str(i).encode(), value=str(i).encode(), on_delivery=delivered)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
    if i == n // 2:
        p.flush(60)
        os.kill(victim, signal.SIGKILL)
p.flush(120)
c = Consumer({'bootstrap.servers': boot, 'group.id': 'kf-verify', 'enable.auto.commit': False})
c.assign([TopicPartition('kf', partition, 0) for partition in range(3)])
seen = {}
quiet_until = time.time() + 5
deadline = time.time() + 90
while time.time() < deadline and (len(seen) < len(acked) or time.time() < quiet_until):
    m = c.poll(0.2)
    if m is None or m.error():
        continue
    seen[int(m.value())] = seen.get(int(m.value()), 0) + 1
c.close()
print(json.dumps({
    'acked': len(acked), 'failed': failed[:5], 'read': sum(seen.values()),
    'lost': sorted(v for v in acked if v not in seen)[:20],
    'duplicated': sorted(v for v, k in seen.items() if k > 1)[:20],
}))
"#;

#[test]
fn an_idempotent_librdkafka_producer_goes_on_through_a_leader_sigkill_losing_and_doubling_nothing()
{
    let test = "an_idempotent_librdkafka_producer_goes_on_through_a_leader_sigkill_losing_and_doubling_nothing";
    if !have_python_module(test, "confluent_kafka", "confluent-kafka") {
        return;
    }
    let mut cluster = TestCluster::start(&KAFKA_ON);
    let leaders = cluster.with_topic("kf", 3);
    let victim = leaders[0];
    let bootstrap = (1..=3)
        .filter(|id| *id != victim)
        .map(|id| kafka_address(&mut cluster, id))
        .collect::<Vec<_>>()
        .join(",");
    let pid = cluster.broker(victim).pid().expect("running").to_string();
    let n = "20000";
    let out = python(FAILOVER, &[&bootstrap, &pid, n], b"");
    let result = &out[0];
    assert_eq!(result["failed"], serde_json::json!([]), "{result}");
    assert_eq!(result["acked"], 20000, "{result}");
    assert_eq!(result["lost"], serde_json::json!([]), "{result}");
    assert_eq!(result["duplicated"], serde_json::json!([]), "{result}");
    assert_eq!(result["read"], 20000, "{result}");
    // The killed broker's process is gone; the harness must not wait for it.
    cluster.broker(victim).kill();
}
