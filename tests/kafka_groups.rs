//! Kafka consumer groups against a real broker, driven by clients no one here wrote: kcat's
//! `-G` (librdkafka), a confluent-kafka group of three members on six partitions that rebalances
//! when one leaves, and kafka-python's group consumer. Each group's offsets, LAG and members are
//! then read through FlashQ's own CLI, which sees the same groups. A test whose client is not
//! installed says so on stderr and passes (`.ci/run` installs them all).

mod common;

use common::kafka::{bootstrap, have_kcat, have_python_module, kafka_broker, python};
use common::{TestBroker, flashq_bin};
use serde_json::Value;

fn json_of(broker: &TestBroker, args: &[&str]) -> Value {
    let output = broker
        .cmd()
        .args(args)
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "flashq {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Committed offset and log end per partition, from `flashq group describe`.
fn committed(broker: &TestBroker, group: &str) -> Vec<(u64, Option<u64>, Option<u64>)> {
    let described = json_of(broker, &["group", "describe", group]);
    described["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["partition"].as_u64().unwrap(),
                p["committed_offset"].as_u64(),
                p["log_end_offset"].as_u64(),
            )
        })
        .collect()
}

fn kcat_group_read(broker: &TestBroker, group: &str, topic: &str) -> Vec<String> {
    let output = assert_cmd::Command::new("kcat")
        .args(["-b", bootstrap(broker), "-G", group, topic, "-e", "-q"])
        .args(["-f", "%s\\n", "-X", "auto.offset.reset=earliest"])
        .timeout(common::kafka::TOOL_TIMEOUT)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "kcat -G: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut values: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    values.sort_by_key(|v| v.parse::<u64>().unwrap_or(u64::MAX));
    values
}

#[test]
fn a_kcat_group_reads_everything_commits_and_flashq_sees_and_resets_its_offsets() {
    let test = "a_kcat_group_reads_everything_commits_and_flashq_sees_and_resets_its_offsets";
    if !have_kcat(test) {
        return;
    }
    let broker = kafka_broker();
    broker.create_topic("gt", 3);
    let lines: String = (1..=30).map(|i| format!("{i}\n")).collect();
    broker
        .cmd()
        .args(["produce", "--topic", "gt"])
        .write_stdin(lines)
        .assert()
        .success();
    let expected: Vec<String> = (1..=30).map(|i| i.to_string()).collect();
    assert_eq!(kcat_group_read(&broker, "kg", "gt"), expected);
    // kcat committed where it stopped: the log end of every partition it read from, LAG 0
    // (a partition with no records has nothing to commit).
    let offsets = committed(&broker, "kg");
    assert_eq!(offsets.len(), 3);
    let mut total = 0;
    for (partition, committed, end) in &offsets {
        match end {
            Some(0) => assert!(committed.unwrap_or(0) == 0, "{offsets:?}"),
            _ => assert_eq!(committed, end, "partition {partition}: {offsets:?}"),
        }
        total += committed.unwrap_or(0);
    }
    assert_eq!(total, 30);
    let groups = json_of(&broker, &["group", "list"]);
    assert!(
        groups
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["group"] == "kg"),
        "{groups}"
    );
    // A second read from the committed offsets finds nothing new...
    assert!(kcat_group_read(&broker, "kg", "gt").is_empty());
    // ...until FlashQ moves the Kafka group's offsets back.
    broker
        .cmd()
        .args([
            "group",
            "reset-offsets",
            "kg",
            "--topic",
            "gt",
            "--to-earliest",
        ])
        .arg("--execute")
        .assert()
        .success();
    assert_eq!(kcat_group_read(&broker, "kg", "gt"), expected);
}

/// Three members on six partitions; `c` leaves once all have their partitions and half is
/// read; the other two take its partitions. Every record is committed after it is read.
/// Prints each step's assignment, and `flashq group describe` of the two-member group.
const THREE_MEMBERS: &str = r#"
import json, subprocess, sys, time
from confluent_kafka import Consumer, Producer
boot, flashq, grpc = sys.argv[1], sys.argv[2], sys.argv[3]
p = Producer({'bootstrap.servers': boot, 'acks': 'all', 'enable.idempotence': True})
for i in range(600):
    p.produce('six', value=str(i).encode(), partition=i % 6)
assert p.flush(30) == 0
assignments = {}
def member(name):
    c = Consumer({'bootstrap.servers': boot, 'group.id': 'six-g', 'auto.offset.reset': 'earliest',
                  'enable.auto.commit': False, 'session.timeout.ms': 6000,
                  'heartbeat.interval.ms': 300, 'partition.assignment.strategy': 'range'})
    def on_assign(consumer, parts):
        assignments[name] = sorted(tp.partition for tp in parts)
    def on_revoke(consumer, parts):
        assignments.pop(name, None)
    c.subscribe(['six'], on_assign=on_assign, on_revoke=on_revoke)
    return c
