//! The Kafka path beside the gRPC path, with clients of equal cost: against one real
//! `flashq serve` (release build, in-memory storage, so the wires are what is timed), batches
//! of 1,000 records of 100 bytes, one request in flight, acks=all, each batch encoded anew
//! for its request on both sides:
//!
//! - `grpc`: `flashq::client::Client::produce`, the path `flashq produce` takes;
//! - `kafka`: a Produce v7 request carrying one RecordBatch v2 (encoded with the stored-batch
//!   encoder and re-headed by `kafka::records::to_kafka`, as cheap a Kafka client as there is)
//!   over one TCP connection, its answer decoded and checked;
//!
//! and the same for reading: a gRPC `Fetch` of record batches (the generated stub, batches
//! left as bytes) beside a Kafka Fetch v11 (batch headers read, records not), each asking for
//! up to 1 MiB from the start of a 200,000-record topic.
//!
//! Run: `cargo bench --bench kafka_wire`. Figures go to docs/performance.md, "Kafka clients";
//! they are measured each run, never stored here.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use flashq::client::{Client, ProducerRecord};
use flashq::kafka::records::to_kafka;
use flashq::storage::Record;
use flashq::storage::batch::StoredBatch;
use flashq::wire::v1 as pb;
use flashq::wire::v1::fetch_client::FetchClient;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    FetchRequest, FetchResponse, ProduceRequest, ProduceResponse, RequestHeader, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const RECORD_BYTES: usize = 100;
const RECORDS_PER_BATCH: usize = 1_000;
/// Records the fetch benches read from.
const FETCH_TOPIC_RECORDS: usize = 200_000;
const FETCH_MAX_BYTES: i32 = 1024 * 1024;
const PRODUCE_VERSION: i16 = 7;
const FETCH_VERSION: i16 = 11;

struct Broker {
    child: Child,
    grpc: String,
    kafka: String,
    _dir: tempfile::TempDir,
}

