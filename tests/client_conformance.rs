//! A client written from proto/ and the docs alone, as one in another language would be: the
//! generated types and tonic's stubs, the record batch codec below written from docs/storage.md
//! (not the crate's), and no use of the crate's client module. Every RPC is driven at its
//! documented edges (offsets 0, at the end and past it; limits exactly at and one over; empty
//! and absent fields), and every code it answers is both the one expected and one docs/api.md
//! lists for that RPC.

mod common;

use std::time::{Duration, Instant};

use common::TestBroker;
use common::api_doc::{allowed_codes, code_name};
use flashq::wire::v1 as pb;
use tonic::Code;
use tonic::transport::Channel;

/// `serve` limits for these tests: a record of at most 100 bytes, a request of at most 300.
const BROKER_ARGS: [&str; 4] = ["--max-record-bytes", "100", "--max-batch-bytes", "300"];
const MAX_RECORD_BYTES: usize = 100;
const MAX_BATCH_BYTES: usize = 300;
/// api.md, "Limits" and the protos.
const MAX_HEADERS_PER_RECORD: usize = 64;
const MAX_PARTITIONS_PER_TOPIC: u32 = 10_000;
const MIN_SEGMENT_BYTES: u64 = 1024;
const MAX_SEGMENT_BYTES: u64 = 2 * 1024 * 1024 * 1024;
const MIN_SEGMENT_MS: u64 = 1000;
const MIN_SESSION_TIMEOUT_MS: u32 = 1000;
const MAX_SESSION_TIMEOUT_MS: u32 = 300_000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

struct Api {
    admin: pb::admin_client::AdminClient<Channel>,
    produce: pb::produce_client::ProduceClient<Channel>,
    fetch: pb::fetch_client::FetchClient<Channel>,
    subscribe: pb::subscribe_client::SubscribeClient<Channel>,
    groups: pb::groups_client::GroupsClient<Channel>,
    cluster: pb::cluster_client::ClusterClient<Channel>,
}

async fn api(broker: &TestBroker) -> Api {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", broker.address))
        .unwrap()
        .connect()
        .await
        .unwrap();
    Api {
        admin: pb::admin_client::AdminClient::new(channel.clone()),
        produce: pb::produce_client::ProduceClient::new(channel.clone()),
        fetch: pb::fetch_client::FetchClient::new(channel.clone()),
        subscribe: pb::subscribe_client::SubscribeClient::new(channel.clone()),
        groups: pb::groups_client::GroupsClient::new(channel.clone()),
        cluster: pb::cluster_client::ClusterClient::new(channel),
    }
}

/// The call failed with `expected`, a code api.md lists for `rpc`.
#[track_caller]
fn refused<T: std::fmt::Debug>(rpc: &str, result: Result<T, tonic::Status>, expected: Code) {
    let status = match result {
        Ok(answer) => panic!("{rpc}: expected {expected:?}, got OK: {answer:?}"),
        Err(status) => status,
    };
    assert_eq!(status.code(), expected, "{rpc}: {status:?}");
    assert!(
        allowed_codes(rpc).contains(code_name(expected)),
        "{rpc} answered {}, which docs/api.md does not list for it",
        code_name(expected)
    );
    assert!(
        !status.message().is_empty(),
        "{rpc}: a status without a message"
    );
}

fn at(offset: u64) -> Option<pb::StartPosition> {
    Some(pb::StartPosition {
        position: Some(pb::start_position::Position::Offset(offset)),
    })
}

fn boundary(b: pb::LogBoundary) -> Option<pb::StartPosition> {
    Some(pb::StartPosition {
        position: Some(pb::start_position::Position::Boundary(b as i32)),
    })
}

fn at_time(ms: i64) -> Option<pb::StartPosition> {
    Some(pb::StartPosition {
        position: Some(pb::start_position::Position::TimestampMs(ms)),
    })
}

fn value(bytes: usize) -> pb::Record {
    pb::Record {
        value: vec![b'v'; bytes].into(),
        ..Default::default()
    }
}

fn topic(name: &str, partitions: Option<u32>) -> pb::CreateTopicRequest {
    pb::CreateTopicRequest {
        name: name.into(),
        partitions,
        ..Default::default()
    }
}

fn fetch_at(topic: &str, partition: u32, offset: u64) -> pb::FetchRequest {
    pb::FetchRequest {
        topic: topic.into(),
        partition,
        start: at(offset),
        ..Default::default()
    }
}

