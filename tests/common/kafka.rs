//! Kafka clients against a real broker: a broker with its Kafka listener on, the outside
//! programs the tests drive (kcat, Python's confluent-kafka and kafka-python) and how a test
//! skips when one is missing, and records in the one shape every reader and writer is compared
//! in.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use super::{Rng, TestBroker};

/// How long one outside program may run.
pub const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

/// A broker on file storage in a temp dir, serving Kafka clients on a port of its own.
pub fn kafka_broker() -> TestBroker {
    TestBroker::start(&["--kafka-listen", "127.0.0.1:0"])
}

/// The broker's Kafka bootstrap address.
pub fn bootstrap(broker: &TestBroker) -> &str {
    broker
        .kafka_address
        .as_deref()
        .expect("the broker was started with --kafka-listen")
}

/// Says on stderr why `test` did not run, and how to make it run.
pub fn skip(test: &str, why: &str, install: &str) {
    eprintln!("skipped: {test}: {why} (install: {install})");
}

/// Whether kcat runs here; when it does not, `test` says so and should return.
pub fn have_kcat(test: &str) -> bool {
    let runs = std::process::Command::new("kcat")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        skip(test, "kcat is not on PATH", "apt-get install kcat");
    }
    runs
}

/// Whether `python3` imports `module`; when it does not, `test` says so and should return.
pub fn have_python_module(test: &str, module: &str, package: &str) -> bool {
    let imports = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !imports {
        skip(
            test,
            &format!("python3 cannot import {module}"),
            &format!("pip install {package}"),
        );
    }
    imports
}

/// Runs `script` with `python3 -c`, `args` as its arguments and `stdin` as its input; returns
/// what it printed, one JSON value per line. Fails the test when it fails.
pub fn python(script: &str, args: &[&str], stdin: &[u8]) -> Vec<Value> {
    let output = assert_cmd::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .write_stdin(stdin.to_vec())
        .timeout(TOOL_TIMEOUT)
        .output()
        .expect("run python3");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the python script failed ({:?}): {stderr}",
        output.status
    );
    String::from_utf8(output.stdout)
        .expect("utf-8 output")
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}; stderr {stderr}"))
        })
        .collect()
}

/// A record as every client here sees it. `None` is Kafka's null (a key, a tombstone's value,
/// a header's value), distinct from empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaRecord {
    pub partition: i32,
    /// Where the record was stored; where it is to go, the offset it is expected at.
    pub offset: i64,
    pub timestamp_ms: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

fn hex_or_null(bytes: &Option<Vec<u8>>) -> Value {
    bytes
        .as_ref()
        .map_or(Value::Null, |b| json!(hex::encode(b)))
}

fn from_hex_or_null(value: &Value) -> Option<Vec<u8>> {
    value
        .as_str()
        .map(|text| hex::decode(text).unwrap_or_else(|e| panic!("{text:?}: {e}")))
}

impl KafkaRecord {
    /// The shape the Python scripts read and print: bytes as hex, null as null.
    pub fn to_script_json(&self) -> Value {
        json!({
            "partition": self.partition,
            "offset": self.offset,
            "timestamp": self.timestamp_ms,
            "key": hex_or_null(&self.key),
            "value": hex_or_null(&self.value),
            "headers": self.headers.iter().map(|(k, v)| json!([k, hex_or_null(v)])).collect::<Vec<_>>(),
        })
    }

    pub fn from_script_json(record: &Value) -> KafkaRecord {
        KafkaRecord {
            partition: record["partition"].as_i64().expect("partition") as i32,
            offset: record["offset"].as_i64().expect("offset"),
            timestamp_ms: record["timestamp"].as_i64().expect("timestamp"),
            key: from_hex_or_null(&record["key"]),
            value: from_hex_or_null(&record["value"]),
            headers: record["headers"]
                .as_array()
                .expect("headers")
                .iter()
                .map(|h| {
                    let key = h[0].as_str().expect("header key").to_string();
                    (key, from_hex_or_null(&h[1]))
                })
                .collect(),
        }
    }