members = {n: member(n) for n in 'abc'}
seen = {}
deadline = time.time() + 90
def poll(until):
    while not until():
        assert time.time() < deadline, (assignments, len(seen))
        for c in members.values():
            m = c.poll(0.05)
            if m is None or m.error():
                continue
            seen[int(m.value())] = seen.get(int(m.value()), 0) + 1
            c.commit(m, asynchronous=False)
covered = lambda n: len(assignments) == n and sorted(sum(assignments.values(), [])) == list(range(6))
poll(lambda: covered(3) and len(seen) >= 300)
print(json.dumps({'step': 'three', 'assignments': assignments}))
members.pop('c').close()
poll(lambda: covered(2) and len(seen) == 600)
print(json.dumps({'step': 'two', 'assignments': assignments}))
described = subprocess.run([flashq, '--broker', grpc, 'group', 'describe', 'six-g', '-o', 'json'],
                           capture_output=True, check=True).stdout
print(json.dumps({'step': 'described', 'group': json.loads(described)}))
for c in members.values():
    c.close()
print(json.dumps({'step': 'done', 'read': sum(seen.values()), 'distinct': len(seen)}))
"#;

#[test]
fn a_confluent_kafka_group_of_three_rebalances_when_one_leaves_and_commits_everything() {
    let test = "a_confluent_kafka_group_of_three_rebalances_when_one_leaves_and_commits_everything";
    if !have_python_module(test, "confluent_kafka", "confluent-kafka") {
        return;
    }
    let broker = kafka_broker();
    broker.create_topic("six", 6);
    let flashq = flashq_bin();
    let out = python(
        THREE_MEMBERS,
        &[
            bootstrap(&broker),
            flashq.to_str().unwrap(),
            &broker.address,
        ],
        b"",
    );
    let step = |name: &str| out.iter().find(|v| v["step"] == name).unwrap().clone();
    let partitions_of = |step: &Value| -> Vec<Vec<u64>> {
        step["assignments"]
            .as_object()
            .unwrap()
            .values()
            .map(|ps| {
                ps.as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_u64().unwrap())
                    .collect()
            })
            .collect()
    };
    let three = partitions_of(&step("three"));
    assert_eq!(three.len(), 3);
    assert!(
        three.iter().all(|ps| ps.len() == 2),
        "range gives two each: {three:?}"
    );
    let two = partitions_of(&step("two"));
    assert_eq!(two.len(), 2);
    assert!(two.iter().all(|ps| ps.len() == 3), "{two:?}");
    // While the two members held their partitions, FlashQ saw them and who owned what.
    let described = &step("described")["group"];
    assert_eq!(described["state"], "Stable", "{described}");
    assert_eq!(
        described["members"].as_array().unwrap().len(),
        2,
        "{described}"
    );
    let owned = described["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["member_id"].is_string())
        .count();
    assert_eq!(owned, 6, "{described}");
    let done = step("done");
    assert_eq!(done["distinct"], 600);
    // Every record was committed once read: each partition's offset is its log end (100).
    let offsets = committed(&broker, "six-g");
    assert_eq!(offsets.len(), 6);
    assert!(
        offsets
            .iter()
            .all(|(_, committed, end)| *committed == Some(100) && *end == Some(100)),
        "{offsets:?}"
    );
}

const KAFKA_PYTHON_GROUP: &str = r#"
import json, sys
from kafka import KafkaConsumer, KafkaProducer
boot = sys.argv[1]
p = KafkaProducer(bootstrap_servers=boot, acks='all')
for i in range(50):
    p.send('kp', key=b'k%d' % i, value=b'v%d' % i)
p.flush()
c = KafkaConsumer('kp', bootstrap_servers=boot, group_id='kp-g', auto_offset_reset='earliest',
                  enable_auto_commit=False, consumer_timeout_ms=10000)
values = []
for m in c:
    values.append(m.value.decode())
    if len(values) == 50:
        break
c.commit()
c.close()
print(json.dumps({'values': values}))
"#;

#[test]
fn a_kafka_python_group_consumer_reads_and_commits() {
    let test = "a_kafka_python_group_consumer_reads_and_commits";
    if !have_python_module(test, "kafka", "kafka-python") {
        return;
    }
    let broker = kafka_broker();
    broker.create_topic("kp", 2);
    let out = python(KAFKA_PYTHON_GROUP, &[bootstrap(&broker)], b"");
    let mut values: Vec<String> = out[0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    values.sort();
    let mut expected: Vec<String> = (0..50).map(|i| format!("v{i}")).collect();
    expected.sort();
    assert_eq!(values, expected);
    let offsets = committed(&broker, "kp-g");
    assert_eq!(offsets.len(), 2);
    assert_eq!(
        offsets.iter().map(|(_, c, _)| c.unwrap()).sum::<u64>(),
        50,
        "{offsets:?}"
    );
}