/// The record batch codec, from docs/storage.md ("Record batch") alone.
mod batch_codec {
    /// A record as the docs describe it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Record {
        pub offset: u64,
        pub timestamp_ms: i64,
        pub key: Option<Vec<u8>>,
        pub value: Vec<u8>,
        pub headers: Vec<(String, Vec<u8>)>,
    }

    const HEADER_BYTES: usize = 43;

    fn put_varint(out: &mut Vec<u8>, v: i64) {
        let mut z = ((v << 1) ^ (v >> 63)) as u64;
        while z >= 0x80 {
            out.push(z as u8 | 0x80);
            z >>= 7;
        }
        out.push(z as u8);
    }

    fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
        put_varint(out, bytes.len() as i64);
        out.extend_from_slice(bytes);
    }

    /// One batch of `records` (their offsets ignored: base offset 0, deltas 0, 1, ...).
    pub fn encode(records: &[Record]) -> Vec<u8> {
        let first_ts = records[0].timestamp_ms;
        let max_ts = records.iter().map(|r| r.timestamp_ms).max().unwrap();
        let mut body = Vec::new();
        for (delta, r) in records.iter().enumerate() {
            let mut rec = vec![0u8];
            put_varint(&mut rec, r.timestamp_ms.wrapping_sub(first_ts));
            put_varint(&mut rec, delta as i64);
            match &r.key {
                None => put_varint(&mut rec, -1),
                Some(k) => put_bytes(&mut rec, k),
            }
            put_bytes(&mut rec, &r.value);
            put_varint(&mut rec, r.headers.len() as i64);
            for (k, v) in &r.headers {
                put_bytes(&mut rec, k.as_bytes());
                put_bytes(&mut rec, v);
            }
            put_varint(&mut body, rec.len() as i64);
            body.extend(rec);
        }
        let mut out = Vec::with_capacity(HEADER_BYTES + body.len());
        out.extend_from_slice(&0u64.to_be_bytes());
        out.extend_from_slice(&((HEADER_BYTES - 12 + body.len()) as u32).to_be_bytes());
        out.push(1);
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&0u16.to_be_bytes());
        out.extend_from_slice(&((records.len() - 1) as u32).to_be_bytes());
        out.extend_from_slice(&first_ts.to_be_bytes());
        out.extend_from_slice(&max_ts.to_be_bytes());
        out.extend_from_slice(&(records.len() as u32).to_be_bytes());
        out.extend(body);
        let crc = crc32c::crc32c(&out[17..]);
        out[13..17].copy_from_slice(&crc.to_be_bytes());
        out
    }

    struct Reader<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    impl Reader<'_> {
        fn take(&mut self, n: usize) -> Result<&[u8], String> {
            let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
            let end = end.ok_or(format!("{n} bytes past the end at {}", self.at))?;
            let taken = &self.bytes[self.at..end];
            self.at = end;
            Ok(taken)
        }

        fn varint(&mut self) -> Result<i64, String> {
            let mut z = 0u64;
            for i in 0..10 {
                let b = self.take(1)?[0];
                if i == 9 && b > 1 {
                    return Err("varint over 64 bits".into());
                }
                z |= ((b & 0x7f) as u64) << (7 * i);
                if b & 0x80 == 0 {
                    return Ok((z >> 1) as i64 ^ -((z & 1) as i64));
                }
            }
            Err("varint longer than 10 bytes".into())
        }

        fn sized(&mut self) -> Result<&[u8], String> {
            let len = self.varint()?;
            let len = usize::try_from(len).map_err(|_| format!("length {len}"))?;
            self.take(len)
        }
    }

    fn be<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
        bytes[at..at + N].try_into().unwrap()
    }

    /// The records of one batch, every check of the docs applied; `expected_base` is where
    /// the batch must start (checks 5), when known.
    pub fn decode(batch: &[u8], expected_base: Option<u64>) -> Result<Vec<Record>, String> {
        if batch.len() < HEADER_BYTES {
            return Err(format!("{} bytes, shorter than a header", batch.len()));
        }
        let base = u64::from_be_bytes(be(batch, 0));
        let length = u32::from_be_bytes(be(batch, 8)) as usize;
        if !(31..=256 << 20).contains(&length) || batch.len() != 12 + length {
            return Err(format!("batch_length {length} for {} bytes", batch.len()));
        }
        if batch[12] != 1 || u16::from_be_bytes(be(batch, 17)) != 0 {
            return Err("format version or attributes".into());
        }
        let crc = u32::from_be_bytes(be(batch, 13));
        if crc != crc32c::crc32c(&batch[17..]) {
            return Err("CRC mismatch".into());
        }
        let last_delta = u32::from_be_bytes(be(batch, 19)) as u64;
        let first_ts = i64::from_be_bytes(be(batch, 23));
        let max_ts = i64::from_be_bytes(be(batch, 31));
        let count = u32::from_be_bytes(be(batch, 39)) as u64;
        if count == 0 || count != last_delta + 1 {
            return Err(format!(
                "record_count {count}, last_offset_delta {last_delta}"
            ));
        }
        if expected_base.is_some_and(|b| b != base) {
            return Err(format!("base offset {base}, expected {expected_base:?}"));
        }
        let mut reader = Reader {
            bytes: batch,
            at: HEADER_BYTES,
        };
        let mut records = Vec::new();
        for delta in 0..count {
            let len = usize::try_from(reader.varint()?).map_err(|_| "record length")?;
            let end = reader.at + len;
            reader.take(1)?;
            let ts = first_ts.wrapping_add(reader.varint()?);
            if reader.varint()? != delta as i64 {
                return Err("offset delta out of order".into());
            }
            let key = match reader.varint()? {
                -1 => None,
                n if n >= 0 => Some(reader.take(n as usize)?.to_vec()),
                n => return Err(format!("key length {n}")),
            };
            let value = reader.sized()?.to_vec();
            let mut headers = Vec::new();
            for _ in 0..reader.varint()? {
                let k = String::from_utf8(reader.sized()?.to_vec()).map_err(|e| e.to_string())?;
                headers.push((k, reader.sized()?.to_vec()));
            }
            if reader.at != end {
                return Err("a record's length does not frame it".into());
            }
            records.push(Record {
                offset: base + delta,
                timestamp_ms: ts,
                key,
                value,
                headers,
            });
        }
        if reader.at != batch.len() {
            return Err("bytes after the last record".into());
        }
        if records.iter().map(|r| r.timestamp_ms).max() != Some(max_ts) {
            return Err("max_timestamp".into());
        }
        Ok(records)
    }
}