    /// A record as `flashq consume -o json` prints it, bytes decoded by their encoding fields.
    /// FlashQ has no null value (a tombstone reads as empty).
    pub fn from_flashq_json(record: &Value) -> KafkaRecord {
        let bytes = |text: &Value, encoding: &Value| -> Vec<u8> {
            let text = text.as_str().expect("a string");
            match encoding.as_str() {
                Some("utf8") | None => text.as_bytes().to_vec(),
                Some("base64") => base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap_or_else(|e| panic!("{text:?}: {e}")),
                Some("hex") => hex::decode(text).unwrap_or_else(|e| panic!("{text:?}: {e}")),
                Some(other) => panic!("unknown encoding {other:?}"),
            }
        };
        KafkaRecord {
            partition: record["partition"].as_i64().expect("partition") as i32,
            offset: record["offset"].as_i64().expect("offset"),
            timestamp_ms: record["timestamp_ms"].as_i64().expect("timestamp_ms"),
            key: match &record["key"] {
                Value::Null => None,
                key => Some(bytes(key, &record["key_encoding"])),
            },
            value: Some(bytes(&record["value"], &record["value_encoding"])),
            headers: record["headers"]
                .as_array()
                .expect("headers")
                .iter()
                .map(|h| {
                    let key = h["key"].as_str().expect("header key").to_string();
                    (key, Some(bytes(&h["value"], &h["value_encoding"])))
                })
                .collect(),
        }
    }

    /// The line `flashq produce --input json` reads for this record: bytes as base64.
    pub fn to_flashq_json(&self) -> Value {
        let base64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let mut line = json!({
            "partition": self.partition,
            "timestamp_ms": self.timestamp_ms,
            "value": base64(self.value.as_deref().expect("FlashQ has no null value")),
            "value_encoding": "base64",
            "headers": self.headers.iter().map(|(k, v)| json!({
                "key": k,
                "value": base64(v.as_deref().expect("FlashQ has no null header value")),
                "value_encoding": "base64",
            })).collect::<Vec<_>>(),
        });
        if let Some(key) = &self.key {
            line["key"] = json!(base64(key));
            line["key_encoding"] = json!("base64");
        }
        line
    }
}

/// `count` records over `partitions` partitions with binary keys, values and header values
/// (some null keys, some empty keys, values and header values, every byte value), each with
/// the offset it gets when they are produced in order to an empty topic.
pub fn binary_records(seed: u64, count: usize, partitions: i32) -> Vec<KafkaRecord> {
    let mut rng = Rng(seed);
    let mut next_offset = vec![0i64; partitions as usize];
    let base_timestamp_ms = 1_700_000_000_000;
    (0..count)
        .map(|i| {
            let partition = rng.below(partitions as u64) as i32;
            let offset = next_offset[partition as usize];
            next_offset[partition as usize] += 1;
            let key = match rng.below(8) {
                0 => None,
                1 => Some(Vec::new()),
                _ => Some(rng.bytes(32)),
            };
            let value = match rng.below(16) {
                0 => Vec::new(),
                // Every byte value, in one record.
                1 => (0..=255u8).collect(),
                _ => rng.bytes(300),
            };
            let headers = (0..rng.below(3))
                .map(|h| {
                    let value = rng.bytes(20);
                    (format!("h{h}-é"), Some(value))
                })
                .collect();
            KafkaRecord {
                partition,
                offset,
                timestamp_ms: base_timestamp_ms + i as i64,
                key,
                value: Some(value),
                headers,
            }
        })
        .collect()
}

/// Records as NDJSON in the scripts' shape, for a script's stdin.
pub fn script_input(records: &[KafkaRecord]) -> Vec<u8> {
    let mut input = Vec::new();
    for record in records {
        input.extend(record.to_script_json().to_string().into_bytes());
        input.push(b'\n');
    }
    input
}

/// Records in (partition, offset) order, as a reader of several partitions may interleave them.
pub fn sorted(mut records: Vec<KafkaRecord>) -> Vec<KafkaRecord> {
    records.sort_by_key(|r| (r.partition, r.offset));
    records
}

/// Asserts two record lists are equal, naming the first record that differs (a whole list of
/// 10,000 in a failure message helps nobody).
pub fn assert_same_records(got: &[KafkaRecord], expected: &[KafkaRecord], what: &str) {
    for (i, (got, expected)) in got.iter().zip(expected).enumerate() {
        assert_eq!(got, expected, "{what}: record {i} differs");
    }
    assert_eq!(
        got.len(),
        expected.len(),
        "{what}: {} records, expected {}",
        got.len(),
        expected.len()
    );
}

