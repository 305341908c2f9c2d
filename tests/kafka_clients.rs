//! Real Kafka clients against `flashq serve --kafka-listen`: kcat, librdkafka (Python's
//! confluent-kafka) and kafka-python produce, consume, list and administer topics, and what
//! one wire writes the other reads byte for byte (`flashq consume` reads what librdkafka
//! produced, librdkafka reads what `flashq produce` wrote).
//!
//! Each test needs an outside program. When it is missing the test says `skipped: ...` on
//! stderr with what to install, and passes: a plain `cargo test` needs none of them (.ci/run
//! installs them). Consumers read by assign(), never as group members: the broker has no
//! consumer groups on its Kafka face yet.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::TestBroker;
use common::kafka::{
    CONFLUENT_CONSUME, CONFLUENT_PRODUCE, KafkaRecord, assert_same_records, binary_records,
    bootstrap, consumed_records, flashq_consume, have_kcat, have_python_module, kafka_broker,
    python, script_input, sorted,
};
use serde_json::{Value, json};

const CONFLUENT: (&str, &str) = ("confluent_kafka", "confluent-kafka");
const KAFKA_PYTHON: (&str, &str) = ("kafka", "kafka-python");

fn have(test: &str, (module, package): (&str, &str)) -> bool {
    have_python_module(test, module, package)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// `flashq topic describe -o json`, or its exit code when it fails.
fn describe_topic(broker: &TestBroker, topic: &str) -> Result<Value, Option<i32>> {
    let output = broker
        .cmd()
        .args(["topic", "describe", topic, "-o", "json"])
        .output()
        .unwrap();
    if !output.status.success() {
        return Err(output.status.code());
    }
    Ok(serde_json::from_slice(&output.stdout).expect("JSON"))
}

/// `flashq`'s exit code for something that does not exist.
const NOT_FOUND: i32 = 4;

// kcat

/// Runs kcat with `args` and `stdin`; fails the test unless it exits 0. Returns its stdout.
fn kcat(args: &[&str], stdin: &str) -> String {
    let output = assert_cmd::Command::new("kcat")
        .args(args)
        .write_stdin(stdin)
        .timeout(common::kafka::TOOL_TIMEOUT)
        .output()
        .expect("run kcat");
    assert!(
        output.status.success(),
        "kcat {args:?} failed ({:?}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// The keyed records the kcat tests produce, as `-K:` reads them: `key:value` lines.
const KCAT_LINES: &[(&str, &str)] = &[
    ("user-1", "signed up"),
    ("user-2", "logged in"),
    ("user-1", "value: with the separator in it"),
    ("é-key", "ünïcode välue"),
];
/// The headers kcat's `-H` puts on every record it produces.
const KCAT_HEADERS: &[(&str, &str)] = &[("source", "kcat"), ("trace", "abc=123")];
/// The partition the kcat tests produce to, of a topic of three.
const KCAT_PARTITION: i32 = 2;

/// Produces [`KCAT_LINES`] with kcat to partition [`KCAT_PARTITION`] of a new three-partition
/// topic; returns the time window the records were produced in (ms).
fn kcat_produce(broker: &TestBroker, topic: &str) -> (i64, i64) {
    broker.create_topic(topic, 3);
    let input: String = KCAT_LINES
        .iter()
        .map(|(k, v)| format!("{k}:{v}\n"))
        .collect();
    let partition = KCAT_PARTITION.to_string();
    let mut args = vec!["-b", bootstrap(broker), "-P", "-t", topic];
    args.extend(["-p", &partition, "-K:"]);
    let headers: Vec<String> = KCAT_HEADERS
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for header in &headers {
        args.extend(["-H", header]);
    }
    let before = now_ms();
    kcat(&args, &input);
    (before, now_ms())
}

#[test]
fn kcat_reads_back_exactly_the_keyed_records_with_headers_it_produced_and_exits_at_the_end() {
    let test =
        "kcat_reads_back_exactly_the_keyed_records_with_headers_it_produced_and_exits_at_the_end";
    if !have_kcat(test) {
        return;
    }
    let broker = kafka_broker();
    let (before, after) = kcat_produce(&broker, "kcat-records");
    // -e: exit once every partition (two of them empty) is read to its end.
    let out = kcat(
        &[
            "-b",
            bootstrap(&broker),
            "-C",
            "-t",
            "kcat-records",
            "-o",
            "beginning",
            "-e",
            "-q",
            "-f",
            "%p|%o|%k|%s|%h|%T\n",
        ],
        "",
    );
    let lines: Vec<&str> = out.lines().collect();
    let headers = "source=kcat,trace=abc=123";
    let expected: Vec<String> = KCAT_LINES
        .iter()
        .enumerate()
        .map(|(offset, (k, v))| format!("{KCAT_PARTITION}|{offset}|{k}|{v}|{headers}|"))
        .collect();
    assert_eq!(lines.len(), expected.len(), "{out}");
    for (line, expected) in lines.iter().zip(&expected) {
        let (fields, timestamp) = line.rsplit_once('|').unwrap();
        assert_eq!(format!("{fields}|"), *expected);
        let timestamp: i64 = timestamp.parse().unwrap();
        assert!(
            (before..=after).contains(&timestamp),
            "timestamp {timestamp} outside {before}..={after}"
        );
    }
}

#[test]
fn records_kcat_produced_are_read_identically_by_flashq_consume() {
    let test = "records_kcat_produced_are_read_identically_by_flashq_consume";
    if !have_kcat(test) {
        return;
    }
    let broker = kafka_broker();
    let (before, after) = kcat_produce(&broker, "kcat-to-flashq");
    let read = flashq_consume(&broker, "kcat-to-flashq", KCAT_LINES.len());
    assert_eq!(read.len(), KCAT_LINES.len());
    for (offset, (record, (key, value))) in read.iter().zip(KCAT_LINES).enumerate() {
        assert!(
            (before..=after).contains(&record.timestamp_ms),
            "{record:?}"
        );
        let expected = KafkaRecord {
            partition: KCAT_PARTITION,
            offset: offset as i64,
            timestamp_ms: record.timestamp_ms,
            key: Some(key.as_bytes().to_vec()),
            value: Some(value.as_bytes().to_vec()),
            headers: KCAT_HEADERS
                .iter()
                .map(|(k, v)| (k.to_string(), Some(v.as_bytes().to_vec())))
                .collect(),
        };
        assert_eq!(record, &expected);
    }
    // kcat's own reading gives the same timestamps.
    let stamps = kcat(
        &[
            "-b",
            bootstrap(&broker),
            "-C",
            "-t",
            "kcat-to-flashq",
            "-e",
            "-q",
            "-f",
            "%T\n",
        ],
        "",
    );
    let stamps: Vec<i64> = stamps.lines().map(|l| l.parse().unwrap()).collect();
    let flashq_stamps: Vec<i64> = read.iter().map(|r| r.timestamp_ms).collect();
    assert_eq!(stamps, flashq_stamps);
}

#[test]
fn kcat_lists_the_broker_its_topics_and_their_partitions() {
    let test = "kcat_lists_the_broker_its_topics_and_their_partitions";
    if !have_kcat(test) {
        return;
    }
    let broker = kafka_broker();
    broker.create_topic("listed-three", 3);
    broker.create_topic("listed-one", 1);
    let address = bootstrap(&broker);
    let mut listing: Value =
        serde_json::from_str(&kcat(&["-b", address, "-L", "-J"], "")).expect("kcat -J is JSON");
    // Topics and partitions come in the broker's order; compare them sorted.
    let topics = listing["topics"].as_array_mut().expect("topics");
    topics.sort_by_key(|t| t["topic"].as_str().unwrap_or_default().to_string());
    for topic in topics.iter_mut() {
        if let Some(partitions) = topic["partitions"].as_array_mut() {
            partitions.sort_by_key(|p| p["partition"].as_i64());
        }
    }
    let partition =
        |p: i64| json!({"partition": p, "leader": 0, "replicas": [{"id": 0}], "isrs": [{"id": 0}]});
    assert_eq!(
        listing,
        json!({
            "originating_broker": {"id": 0, "name": format!("{address}/0")},
            "query": {"topic": "*"},
            "controllerid": 0,
            "brokers": [{"id": 0, "name": address}],
            "topics": [
                {"topic": "listed-one", "partitions": [partition(0)]},
                {"topic": "listed-three", "partitions": [partition(0), partition(1), partition(2)]},
            ],
        })
    );
}

// confluent-kafka (librdkafka)

/// Records for the codec round trips: compressible values (so every codec shrinks them) and
/// Kafka's corner cases: null and empty keys, an empty value, a tombstone (null value), a null
/// and an empty header value, bytes that are not UTF-8.
fn codec_records() -> Vec<KafkaRecord> {
    let partitions = 3;
    let mut next_offset = [0i64; 3];
    (0..600)
        .map(|i: i64| {
            let partition = (i % partitions) as i32;
            let offset = next_offset[partition as usize];
            next_offset[partition as usize] += 1;
            let mut value = format!("record {i:05} ").into_bytes();
            value.extend(b"flashq speaks kafka ".repeat(12));
            value.extend([0xff, 0x00, 0xfe, i as u8]);
            let (key, value, headers) = match i {
                0 => (None, Some(value), vec![]),
                1 => (Some(Vec::new()), Some(Vec::new()), vec![]),
                2 => (Some(b"deleted".to_vec()), None, vec![]),
                3 => (
                    Some(vec![0x80, 0x81]),
                    Some(value),
                    vec![
                        ("null".to_string(), None),
                        ("empty".to_string(), Some(Vec::new())),
                        ("binary".to_string(), Some(vec![0xc3, 0x28, 0x00])),
                    ],
                ),
                _ => (
                    Some(format!("key-{}", i % 7).into_bytes()),
                    Some(value),
                    vec![("n".to_string(), Some(i.to_string().into_bytes()))],
                ),
            };
            KafkaRecord {
                partition,
                offset,
                timestamp_ms: 1_700_000_000_000 + i,
                key,
                value,
                headers,
            }
        })
        .collect()
}

/// An idempotent acks=all librdkafka producer sends `records` to `topic` with `settings` on
/// top; asserts every delivery report succeeded at the record's expected partition and offset.
/// Returns the bytes librdkafka sent.
fn confluent_produce(
    broker: &TestBroker,
    topic: &str,
    records: &[KafkaRecord],
    settings: Value,
) -> u64 {
    let mut config = json!({"enable.idempotence": true, "acks": "all", "linger.ms": 20});
    for (name, value) in settings.as_object().unwrap() {
        config[name] = value.clone();
    }
    let out = python(
        CONFLUENT_PRODUCE,
        &[bootstrap(broker), topic, &config.to_string()],
        &script_input(records),
    );
    assert_eq!(out.len(), 1, "{out:?}");
    let result = &out[0];
    assert_eq!(result["unflushed"], 0, "records never delivered");
    let reports = result["reports"].as_array().unwrap();
    assert_eq!(reports.len(), records.len());
    for (report, record) in reports.iter().zip(records) {
        assert_eq!(
            report,
            &json!({"error": null, "partition": record.partition, "offset": record.offset}),
            "the delivery report of {record:?}"
        );
    }
    result["tx_bytes"].as_u64().unwrap()
}

/// Round trip with one compression codec: produced by an idempotent acks=all producer, every
/// delivery report at its expected offset, read back identical by a librdkafka consumer. The
/// bytes librdkafka sent show the codec was used on the wire (librdkafka sends a batch
/// uncompressed when it believes the broker cannot take the codec).
fn confluent_round_trip(test: &str, codec: &str) {
    if !have(test, CONFLUENT) {
        return;
    }
    let broker = kafka_broker();
    let topic = format!("codec-{codec}");
    broker.create_topic(&topic, 3);
    let records = codec_records();
    let tx_bytes = confluent_produce(
        &broker,
        &topic,
        &records,
        json!({"compression.type": codec}),
    );
    let value_bytes: u64 = records
        .iter()
        .map(|r| r.value.as_ref().map_or(0, Vec::len) as u64)
        .sum();
    if codec == "none" {
        assert!(tx_bytes > value_bytes, "sent {tx_bytes} for {value_bytes}");
    } else {
        assert!(
            tx_bytes < value_bytes / 4,
            "{codec}: librdkafka sent {tx_bytes} bytes for {value_bytes} bytes of values: \
             the batches went uncompressed"
        );
    }
    let consumed = consumed_records(&python(
        CONFLUENT_CONSUME,
        &[bootstrap(&broker), &topic, "3", &records.len().to_string()],
        b"",
    ));
    assert_same_records(&sorted(consumed), &sorted(records), codec);
}

#[test]
fn confluent_kafka_idempotent_producer_round_trips_uncompressed_batches() {
    confluent_round_trip(
        "confluent_kafka_idempotent_producer_round_trips_uncompressed_batches",
        "none",
    );
}

#[test]
fn confluent_kafka_idempotent_producer_round_trips_gzip_batches() {
    confluent_round_trip(
        "confluent_kafka_idempotent_producer_round_trips_gzip_batches",
        "gzip",
    );
}

#[test]
fn confluent_kafka_idempotent_producer_round_trips_snappy_batches() {
    confluent_round_trip(
        "confluent_kafka_idempotent_producer_round_trips_snappy_batches",
        "snappy",
    );
}

#[test]
fn confluent_kafka_idempotent_producer_round_trips_lz4_batches() {
    confluent_round_trip(
        "confluent_kafka_idempotent_producer_round_trips_lz4_batches",
        "lz4",
    );
}

#[test]
fn confluent_kafka_idempotent_producer_round_trips_zstd_batches() {
    confluent_round_trip(
        "confluent_kafka_idempotent_producer_round_trips_zstd_batches",
        "zstd",
    );
}

/// AdminClient calls: `ACTION TOPIC [N [RF]]` at `argv[1]`. Prints the call's outcome: its
/// error's name and code, or null; describe_configs prints the configs too.
const CONFLUENT_ADMIN: &str = r#"
import json, sys
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

bootstrap, action, topic, numbers = sys.argv[1], sys.argv[2], sys.argv[3], [int(n) for n in sys.argv[4:]]
admin = AdminClient({"bootstrap.servers": bootstrap})
result = {}
try:
    if action in ("create", "validate"):
        futures = admin.create_topics([NewTopic(topic, numbers[0], numbers[1])],
                                      operation_timeout=30, validate_only=action == "validate")
        futures[topic].result(timeout=60)
    elif action == "delete":
        admin.delete_topics([topic], operation_timeout=30)[topic].result(timeout=60)
    elif action == "create_partitions":
        admin.create_partitions([NewPartitions(topic, numbers[0])])[topic].result(timeout=60)
    elif action == "describe_configs":
        resource = ConfigResource("topic", topic)
        configs = admin.describe_configs([resource])[resource].result(timeout=60)
        result["configs"] = {name: entry.value for name, entry in configs.items()}
    else:
        raise SystemExit("unknown action " + action)
    result["error"] = None
except KafkaException as e:
    result["error"] = {"name": e.args[0].name(), "code": e.args[0].code()}
print(json.dumps(result))
"#;

fn admin(broker: &TestBroker, action: &str, topic: &str, numbers: &[u32]) -> Value {
    let numbers: Vec<String> = numbers.iter().map(u32::to_string).collect();
    let mut args = vec![bootstrap(broker), action, topic];
    args.extend(numbers.iter().map(String::as_str));
    let mut out = python(CONFLUENT_ADMIN, &args, b"");
    assert_eq!(out.len(), 1, "{out:?}");
    out.remove(0)
}

fn kafka_error(name: &str, code: i64) -> Value {
    json!({"name": name, "code": code})
}

#[test]
fn confluent_kafka_admin_creates_grows_and_deletes_a_topic_flashq_sees() {
    let test = "confluent_kafka_admin_creates_grows_and_deletes_a_topic_flashq_sees";
    if !have(test, CONFLUENT) {
        return;
    }
    let broker = kafka_broker();
    assert_eq!(
        admin(&broker, "create", "admin-made", &[3, 1]),
        json!({"error": null})
    );
    let described = describe_topic(&broker, "admin-made").expect("the topic exists");
    assert_eq!(described["partitions"], 3);
    assert_eq!(described["partition_details"].as_array().unwrap().len(), 3);
    assert_eq!(
        admin(&broker, "create", "admin-made", &[3, 1]),
        json!({"error": kafka_error("TOPIC_ALREADY_EXISTS", 36)})
    );
    assert_eq!(
        admin(&broker, "create_partitions", "admin-made", &[5]),
        json!({"error": null})
    );
    assert_eq!(
        describe_topic(&broker, "admin-made").unwrap()["partitions"],
        5
    );
    // The settings Kafka names are FlashQ's, with FlashQ's values.
    let configs = admin(&broker, "describe_configs", "admin-made", &[]);
    assert_eq!(configs["error"], Value::Null, "{configs}");
    assert_eq!(
        configs["configs"]["retention.ms"],
        json!(described["retention_ms"].to_string()),
        "{configs}"
    );
    assert_eq!(
        configs["configs"]["segment.bytes"],
        json!(described["segment_bytes"].to_string()),
        "{configs}"
    );
    assert_eq!(
        admin(&broker, "delete", "admin-made", &[]),
        json!({"error": null})
    );
    assert_eq!(
        describe_topic(&broker, "admin-made").unwrap_err(),
        Some(NOT_FOUND)
    );
    assert_eq!(
        admin(&broker, "delete", "admin-made", &[]),
        json!({"error": kafka_error("UNKNOWN_TOPIC_OR_PART", 3)})
    );
}

#[test]
fn confluent_kafka_admin_validate_only_creates_nothing() {
    let test = "confluent_kafka_admin_validate_only_creates_nothing";
    if !have(test, CONFLUENT) {
        return;
    }
    let broker = kafka_broker();
    assert_eq!(
        admin(&broker, "validate", "admin-validated", &[2, 1]),
        json!({"error": null})
    );
    assert_eq!(
        describe_topic(&broker, "admin-validated").unwrap_err(),
        Some(NOT_FOUND)
    );
}

#[test]
fn confluent_kafka_admin_replication_factor_2_fails_with_invalid_replication_factor() {
    let test = "confluent_kafka_admin_replication_factor_2_fails_with_invalid_replication_factor";
    if !have(test, CONFLUENT) {
        return;
    }
    let broker = kafka_broker();
    assert_eq!(
        admin(&broker, "create", "admin-rf2", &[1, 2]),
        json!({"error": kafka_error("INVALID_REPLICATION_FACTOR", 38)})
    );
    assert_eq!(
        describe_topic(&broker, "admin-rf2").unwrap_err(),
        Some(NOT_FOUND)
    );
}

// kafka-python

/// kafka-python: produces the records on stdin (the scripts' shape) to `argv[2]` at `argv[1]`
/// (acks=all, gzip), then reads partitions `0..argv[3]` back from the beginning with assign()
/// and no group. Prints each send's (partition, offset), then each record read.
const KAFKA_PYTHON_ROUND_TRIP: &str = r#"
import json, sys
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
records = [json.loads(line) for line in sys.stdin]
unhex = lambda text: None if text is None else bytes.fromhex(text)
hexed = lambda b: None if b is None else b.hex()
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type="gzip")
sends = [producer.send(topic, value=unhex(r["value"]), key=unhex(r["key"]),
                       headers=[(k, unhex(v)) for k, v in r["headers"]],
                       partition=r["partition"], timestamp_ms=r["timestamp"]) for r in records]
producer.flush(60)
for send in sends:
    sent = send.get(timeout=60)
    print(json.dumps({"partition": sent.partition, "offset": sent.offset}))
producer.close()
consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                         consumer_timeout_ms=10000)
assigned = [TopicPartition(topic, p) for p in range(partitions)]
consumer.assign(assigned)
consumer.seek_to_beginning(*assigned)
read = 0
for msg in consumer:
    print(json.dumps({"partition": msg.partition, "offset": msg.offset, "timestamp": msg.timestamp,
                      "key": hexed(msg.key), "value": hexed(msg.value),
                      "headers": [[k, hexed(v)] for k, v in msg.headers]}))
    read += 1
    if read == len(records):
        break
consumer.close()
"#;

#[test]
fn kafka_python_produces_and_consumes_without_a_group() {
    let test = "kafka_python_produces_and_consumes_without_a_group";
    if !have(test, KAFKA_PYTHON) {
        return;
    }
    let broker = kafka_broker();
    broker.create_topic("kafka-python", 2);
    let records = binary_records(0x6b61_666b_612d_7079, 300, 2);
    let out = python(
        KAFKA_PYTHON_ROUND_TRIP,
        &[bootstrap(&broker), "kafka-python", "2"],
        &script_input(&records),
    );
    assert_eq!(out.len(), 2 * records.len(), "{out:?}");
    let (sent, read) = out.split_at(records.len());
    for (sent, record) in sent.iter().zip(&records) {
        assert_eq!(
            sent,
            &json!({"partition": record.partition, "offset": record.offset})
        );
    }
    let read: Vec<KafkaRecord> = read.iter().map(KafkaRecord::from_script_json).collect();
    assert_same_records(&sorted(read), &sorted(records.clone()), "kafka-python");
    // And FlashQ's own consumer reads the same records.
    let flashq = flashq_consume(&broker, "kafka-python", records.len());
    assert_same_records(&sorted(flashq), &sorted(records), "flashq consume");
}

// Across the wires

const CROSS_RECORDS: usize = 10_000;
const CROSS_PARTITIONS: i32 = 3;

#[test]
fn binary_records_librdkafka_produced_are_what_flashq_consume_prints_byte_for_byte() {
    let test = "binary_records_librdkafka_produced_are_what_flashq_consume_prints_byte_for_byte";
    if !have(test, CONFLUENT) {
        return;
    }
    let broker = kafka_broker();
    broker.create_topic("from-librdkafka", CROSS_PARTITIONS as u32);
    let records = binary_records(0x6c69_6272_646b_6166, CROSS_RECORDS, CROSS_PARTITIONS);
    confluent_produce(&broker, "from-librdkafka", &records, json!({}));
    let read = flashq_consume(&broker, "from-librdkafka", CROSS_RECORDS);
    assert_same_records(&sorted(read), &sorted(records), "flashq consume");
}

#[test]
fn binary_records_flashq_produce_wrote_are_what_librdkafka_consumes_byte_for_byte() {
    let test = "binary_records_flashq_produce_wrote_are_what_librdkafka_consumes_byte_for_byte";
    if !have(test, CONFLUENT) {
        return;
    }
    let broker = kafka_broker();
    broker.create_topic("from-flashq", CROSS_PARTITIONS as u32);
    let records = binary_records(0x666c_6173_6871_0001, CROSS_RECORDS, CROSS_PARTITIONS);
    let mut input = String::new();
    for record in &records {
        input.push_str(&record.to_flashq_json().to_string());
        input.push('\n');
    }
    broker
        .cmd()
        .args(["produce", "-t", "from-flashq", "--input", "json", "-q"])
        .write_stdin(input)
        .assert()
        .success();
    let consumed = consumed_records(&python(
        CONFLUENT_CONSUME,
        &[
            bootstrap(&broker),
            "from-flashq",
            &CROSS_PARTITIONS.to_string(),
            &CROSS_RECORDS.to_string(),
        ],
        b"",
    ));
    assert_same_records(&sorted(consumed), &sorted(records), "librdkafka");
}