#[test]
fn produce_at_its_edges() {
    let broker = TestBroker::start(&BROKER_ARGS);
    runtime().block_on(async {
        let mut api = api(&broker).await;
        api.admin.create_topic(topic("p", Some(2))).await.unwrap();
        let send = |records: Vec<pb::Record>| pb::ProduceRequest {
            topic: "p".into(),
            records,
            ..Default::default()
        };
        // Absent and empty fields: no records at all; records and batches together.
        refused(
            "Produce",
            api.produce.produce(send(vec![])).await,
            Code::InvalidArgument,
        );
        let both = pb::ProduceRequest {
            batches: vec![pb::PartitionBatch {
                partition: 0,
                batch: batch_codec::encode(&[batch_codec::Record {
                    offset: 0,
                    timestamp_ms: 1,
                    key: None,
                    value: b"x".to_vec(),
                    headers: vec![],
                }])
                .into(),
            }],
            ..send(vec![value(1)])
        };
        refused(
            "Produce",
            api.produce.produce(both).await,
            Code::InvalidArgument,
        );
        // A record exactly at the limit, and one byte over; the same for the request.
        let at_limit = pb::Record {
            partition: Some(0),
            ..value(MAX_RECORD_BYTES)
        };
        let positions = api
            .produce
            .produce(send(vec![at_limit.clone()]))
            .await
            .unwrap()
            .into_inner()
            .positions;
        assert_eq!(positions.len(), 1);
        assert_eq!((positions[0].partition, positions[0].offset), (0, 0));
        refused(
            "Produce",
            api.produce
                .produce(send(vec![value(MAX_RECORD_BYTES + 1)]))
                .await,
            Code::InvalidArgument,
        );
        let full = vec![at_limit.clone(); MAX_BATCH_BYTES / MAX_RECORD_BYTES];
        api.produce.produce(send(full.clone())).await.unwrap();
        let mut over = full;
        over.push(pb::Record {
            partition: Some(0),
            ..value(1)
        });
        refused(
            "Produce",
            api.produce.produce(send(over)).await,
            Code::InvalidArgument,
        );
        // Headers: the most a record may carry, and one more (empty ones: their bytes count
        // towards the record's size too).
        let headers = |n: usize| pb::Record {
            headers: (0..n)
                .map(|_| pb::Header {
                    key: String::new(),
                    value: bytes::Bytes::new(),
                })
                .collect(),
            partition: Some(1),
            ..Default::default()
        };
        api.produce
            .produce(send(vec![headers(MAX_HEADERS_PER_RECORD)]))
            .await
            .unwrap();
        refused(
            "Produce",
            api.produce
                .produce(send(vec![headers(MAX_HEADERS_PER_RECORD + 1)]))
                .await,
            Code::InvalidArgument,
        );
        // Partitions: the last one, and one past it.
        let last = pb::Record {
            partition: Some(1),
            ..value(1)
        };
        api.produce.produce(send(vec![last])).await.unwrap();
        refused(
            "Produce",
            api.produce
                .produce(send(vec![pb::Record {
                    partition: Some(2),
                    ..value(1)
                }]))
                .await,
            Code::NotFound,
        );
        // An absent key is null, an empty key is empty; an absent timestamp is the broker's clock.
        let before = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let keyed = |key: Option<&'static [u8]>| pb::Record {
            key: key.map(bytes::Bytes::from_static),
            partition: Some(1),
            ..value(3)
        };
        let at = api
            .produce
            .produce(send(vec![keyed(None), keyed(Some(b"")), keyed(Some(b"k"))]))
            .await
            .unwrap()
            .into_inner()
            .positions[0]
            .offset;
        let read = api
            .fetch
            .fetch(fetch_at("p", 1, at))
            .await
            .unwrap()
            .into_inner()
            .records;
        let keys: Vec<Option<&[u8]>> = read.iter().map(|r| r.key.as_deref()).collect();
        assert_eq!(keys, vec![None, Some(&b""[..]), Some(&b"k"[..])]);
        assert!(read.iter().all(|r| r.timestamp_ms >= before));
        // Keyless records without a partition all go to one partition per request.
        let spread = api
            .produce
            .produce(send(vec![value(1), value(1), value(1)]))
            .await
            .unwrap()
            .into_inner()
            .positions;
        assert!(spread.iter().all(|p| p.partition == spread[0].partition));
    });
}