impl Broker {
    fn start() -> Broker {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_flashq"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--kafka-listen",
                "127.0.0.1:0",
            ])
            .args(["-q", "--storage", "memory", "--data-dir"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start flashq serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut grpc = String::new();
        let mut kafka = String::new();
        stdout.read_line(&mut grpc).expect("gRPC address");
        stdout.read_line(&mut kafka).expect("Kafka address");
        Broker {
            child,
            grpc: grpc.trim().to_string(),
            kafka: kafka.trim().to_string(),
            _dir: dir,
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn value() -> Bytes {
    Bytes::from(vec![b'x'; RECORD_BYTES])
}

fn grpc_records() -> Vec<ProducerRecord> {
    (0..RECORDS_PER_BATCH)
        .map(|_| ProducerRecord {
            key: None,
            value: value(),
            headers: Vec::new(),
            timestamp_ms: None,
            partition: Some(0),
        })
        .collect()
}

/// A Kafka client's Produce request: header v1, then the body.
fn kafka_produce_frame(correlation_id: i32, topic: &str) -> BytesMut {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let records: Vec<Record> = (0..RECORDS_PER_BATCH)
        .map(|_| Record {
            timestamp_ms: now,
            key: None,
            value: value(),
            headers: Vec::new(),
        })
        .collect();
    let mut batch = BytesMut::new();
    to_kafka(&StoredBatch::encode(0, &records), -1, &mut batch);
    let mut partition = PartitionProduceData::default();
    partition.index = 0;
    partition.records = Some(batch.freeze());
    let mut data = TopicProduceData::default();
    data.name = TopicName(StrBytes::from_string(topic.to_string()));
    data.partition_data = vec![partition];
    let mut request = ProduceRequest::default();
    request.acks = -1;
    request.timeout_ms = 30_000;
    request.topic_data = vec![data];
    frame(0, PRODUCE_VERSION, correlation_id, &request)
}

fn frame(api_key: i16, version: i16, correlation_id: i32, body: &impl Encodable) -> BytesMut {
    let mut header = RequestHeader::default();
    header.request_api_key = api_key;
    header.request_api_version = version;
    header.correlation_id = correlation_id;
    header.client_id = Some(StrBytes::from_static_str("bench"));
    let mut frame = BytesMut::new();
    frame.put_i32(0);
    header.encode(&mut frame, 1).expect("header");
    body.encode(&mut frame, version).expect("body");
    let length = (frame.len() - 4) as i32;
    frame[..4].copy_from_slice(&length.to_be_bytes());
    frame
}

/// Reads one answer frame and returns its body after the correlation id (header v0).
async fn answer(stream: &mut TcpStream) -> Bytes {
    let length = stream.read_i32().await.expect("answer length") as usize;
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.expect("answer");
    Bytes::from(body).slice(4..)
}

async fn kafka_produce(stream: &mut TcpStream, correlation_id: i32, topic: &str) {
    stream
        .write_all(&kafka_produce_frame(correlation_id, topic))
        .await
        .expect("send produce");
    let mut body = answer(stream).await;
    let response = ProduceResponse::decode(&mut body, PRODUCE_VERSION).expect("produce answer");
    let code = response.responses[0].partition_responses[0].error_code;
    assert_eq!(code, 0, "produce failed with Kafka error {code}");
}

async fn kafka_fetch(stream: &mut TcpStream, correlation_id: i32, topic: &str) -> usize {
    let mut partition = FetchPartition::default();
    partition.partition = 0;
    partition.fetch_offset = 0;
    partition.partition_max_bytes = FETCH_MAX_BYTES;
    let mut wanted = FetchTopic::default();
    wanted.topic = TopicName(StrBytes::from_string(topic.to_string()));
    wanted.partitions = vec![partition];
    let mut request = FetchRequest::default();
    request.replica_id = (-1).into();
    request.max_wait_ms = 0;
    request.min_bytes = 1;
    request.max_bytes = FETCH_MAX_BYTES;
    request.topics = vec![wanted];
    stream
        .write_all(&frame(1, FETCH_VERSION, correlation_id, &request))
        .await
        .expect("send fetch");
    let mut body = answer(stream).await;
    let response = FetchResponse::decode(&mut body, FETCH_VERSION).expect("fetch answer");
    let data = &response.responses[0].partitions[0];
    assert_eq!(data.error_code, 0, "fetch failed");
    // The records a Kafka consumer would count: each batch's record count.
    let mut records = data.records.clone().unwrap_or_default();
    let mut count = 0;
    while records.len() >= 61 {
        let length = u32::from_be_bytes(records[8..12].try_into().unwrap()) as usize;
        count += u32::from_be_bytes(records[57..61].try_into().unwrap()) as usize;
        let _ = records.split_to(12 + length);
    }
    count
}

fn bench_produce(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let broker = Broker::start();
    let client = runtime
        .block_on(Client::connect(&broker.grpc))
        .expect("connect");
    let mut kafka = runtime
        .block_on(TcpStream::connect(&broker.kafka))
        .expect("connect to the Kafka listener");
    kafka.set_nodelay(true).expect("nodelay");
    // Both topics exist before timing (the first produce creates each).
    runtime
        .block_on(client.produce("bench-grpc", grpc_records()))
        .expect("create bench-grpc");
    runtime.block_on(kafka_produce(&mut kafka, 0, "bench-kafka"));

    let mut group = c.benchmark_group("kafka_wire_produce");
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(RECORDS_PER_BATCH as u64));
    group.bench_function(BenchmarkId::new("grpc", RECORDS_PER_BATCH), |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    client
                        .produce("bench-grpc", grpc_records())
                        .await
                        .expect("produce");
                }
                started.elapsed()
            })
        })
    });
    let mut correlation_id = 1;
    group.bench_function(BenchmarkId::new("kafka", RECORDS_PER_BATCH), |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    correlation_id += 1;
                    kafka_produce(&mut kafka, correlation_id, "bench-kafka").await;
                }
                started.elapsed()
            })
        })
    });
    group.finish();

    // Reading: one topic of FETCH_TOPIC_RECORDS records written through each wire.
    runtime.block_on(async {
        for _ in 0..FETCH_TOPIC_RECORDS / RECORDS_PER_BATCH {
            correlation_id += 1;
            kafka_produce(&mut kafka, correlation_id, "bench-read").await;
        }
    });
    let mut group = c.benchmark_group("kafka_wire_fetch_1MiB");
    group.measurement_time(Duration::from_secs(10));
    let per_fetch = runtime.block_on(kafka_fetch(&mut kafka, 0, "bench-read"));
    group.throughput(Throughput::Elements(per_fetch as u64));
    // The gRPC side at the same depth: the generated stub, batches as bytes, not decoded.
    let mut stub = runtime
        .block_on(FetchClient::connect(format!("http://{}", broker.grpc)))
        .expect("connect the fetch stub");
    group.bench_function("grpc", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let fetched = stub
                    .fetch(pb::FetchRequest {
                        topic: "bench-read".to_string(),
                        partition: 0,
                        start: Some(pb::StartPosition {
                            position: Some(pb::start_position::Position::Offset(0)),
                        }),
                        max_records: None,
                        max_bytes: Some(FETCH_MAX_BYTES as u32),
                        max_wait_ms: 0,
                        record_batches: true,
                    })
                    .await
                    .expect("fetch")
                    .into_inner();
                assert!(!fetched.batches.is_empty());
            })
        })
    });
    group.bench_function("kafka", |b| {
        b.iter(|| {
            runtime.block_on(async {
                correlation_id += 1;
                assert!(kafka_fetch(&mut kafka, correlation_id, "bench-read").await > 0);
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench_produce);
criterion_main!(benches);