/// librdkafka through confluent-kafka: produces the records on stdin (the scripts' shape) to
/// `argv[2]` at `argv[1]` with the producer settings in `argv[3]` (JSON), each to its partition
/// with its timestamp. Prints one line: the delivery reports in input order (error, partition,
/// offset), the records left unflushed, and the bytes librdkafka sent to brokers.
pub const CONFLUENT_PRODUCE: &str = r#"
import json, sys
from confluent_kafka import Producer

bootstrap, topic, settings = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
stats = []
config = {"bootstrap.servers": bootstrap, "statistics.interval.ms": 100,
          "stats_cb": lambda s: stats.append(json.loads(s))}
config.update(settings)
producer = Producer(config)
records = [json.loads(line) for line in sys.stdin]
reports = [None] * len(records)

def report(index):
    def on_delivery(err, msg):
        reports[index] = {"error": None if err is None else err.name(),
                          "partition": msg.partition(), "offset": msg.offset()}
    return on_delivery

def unhex(text):
    return None if text is None else bytes.fromhex(text)

for index, r in enumerate(records):
    while True:
        try:
            producer.produce(topic, value=unhex(r["value"]), key=unhex(r["key"]),
                             partition=r["partition"], timestamp=r["timestamp"],
                             headers=[(k, unhex(v)) for k, v in r["headers"]],
                             on_delivery=report(index))
            break
        except BufferError:
            producer.poll(0.1)
unflushed = producer.flush(60)
# Statistics taken after the flush count every byte of every produce request.
seen = len(stats)
while len(stats) < seen + 2:
    producer.poll(0.1)
tx_bytes = sum(b["txbytes"] for name, b in stats[-1]["brokers"].items())
print(json.dumps({"reports": reports, "unflushed": unflushed, "tx_bytes": tx_bytes}))
"#;

/// librdkafka through confluent-kafka: reads partitions `0..argv[3]` of `argv[2]` at `argv[1]`
/// from the beginning by assign() (the consumer never joins its group or commits; the Python
/// binding only insists on a group.id) until `argv[4]` records came or every partition is at
/// its end. Prints each record in the scripts' shape, then `{"end": true}`.
pub const CONFLUENT_CONSUME: &str = r#"
import json, sys, time
from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING

bootstrap, topic, partitions, expected = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "assign-only-never-joined",
                     "enable.auto.commit": False, "enable.auto.offset.store": False,
                     "enable.partition.eof": True})
consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
at_end, count, deadline = set(), 0, time.time() + 60

def hexed(b):
    return None if b is None else b.hex()

while count < expected and len(at_end) < partitions and time.time() < deadline:
    for msg in consumer.consume(num_messages=1000, timeout=1):
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(msg.partition())
                continue
            raise SystemExit("consume failed: %s" % msg.error())
        at_end.discard(msg.partition())
        count += 1
        print(json.dumps({"partition": msg.partition(), "offset": msg.offset(),
                          "timestamp": msg.timestamp()[1], "key": hexed(msg.key()),
                          "value": hexed(msg.value()),
                          "headers": [[k, hexed(v)] for k, v in (msg.headers() or [])]}))
consumer.close()
print(json.dumps({"end": True}))
"#;

/// What [`CONFLUENT_CONSUME`] printed, as records (its closing line checked and dropped).
pub fn consumed_records(lines: &[Value]) -> Vec<KafkaRecord> {
    let (end, records) = lines.split_last().expect("the consumer printed nothing");
    assert_eq!(end, &json!({"end": true}), "the consumer did not finish");
    records.iter().map(KafkaRecord::from_script_json).collect()
}

/// `flashq consume -o json --from-beginning -n COUNT` of `topic`, as records.
pub fn flashq_consume(broker: &TestBroker, topic: &str, count: usize) -> Vec<KafkaRecord> {
    let output = broker
        .cmd()
        .args(["consume", "-t", topic, "-o", "json", "--from-beginning"])
        .args(["-n", &count.to_string()])
        .output()
        .expect("run flashq consume");
    assert!(
        output.status.success(),
        "flashq consume failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8 JSON")
        .lines()
        .map(|line| KafkaRecord::from_flashq_json(&serde_json::from_str(line).expect("JSON")))
        .collect()
}