#[test]
fn producer_encoded_batches_follow_storage_md_both_ways() {
    let broker = TestBroker::start(&BROKER_ARGS);
    runtime().block_on(async {
        let mut api = api(&broker).await;
        api.admin.create_topic(topic("b", None)).await.unwrap();
        let records: Vec<batch_codec::Record> = (0..3)
            .map(|i| batch_codec::Record {
                offset: 0,
                timestamp_ms: 1_700_000_000_000 + i,
                key: (i != 1).then(|| format!("k{i}").into_bytes()),
                value: format!("value {i}").into_bytes(),
                headers: vec![("trace".into(), vec![i as u8])],
            })
            .collect();
        let batch = batch_codec::encode(&records);
        let send = |batch: Vec<u8>| pb::ProduceRequest {
            topic: "b".into(),
            batches: vec![pb::PartitionBatch {
                partition: 0,
                batch: batch.into(),
            }],
            ..Default::default()
        };
        for round in 0..2u64 {
            let placed = api
                .produce
                .produce(send(batch.clone()))
                .await
                .unwrap()
                .into_inner()
                .batches;
            assert_eq!(placed.len(), 1);
            assert_eq!(
                (placed[0].base_offset, placed[0].record_count),
                (round * 3, 3)
            );
        }
        let mut flipped = batch.clone();
        *flipped.last_mut().unwrap() ^= 1;
        refused(
            "Produce",
            api.produce.produce(send(flipped)).await,
            Code::InvalidArgument,
        );
        refused(
            "Produce",
            api.produce.produce(send(Vec::new())).await,
            Code::InvalidArgument,
        );
        // The stored batches come back byte for byte, with their real base offsets, and decode
        // with the docs' codec to what records-mode fetches return.
        let stored = api
            .fetch
            .fetch(pb::FetchRequest {
                record_batches: true,
                ..fetch_at("b", 0, 1)
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((stored.start_offset, stored.next_offset), (1, 6));
        let mut decoded = Vec::new();
        let mut base = 0;
        for b in &stored.batches {
            let records = batch_codec::decode(b, Some(base)).unwrap();
            base = records.last().unwrap().offset + 1;
            decoded.extend(records);
        }
        assert_eq!(stored.batches[0][8..], batch[8..], "stored as sent");
        let decoded: Vec<_> = decoded.into_iter().filter(|r| r.offset >= 1).collect();
        let plain = api
            .fetch
            .fetch(fetch_at("b", 0, 1))
            .await
            .unwrap()
            .into_inner()
            .records;
        assert_eq!(decoded.len(), plain.len());
        for (d, p) in decoded.iter().zip(&plain) {
            assert_eq!(d.offset, p.offset);
            assert_eq!(d.timestamp_ms, p.timestamp_ms);
            assert_eq!(d.key.as_deref(), p.key.as_deref());
            assert_eq!(d.value, p.value.to_vec());
            let headers: Vec<(String, Vec<u8>)> = p
                .headers
                .iter()
                .map(|h| (h.key.clone(), h.value.to_vec()))
                .collect();
            assert_eq!(d.headers, headers);
        }
    });
}

#[test]
fn produce_stream_answers_in_order_and_ends_with_the_first_refusal() {
    let broker = TestBroker::start(&BROKER_ARGS);
    runtime().block_on(async {
        let mut api = api(&broker).await;
        api.admin.create_topic(topic("s", None)).await.unwrap();
        let request = |records| pb::ProduceRequest {
            topic: "s".into(),
            records,
            ..Default::default()
        };
        let requests = vec![
            request(vec![value(1), value(1)]),
            request(vec![value(2)]),
            request(vec![value(MAX_RECORD_BYTES + 1)]),
            request(vec![value(3)]),
        ];
        let mut answers = api
            .produce
            .produce_stream(tokio_stream::iter(requests))
            .await
            .unwrap()
            .into_inner();
        let first = answers.message().await.unwrap().unwrap().positions;
        let second = answers.message().await.unwrap().unwrap().positions;
        assert_eq!(
            (
                first.iter().map(|p| p.offset).collect::<Vec<_>>(),
                second[0].offset
            ),
            (vec![0, 1], 2)
        );
        refused(
            "ProduceStream",
            answers.message().await,
            Code::InvalidArgument,
        );
        // Nothing after the refused request was stored.
        let end = api
            .fetch
            .list_offsets(pb::ListOffsetsRequest {
                topic: "s".into(),
                partition: 0,
                position: boundary(pb::LogBoundary::Latest),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(end.offset, 3);
    });
}

#[test]
fn a_broker_without_auto_creation_refuses_unknown_topics() {
    let mut args = BROKER_ARGS.to_vec();
    args.push("--no-auto-create-topics");
    let broker = TestBroker::start(&args);
    runtime().block_on(async {
        let mut api = api(&broker).await;
        refused(
            "Produce",
            api.produce
                .produce(pb::ProduceRequest {
                    topic: "absent".into(),
                    records: vec![value(1)],
                    ..Default::default()
                })
                .await,
            Code::NotFound,
        );
    });
}

#[test]
fn fetch_and_list_offsets_at_zero_the_end_and_past_it() {
    let broker = TestBroker::start(&BROKER_ARGS);
    runtime().block_on(async {
        let mut api = api(&broker).await;
        api.admin.create_topic(topic("f", Some(2))).await.unwrap();
        // An empty log: offset 0 is both its start and its end.
        let empty = api
            .fetch
            .fetch(fetch_at("f", 0, 0))
            .await
            .unwrap()
            .into_inner();
        assert!(empty.records.is_empty());
        assert_eq!(
            (empty.start_offset, empty.next_offset, empty.log_end_offset),
            (0, 0, 0)
        );
        refused(
            "Fetch",
            api.fetch.fetch(fetch_at("f", 0, 1)).await,
            Code::OutOfRange,
        );
        for ts in [1_000, 2_000, 3_000] {
            api.produce
                .produce(pb::ProduceRequest {
                    topic: "f".into(),
                    records: vec![pb::Record {
                        timestamp_ms: Some(ts),
                        partition: Some(0),
                        ..value(4)
                    }],
                    ..Default::default()
                })
                .await
                .unwrap();
        }
        // Offsets 0, the end (3) and past it.
        let from_zero = api
            .fetch
            .fetch(fetch_at("f", 0, 0))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(from_zero.records.len(), 3);
        assert_eq!(from_zero.next_offset, 3);
        let at_end = api
            .fetch
            .fetch(fetch_at("f", 0, 3))
            .await
            .unwrap()
            .into_inner();
        assert!(at_end.records.is_empty());
        assert_eq!(at_end.next_offset, 3);
        refused(
            "Fetch",
            api.fetch.fetch(fetch_at("f", 0, 4)).await,
            Code::OutOfRange,
        );
        // max_wait_ms at the end: 0 answers at once, a wait ends with nothing and no error.
        let started = Instant::now();
        let waited = api
            .fetch
            .fetch(pb::FetchRequest {
                max_wait_ms: 300,
                ..fetch_at("f", 0, 3)
            })
            .await
            .unwrap()
            .into_inner();
        assert!(waited.records.is_empty());
        assert!(started.elapsed() >= Duration::from_millis(250));
        // Limits: max_records exactly 1, and 0.
        let one = api
            .fetch
            .fetch(pb::FetchRequest {
                max_records: Some(1),
                ..fetch_at("f", 0, 0)
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((one.records.len(), one.next_offset), (1, 1));
        for zero in [
            pb::FetchRequest {
                max_records: Some(0),
                ..fetch_at("f", 0, 0)
            },
            pb::FetchRequest {
                max_bytes: Some(0),
                ..fetch_at("f", 0, 0)
            },
        ] {
            refused("Fetch", api.fetch.fetch(zero).await, Code::InvalidArgument);
        }
        // Start positions: absent, an unknown boundary, by time, the boundaries.
        refused(
            "Fetch",
            api.fetch
                .fetch(pb::FetchRequest {
                    start: None,
                    ..fetch_at("f", 0, 0)
                })
                .await,
            Code::InvalidArgument,
        );
        refused(
            "Fetch",
            api.fetch
                .fetch(pb::FetchRequest {
                    start: boundary(pb::LogBoundary::Unspecified),
                    ..fetch_at("f", 0, 0)
                })
                .await,
            Code::InvalidArgument,
        );
        let list = |position| pb::ListOffsetsRequest {
            topic: "f".into(),
            partition: 0,
            position,
        };
        for (position, offset) in [
            (boundary(pb::LogBoundary::Earliest), 0),
            (boundary(pb::LogBoundary::Latest), 3),
            (at_time(0), 0),
            (at_time(2_000), 1),
            (at_time(2_001), 2),
            (at_time(3_001), 3),
            (at(0), 0),
            (at(3), 3),
        ] {
            let resolved = api
                .fetch
                .list_offsets(list(position))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(resolved.offset, offset, "{position:?}");
            assert_eq!((resolved.log_start_offset, resolved.log_end_offset), (0, 3));
        }
        refused(
            "ListOffsets",
            api.fetch.list_offsets(list(at(4))).await,
            Code::OutOfRange,
        );
        refused(
            "ListOffsets",
            api.fetch.list_offsets(list(None)).await,
            Code::InvalidArgument,
        );
        // The last partition, one past it, a topic that does not exist, an invalid name.
        api.fetch.fetch(fetch_at("f", 1, 0)).await.unwrap();
        refused(
            "Fetch",
            api.fetch.fetch(fetch_at("f", 2, 0)).await,
            Code::NotFound,
        );
        refused(
            "Fetch",
            api.fetch.fetch(fetch_at("nope", 0, 0)).await,
            Code::NotFound,
        );
        refused(
            "Fetch",
            api.fetch.fetch(fetch_at("", 0, 0)).await,
            Code::InvalidArgument,
        );
        refused(
            "ListOffsets",
            api.fetch
                .list_offsets(pb::ListOffsetsRequest {
                    partition: 2,
                    ..list(at(0))
                })
                .await,
            Code::NotFound,
        );
    });
}

#[test]
fn subscribe_opens_at_the_resolved_start_and_pushes_in_order() {
    let broker = TestBroker::start(&BROKER_ARGS);
    runtime().block_on(async {
        let mut api = api(&broker).await;
        api.admin.create_topic(topic("sub", Some(2))).await.unwrap();
        let produce = |partition: u32, n: usize| pb::ProduceRequest {
            topic: "sub".into(),
            records: (0..n)
                .map(|_| pb::Record {
                    partition: Some(partition),
                    ..value(2)
                })
                .collect(),
            ..Default::default()
        };
        api.produce.produce(produce(0, 3)).await.unwrap();
        // Absent default_start: the end of the log, for every partition.
        let mut tail = api
            .subscribe
            .subscribe(pb::SubscribeRequest {
                topic: "sub".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let mut openings = Vec::new();
        for _ in 0..2 {
            let m = tail.message().await.unwrap().unwrap();
            assert!(m.records.is_empty());
            openings.push((m.partition, m.next_offset));
        }
        openings.sort();
        assert_eq!(openings, vec![(0, 3), (1, 0)]);
        api.produce.produce(produce(0, 1)).await.unwrap();
        let pushed = tail.message().await.unwrap().unwrap();
        assert_eq!((pushed.partition, pushed.next_offset), (0, 4));
        assert_eq!(pushed.records[0].offset, 3);
        // From offset 0 with one record per message: offsets in order, each resumable.
        let mut one_by_one = api
            .subscribe
            .subscribe(pb::SubscribeRequest {
                topic: "sub".into(),
                partitions: vec![pb::PartitionStart {
                    partition: 0,
                    start: at(0),
                }],
                max_batch_records: Some(1),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(one_by_one.message().await.unwrap().unwrap().next_offset, 0);
        for offset in 0..4 {
            let m = one_by_one.message().await.unwrap().unwrap();
            assert_eq!(m.records.len(), 1);
            assert_eq!((m.records[0].offset, m.next_offset), (offset, offset + 1));
        }
        // Refusals: a start past the end, a partition past the last, a zero batch, no start.
        let from = |partition, start| pb::SubscribeRequest {
            topic: "sub".into(),
            partitions: vec![pb::PartitionStart { partition, start }],
            ..Default::default()
        };
        refused(
            "Subscribe",
            api.subscribe.subscribe(from(0, at(5))).await,
            Code::OutOfRange,
        );
        refused(
            "Subscribe",
            api.subscribe.subscribe(from(2, at(0))).await,
            Code::NotFound,
        );
        refused(
            "Subscribe",
            api.subscribe.subscribe(from(0, None)).await,
            Code::InvalidArgument,
        );
        refused(
            "Subscribe",
            api.subscribe
                .subscribe(pb::SubscribeRequest {
                    max_batch_records: Some(0),
                    ..from(0, at(0))
                })
                .await,
            Code::InvalidArgument,
        );
        refused(
            "Subscribe",
            api.subscribe
                .subscribe(pb::SubscribeRequest {
                    topic: "nope".into(),
                    ..Default::default()
                })
                .await,
            Code::NotFound,
        );
        // Deleting the topic ends the open streams with NOT_FOUND.
        api.admin
            .delete_topic(pb::DeleteTopicRequest { name: "sub".into() })
            .await
            .unwrap();
        let ended = tokio::time::timeout(Duration::from_secs(10), tail.message())
            .await
            .expect("the stream ends");
        refused("Subscribe", ended, Code::NotFound);
    });
}

#[test]
fn admin_rpcs_at_their_edges() {
    let broker = TestBroker::start(&BROKER_ARGS);
    runtime().block_on(async {
        let mut api = api(&broker).await;
        // Absent partitions and config: the broker's defaults, every config field set.
        let created = api
            .admin
            .create_topic(topic("a", None))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(created.partitions, 1);
        let config = created.config.unwrap();
        assert!(config.retention_ms.is_some() && config.retention_bytes.is_some());
        assert!(config.segment_bytes.is_some() && config.segment_ms.is_some());
        refused(
            "CreateTopic",
            api.admin.create_topic(topic("a", None)).await,
            Code::AlreadyExists,
        );
        // Partitions: 0, the most, one more.
        refused(
            "CreateTopic",
            api.admin.create_topic(topic("zero", Some(0))).await,
            Code::InvalidArgument,
        );
        api.admin
            .create_topic(topic("most", Some(MAX_PARTITIONS_PER_TOPIC)))
            .await
            .unwrap();
        refused(
            "CreateTopic",
            api.admin
                .create_topic(topic("over", Some(MAX_PARTITIONS_PER_TOPIC + 1)))
                .await,
            Code::InvalidArgument,
        );
        // Config limits exactly at and one past each edge.
        let with = |name: &str, config: pb::TopicConfig| pb::CreateTopicRequest {
            config: Some(config),
            ..topic(name, None)
        };
        for (name, config, ok) in [
            (
                "seg-min",
                pb::TopicConfig {
                    segment_bytes: Some(MIN_SEGMENT_BYTES),
                    ..Default::default()
                },
                true,
            ),
            (
                "seg-small",
                pb::TopicConfig {
                    segment_bytes: Some(MIN_SEGMENT_BYTES - 1),
                    ..Default::default()
                },
                false,
            ),
            (
                "seg-max",
                pb::TopicConfig {
                    segment_bytes: Some(MAX_SEGMENT_BYTES),
                    ..Default::default()
                },
                true,
            ),
            (
                "seg-big",
                pb::TopicConfig {
                    segment_bytes: Some(MAX_SEGMENT_BYTES + 1),
                    ..Default::default()
                },
                false,
            ),
            (
                "ms-min",
                pb::TopicConfig {
                    segment_ms: Some(MIN_SEGMENT_MS),
                    ..Default::default()
                },
                true,
            ),
            (
                "ms-small",
                pb::TopicConfig {
                    segment_ms: Some(MIN_SEGMENT_MS - 1),
                    ..Default::default()
                },
                false,
            ),
            (
                "forever",
                pb::TopicConfig {
                    retention_ms: Some(0),
                    retention_bytes: Some(0),
                    ..Default::default()
                },
                true,
            ),
        ] {
            let answer = api.admin.create_topic(with(name, config)).await;
            if ok {
                answer.unwrap();
            } else {
                refused("CreateTopic", answer, Code::InvalidArgument);
            }
        }
        // ListTopics with its empty request.
        let listed = api
            .admin
            .list_topics(pb::ListTopicsRequest {})
            .await
            .unwrap()
            .into_inner()
            .topics;
        assert!(listed.iter().any(|t| t.name == "a"));
        // Describe: per partition offsets; an empty name; an unknown one.
        let described = api
            .admin
            .describe_topic(pb::DescribeTopicRequest { name: "a".into() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(described.partition_details.len(), 1);
        assert_eq!(described.partition_details[0].end_offset, 0);
        refused(
            "DescribeTopic",
            api.admin
                .describe_topic(pb::DescribeTopicRequest {
                    name: String::new(),
                })
                .await,
            Code::InvalidArgument,
        );
        refused(
            "DescribeTopic",
            api.admin
                .describe_topic(pb::DescribeTopicRequest {
                    name: "nope".into(),
                })
                .await,
            Code::NotFound,
        );
        // Update: an absent config changes nothing; a bad value; an unknown topic.
        let unchanged = api
            .admin
            .update_topic_config(pb::UpdateTopicConfigRequest {
                name: "a".into(),
                config: None,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(unchanged.config, described.config);
        refused(
            "UpdateTopicConfig",
            api.admin
                .update_topic_config(pb::UpdateTopicConfigRequest {
                    name: "a".into(),
                    config: Some(pb::TopicConfig {
                        segment_ms: Some(MIN_SEGMENT_MS - 1),
                        ..Default::default()
                    }),
                })
                .await,
            Code::InvalidArgument,
        );
        refused(
            "UpdateTopicConfig",
            api.admin
                .update_topic_config(pb::UpdateTopicConfigRequest {
                    name: "nope".into(),
                    config: None,
                })
                .await,
            Code::NotFound,
        );
        // CreatePartitions: the same count, one more, past the most, an unknown topic.
        let grow = |name: &str, total| pb::CreatePartitionsRequest {
            name: name.into(),
            total_partitions: total,
        };
        refused(
            "CreatePartitions",
            api.admin.create_partitions(grow("a", 1)).await,
            Code::InvalidArgument,
        );
        let grown = api.admin.create_partitions(grow("a", 2)).await.unwrap();
        assert_eq!(grown.into_inner().partitions, 2);
        refused(
            "CreatePartitions",
            api.admin
                .create_partitions(grow("a", MAX_PARTITIONS_PER_TOPIC + 1))
                .await,
            Code::InvalidArgument,
        );
        refused(
            "CreatePartitions",
            api.admin.create_partitions(grow("nope", 2)).await,
            Code::NotFound,
        );
        // Delete: once, then it is gone everywhere.
        api.admin
            .delete_topic(pb::DeleteTopicRequest { name: "a".into() })
            .await
            .unwrap();
        refused(
            "DeleteTopic",
            api.admin
                .delete_topic(pb::DeleteTopicRequest { name: "a".into() })
                .await,
            Code::NotFound,
        );
        refused(
            "DescribeTopic",
            api.admin
                .describe_topic(pb::DescribeTopicRequest { name: "a".into() })
                .await,
            Code::NotFound,
        );
        refused(
            "DeleteTopic",
            api.admin
                .delete_topic(pb::DeleteTopicRequest { name: "..".into() })
                .await,
            Code::InvalidArgument,
        );
    });
}

fn join(group: &str, topics: &[&str], session_timeout_ms: Option<u32>) -> pb::JoinGroupRequest {
    pb::JoinGroupRequest {
        group: group.into(),
        topics: topics.iter().map(|t| t.to_string()).collect(),
        session_timeout_ms,
        ..Default::default()
    }
}

fn commit(group: &str, member: Option<(&str, u64)>, offset: u64) -> pb::CommitOffsetsRequest {
    pb::CommitOffsetsRequest {
        group: group.into(),
        member_id: member.map(|m| m.0.to_string()).unwrap_or_default(),
        generation: member.map(|m| m.1),
        offsets: vec![pb::OffsetToCommit {
            topic: "g".into(),
            partition: 0,
            offset,
        }],
    }
}

#[test]
fn groups_at_their_edges() {
    let broker = TestBroker::start(&BROKER_ARGS);
    runtime().block_on(async {
        let mut api = api(&broker).await;
        api.admin.create_topic(topic("g", Some(2))).await.unwrap();
        api.produce
            .produce(pb::ProduceRequest {
                topic: "g".into(),
                records: vec![
                    pb::Record {
                        partition: Some(0),
                        ..value(1)
                    };
                    5
                ],
                ..Default::default()
            })
            .await
            .unwrap();
        // Join: empty topics, an unknown topic, an unknown assignor, timeouts at their edges.
        refused(
            "JoinGroup",
            api.groups.join_group(join("app", &[], None)).await,
            Code::InvalidArgument,
        );
        refused(
            "JoinGroup",
            api.groups.join_group(join("app", &["nope"], None)).await,
            Code::NotFound,
        );
        refused(
            "JoinGroup",
            api.groups
                .join_group(pb::JoinGroupRequest {
                    assignor: "fastest".into(),
                    ..join("app", &["g"], None)
                })
                .await,
            Code::InvalidArgument,
        );
        for timeout in [MIN_SESSION_TIMEOUT_MS - 1, MAX_SESSION_TIMEOUT_MS + 1] {
            refused(
                "JoinGroup",
                api.groups
                    .join_group(join("app", &["g"], Some(timeout)))
                    .await,
                Code::InvalidArgument,
            );
        }
        // A member that never joined asks to join again: ABORTED (join with an empty id).
        refused(
            "JoinGroup",
            api.groups
                .join_group(pb::JoinGroupRequest {
                    member_id: "app-ghost".into(),
                    ..join("app", &["g"], None)
                })
                .await,
            Code::Aborted,
        );
        for (group, timeout) in [
            ("edge-min", MIN_SESSION_TIMEOUT_MS),
            ("edge-max", MAX_SESSION_TIMEOUT_MS),
        ] {
            let joined = api
                .groups
                .join_group(join(group, &["g"], Some(timeout)))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(joined.session_timeout_ms, timeout);
            api.groups
                .leave_group(pb::LeaveGroupRequest {
                    group: group.into(),
                    member_id: joined.member_id,
                })
                .await
                .unwrap();
        }
        // An absent member id: a new member, the broker's default session timeout.
        let joined = api
            .groups
            .join_group(join("app", &["g"], None))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(joined.assignment.len(), 2);
        assert_eq!(joined.assignor, "range");
        let member = joined.member_id.as_str();
        let generation = joined.generation;
        // Heartbeats: current, stale, unknown.
        let heartbeat = |member_id: &str, generation| pb::HeartbeatRequest {
            group: "app".into(),
            member_id: member_id.into(),
            generation,
        };
        let beat = api
            .groups
            .heartbeat(heartbeat(member, generation))
            .await
            .unwrap()
            .into_inner();
        assert!(!beat.rebalance_needed);
        refused(
            "Heartbeat",
            api.groups
                .heartbeat(heartbeat(member, generation + 1))
                .await,
            Code::Aborted,
        );
        refused(
            "Heartbeat",
            api.groups
                .heartbeat(heartbeat("app-ghost", generation))
                .await,
            Code::Aborted,
        );
        // Commits: at the log end, one past it, empty, half a member, an admin commit while the
        // group has members, an unknown partition.
        api.groups
            .commit_offsets(commit("app", Some((member, generation)), 5))
            .await
            .unwrap();
        refused(
            "CommitOffsets",
            api.groups
                .commit_offsets(commit("app", Some((member, generation)), 6))
                .await,
            Code::InvalidArgument,
        );
        refused(
            "CommitOffsets",
            api.groups
                .commit_offsets(pb::CommitOffsetsRequest {
                    offsets: vec![],
                    ..commit("app", Some((member, generation)), 0)
                })
                .await,
            Code::InvalidArgument,
        );
        refused(
            "CommitOffsets",
            api.groups
                .commit_offsets(pb::CommitOffsetsRequest {
                    generation: None,
                    ..commit("app", Some((member, generation)), 0)
                })
                .await,
            Code::InvalidArgument,
        );
        refused(
            "CommitOffsets",
            api.groups.commit_offsets(commit("app", None, 0)).await,
            Code::FailedPrecondition,
        );
        refused(
            "CommitOffsets",
            api.groups
                .commit_offsets(pb::CommitOffsetsRequest {
                    offsets: vec![pb::OffsetToCommit {
                        topic: "g".into(),
                        partition: 2,
                        offset: 0,
                    }],
                    ..commit("app", Some((member, generation)), 0)
                })
                .await,
            Code::NotFound,
        );
        refused(
            "CommitOffsets",
            api.groups
                .commit_offsets(commit("app", Some((member, generation + 1)), 0))
                .await,
            Code::Aborted,
        );
        // Fetch and describe: empty topics mean all; an unknown group.
        let offsets = api
            .groups
            .fetch_offsets(pb::FetchOffsetsRequest {
                group: "app".into(),
                topics: vec![],
            })
            .await
            .unwrap()
            .into_inner()
            .offsets;
        assert_eq!(offsets.len(), 1);
        assert_eq!((offsets[0].partition, offsets[0].offset), (0, 5));
        refused(
            "FetchOffsets",
            api.groups
                .fetch_offsets(pb::FetchOffsetsRequest {
                    group: "nobody".into(),
                    topics: vec![],
                })
                .await,
            Code::NotFound,
        );
        let described = api
            .groups
            .describe_group(pb::DescribeGroupRequest {
                group: "app".into(),
            })
            .await
            .unwrap()
            .into_inner();
        let p0 = described
            .partitions
            .iter()
            .find(|p| p.partition == 0)
            .unwrap();
        assert_eq!(
            (p0.committed_offset, p0.log_end_offset, p0.lag),
            (Some(5), Some(5), Some(0))
        );
        let p1 = described
            .partitions
            .iter()
            .find(|p| p.partition == 1)
            .unwrap();
        assert_eq!((p1.committed_offset, p1.lag), (None, None));
        refused(
            "DescribeGroup",
            api.groups
                .describe_group(pb::DescribeGroupRequest {
                    group: "nobody".into(),
                })
                .await,
            Code::NotFound,
        );
        let listed = api
            .groups
            .list_groups(pb::ListGroupsRequest {})
            .await
            .unwrap()
            .into_inner()
            .groups;
        assert!(listed.iter().any(|g| g.group == "app" && g.members == 1));
        // Resets: no target; executed while the group has members; planned, clamped.
        let reset = |target, execute| pb::ResetOffsetsRequest {
            group: "app".into(),
            topic: "g".into(),
            partitions: vec![0],
            target,
            execute,
        };
        use pb::reset_offsets_request::Target;
        refused(
            "ResetOffsets",
            api.groups.reset_offsets(reset(None, false)).await,
            Code::InvalidArgument,
        );
        refused(
            "ResetOffsets",
            api.groups
                .reset_offsets(reset(Some(Target::ToEarliest(true)), true))
                .await,
            Code::FailedPrecondition,
        );
        for (target, new_offset) in [
            (Target::ToOffset(99), 5),
            (Target::ShiftBy(-2), 3),
            (Target::ShiftBy(-100), 0),
            (Target::ToLatest(true), 5),
            (Target::ToTimestampMs(i64::MAX), 5),
        ] {
            let plan = api
                .groups
                .reset_offsets(reset(Some(target), false))
                .await
                .unwrap()
                .into_inner();
            assert!(!plan.executed);
            assert_eq!(plan.plan[0].new_offset, new_offset, "{target:?}");
            assert_eq!(plan.plan[0].current_offset, Some(5));
        }
        refused(
            "ResetOffsets",
            api.groups
                .reset_offsets(pb::ResetOffsetsRequest {
                    topic: "nope".into(),
                    ..reset(Some(Target::ToEarliest(true)), false)
                })
                .await,
            Code::NotFound,
        );
        // Delete: refused while it has members; the member leaves; then an unknown member.
        refused(
            "DeleteGroup",
            api.groups
                .delete_group(pb::DeleteGroupRequest {
                    group: "app".into(),
                })
                .await,
            Code::FailedPrecondition,
        );
        let leave = pb::LeaveGroupRequest {
            group: "app".into(),
            member_id: member.into(),
        };
        api.groups.leave_group(leave.clone()).await.unwrap();
        refused(
            "LeaveGroup",
            api.groups.leave_group(leave).await,
            Code::Aborted,
        );
        // Empty now: executed resets and deletes work; the group is then gone.
        let executed = api
            .groups
            .reset_offsets(reset(Some(Target::ToEarliest(true)), true))
            .await
            .unwrap()
            .into_inner();
        assert!(executed.executed);
        api.groups
            .delete_group(pb::DeleteGroupRequest {
                group: "app".into(),
            })
            .await
            .unwrap();
        refused(
            "DeleteGroup",
            api.groups
                .delete_group(pb::DeleteGroupRequest {
                    group: "app".into(),
                })
                .await,
            Code::NotFound,
        );
        refused(
            "Heartbeat",
            api.groups.heartbeat(heartbeat(member, generation)).await,
            Code::Aborted,
        );
        refused(
            "FetchOffsets",
            api.groups
                .fetch_offsets(pb::FetchOffsetsRequest {
                    group: String::new(),
                    topics: vec![],
                })
                .await,
            Code::InvalidArgument,
        );
    });
}

#[test]
fn cluster_rpcs_on_a_single_broker() {
    let broker = TestBroker::start(&BROKER_ARGS);
    runtime().block_on(async {
        let mut api = api(&broker).await;
        let metadata = api
            .cluster
            .metadata(pb::MetadataRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(!metadata.clustered);
        assert!(metadata.brokers.is_empty());
        let coordinator = api
            .cluster
            .find_coordinator(pb::FindCoordinatorRequest {
                group: "app".into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(!coordinator.clustered);
        refused(
            "FindCoordinator",
            api.cluster
                .find_coordinator(pb::FindCoordinatorRequest {
                    group: String::new(),
                })
                .await,
            Code::InvalidArgument,
        );
        refused(
            "FindCoordinator",
            api.cluster
                .find_coordinator(pb::FindCoordinatorRequest {
                    group: "g".repeat(250),
                })
                .await,
            Code::InvalidArgument,
        );
    });
}
