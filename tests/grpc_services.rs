//! The gRPC surface seen from Rust with tonic's own clients: health, reflection, status codes,
//! and long-polling fetches at the end of the log.

mod common;

use std::time::{Duration, Instant};

use common::TestBroker;
use flashq::wire::v1 as pb;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn channel(broker: &TestBroker) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{}", broker.address))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[test]
fn health_answers_serving() {
    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        let mut health = tonic_health::pb::health_client::HealthClient::new(channel(&broker).await);
        for service in [
            "",
            "flashq.v1.Produce",
            "flashq.v1.Fetch",
            "flashq.v1.Admin",
        ] {
            let response = health
                .check(tonic_health::pb::HealthCheckRequest {
                    service: service.to_string(),
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(
                response.status(),
                tonic_health::pb::health_check_response::ServingStatus::Serving,
                "service {service:?}"
            );
        }
    });
}

#[test]
fn reflection_lists_the_flashq_services() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        let mut client = ServerReflectionClient::new(channel(&broker).await);
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut responses = client
            .server_reflection_info(tokio_stream::once(request))
            .await
            .unwrap()
            .into_inner();
        let response = responses.message().await.unwrap().unwrap();
        let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
            panic!("unexpected reflection answer: {response:?}");
        };
        let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
        for wanted in [
            "flashq.v1.Produce",
            "flashq.v1.Fetch",
            "flashq.v1.Admin",
            "grpc.health.v1.Health",
        ] {
            assert!(
                names.iter().any(|n| n == wanted),
                "{wanted} missing from {names:?}"
            );
        }
    });
}

/// The status code of a call that must fail.
fn code<T: std::fmt::Debug>(result: Result<T, tonic::Status>) -> tonic::Code {
    result.expect_err("the call should fail").code()
}

#[test]
fn errors_map_to_their_own_status_codes() {
    use tonic::Code;
    let broker = TestBroker::start(&["--no-auto-create-topics", "--max-record-bytes", "100"]);
    runtime().block_on(async {
        let ch = channel(&broker).await;
        let mut admin = pb::admin_client::AdminClient::new(ch.clone());
        let mut produce = pb::produce_client::ProduceClient::new(ch.clone());
        let mut fetch = pb::fetch_client::FetchClient::new(ch);
        let create = |name: &str| pb::CreateTopicRequest {
            name: name.to_string(),
            partitions: Some(1),
            config: None,
            replication_factor: None,
        };
        admin.create_topic(create("t")).await.unwrap();
        assert_eq!(
            code(admin.create_topic(create("t")).await),
            Code::AlreadyExists
        );
        assert_eq!(
            code(admin.create_topic(create("a/b")).await),
            Code::InvalidArgument
        );
        let describe = pb::DescribeTopicRequest {
            name: "nope".into(),
        };
        assert_eq!(code(admin.describe_topic(describe).await), Code::NotFound);
        let record = |size: usize| pb::Record {
            value: vec![b'x'; size].into(),
            ..Default::default()
        };
        let request = |topic: &str, size: usize| pb::ProduceRequest {
            topic: topic.into(),
            records: vec![record(size)],
            ..Default::default()
        };
        assert_eq!(
            code(produce.produce(request("nope", 1)).await),
            Code::NotFound
        );
        assert_eq!(
            code(produce.produce(request("t", 101)).await),
            Code::InvalidArgument
        );
        let empty = pb::ProduceRequest {
            topic: "t".into(),
            ..Default::default()
        };
        assert_eq!(code(produce.produce(empty).await), Code::InvalidArgument);
        let fetch_at = |offset: u64| pb::FetchRequest {
            topic: "t".into(),
            partition: 0,
            start: Some(pb::StartPosition {
                position: Some(pb::start_position::Position::Offset(offset)),
            }),
            max_records: None,
            max_bytes: None,
            max_wait_ms: 0,
            ..Default::default()
        };
        assert_eq!(code(fetch.fetch(fetch_at(5)).await), Code::OutOfRange);
        let no_start = pb::FetchRequest {
            start: None,
            ..fetch_at(0)
        };
        assert_eq!(code(fetch.fetch(no_start).await), Code::InvalidArgument);
    });
}

#[test]
fn a_fetch_at_the_end_waits_then_returns_nothing_and_wakes_on_append() {
    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        let ch = channel(&broker).await;
        let mut produce = pb::produce_client::ProduceClient::new(ch.clone());
        let mut fetch = pb::fetch_client::FetchClient::new(ch);
        let one = |value: &'static [u8]| pb::ProduceRequest {
            topic: "tail".into(),
            records: vec![pb::Record {
                value: bytes::Bytes::from_static(value),
                ..Default::default()
            }],
            ..Default::default()
        };
        produce.produce(one(b"first")).await.unwrap();
        let at_end = pb::FetchRequest {
            topic: "tail".into(),
            partition: 0,
            start: Some(pb::StartPosition {
                position: Some(pb::start_position::Position::Offset(1)),
            }),
            max_records: None,
            max_bytes: None,
            max_wait_ms: 200,
            ..Default::default()
        };
        let started = Instant::now();
        let response = fetch.fetch(at_end.clone()).await.unwrap().into_inner();
        assert!(response.records.is_empty());
        assert_eq!(response.next_offset, 1);
        assert!(started.elapsed() >= Duration::from_millis(150));

        // A long poll returns as soon as a record arrives, well before its wait runs out.
        let waiting = tokio::spawn({
            let mut fetch = fetch.clone();
            let request = pb::FetchRequest {
                max_wait_ms: 30_000,
                ..at_end
            };
            async move { fetch.fetch(request).await }
        });
        let started = Instant::now();
        // Whether the fetch is parked yet or not, it must end with the new record.
        tokio::task::yield_now().await;
        produce.produce(one(b"second")).await.unwrap();
        let response = waiting.await.unwrap().unwrap().into_inner();
        assert!(started.elapsed() < Duration::from_secs(25));
        assert_eq!(response.records.len(), 1);
        assert_eq!(&response.records[0].value[..], b"second");
    });
}

/// The fast path: producers send batches they encoded, consumers get the stored batches back,
/// and a bad batch is refused whole.
#[test]
fn encoded_batches_are_checked_stored_as_sent_and_fetched_whole() {
    use flashq::storage::{Record, batch};
    use tonic::Code;
    let broker = TestBroker::start(&["--max-record-bytes", "100"]);
    runtime().block_on(async {
        let ch = channel(&broker).await;
        let mut admin = pb::admin_client::AdminClient::new(ch.clone());
        let mut produce = pb::produce_client::ProduceClient::new(ch.clone());
        let mut fetch = pb::fetch_client::FetchClient::new(ch);
        admin
            .create_topic(pb::CreateTopicRequest {
                name: "b".into(),
                partitions: Some(2),
                ..Default::default()
            })
            .await
            .unwrap();
        let records = |values: &[&str]| -> Vec<Record> {
            values
                .iter()
                .map(|v| Record {
                    timestamp_ms: 1_700_000_000_000,
                    key: None,
                    value: bytes::Bytes::copy_from_slice(v.as_bytes()),
                    headers: vec![],
                })
                .collect()
        };
        let send = |partition: u32, batch: Vec<u8>| pb::ProduceRequest {
            topic: "b".into(),
            batches: vec![pb::PartitionBatch {
                partition,
                batch: batch.into(),
            }],
            ..Default::default()
        };
        let first = batch::encode(0, &records(&["a", "b", "c"]));
        let response = produce.produce(send(1, first.clone())).await.unwrap();
        let positions = &response.get_ref().batches;
        assert_eq!(positions.len(), 1);
        assert_eq!(
            (
                positions[0].partition,
                positions[0].base_offset,
                positions[0].record_count
            ),
            (1, 0, 3)
        );
        // The base offset a producer writes is ignored: the broker stamps its own.
        let second = batch::encode(77, &records(&["d", "e"]));
        let response = produce.produce(send(1, second)).await.unwrap();
        assert_eq!(response.get_ref().batches[0].base_offset, 3);

        // Refused whole, nothing stored: a flipped byte, an unknown partition, a record over the
        // limit, records and batches mixed in one request.
        let mut flipped = first.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x40;
        assert_eq!(
            code(produce.produce(send(1, flipped)).await),
            Code::InvalidArgument
        );
        assert_eq!(
            code(produce.produce(send(2, first.clone())).await),
            Code::NotFound
        );
        let big = "x".repeat(101);
        let over = batch::encode(0, &records(&[big.as_str()]));
        assert_eq!(
            code(produce.produce(send(1, over)).await),
            Code::InvalidArgument
        );
        let garbage = vec![0xff; 60];
        assert_eq!(
            code(produce.produce(send(1, garbage)).await),
            Code::InvalidArgument
        );
        let mixed = pb::ProduceRequest {
            records: vec![pb::Record::default()],
            ..send(1, first.clone())
        };
        assert_eq!(code(produce.produce(mixed).await), Code::InvalidArgument);

        // Fetching from the middle of the first batch returns both whole batches as stored.
        let response = fetch
            .fetch(pb::FetchRequest {
                topic: "b".into(),
                partition: 1,
                start: Some(pb::StartPosition {
                    position: Some(pb::start_position::Position::Offset(1)),
                }),
                record_batches: true,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(response.records.is_empty());
        assert_eq!(response.batches.len(), 2);
        assert_eq!((response.start_offset, response.next_offset), (1, 5));
        assert_eq!(response.log_end_offset, 5);
        let mut values = Vec::new();
        for stored in response.batches {
            for r in batch::decode(stored).unwrap().records {
                values.push((r.offset, r.record.value));
            }
        }
        let expected: Vec<(u64, bytes::Bytes)> = ["a", "b", "c", "d", "e"]
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u64, bytes::Bytes::copy_from_slice(v.as_bytes())))
            .collect();
        assert_eq!(values, expected);
    });
}
