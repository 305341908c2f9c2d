//! The gRPC contract as an outside client sees it (issue 17): each test drives a real broker on
//! 127.0.0.1 port 0 through tonic's generated clients (and the CLI where the CLI is involved)
//! and asserts the exact status code docs/api.md gives.

mod common;

use std::time::{Duration, Instant};

use common::{RunningCommand, TestBroker, flashq_cmd, wait_until};
use flashq::wire::v1 as pb;
use tonic::Code;

const WAIT: Duration = Duration::from_secs(20);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn channel(address: &str) -> tonic::transport::Channel {
    let url = if address.starts_with("http") {
        address.to_string()
    } else {
        format!("http://{address}")
    };
    tonic::transport::Endpoint::from_shared(url)
        .unwrap()
        .connect()
        .await
        .unwrap()
}

struct Clients {
    admin: pb::admin_client::AdminClient<tonic::transport::Channel>,
    produce: pb::produce_client::ProduceClient<tonic::transport::Channel>,
    fetch: pb::fetch_client::FetchClient<tonic::transport::Channel>,
    subscribe: pb::subscribe_client::SubscribeClient<tonic::transport::Channel>,
    groups: pb::groups_client::GroupsClient<tonic::transport::Channel>,
}

async fn clients(address: &str) -> Clients {
    let ch = channel(address).await;
    Clients {
        admin: pb::admin_client::AdminClient::new(ch.clone()),
        produce: pb::produce_client::ProduceClient::new(ch.clone()),
        fetch: pb::fetch_client::FetchClient::new(ch.clone()),
        subscribe: pb::subscribe_client::SubscribeClient::new(ch.clone()),
        groups: pb::groups_client::GroupsClient::new(ch),
    }
}

/// The status code of a call that must fail.
fn code<T: std::fmt::Debug>(result: Result<T, tonic::Status>) -> Code {
    result.expect_err("the call should fail").code()
}

fn create(name: &str, partitions: u32) -> pb::CreateTopicRequest {
    pb::CreateTopicRequest {
        name: name.to_string(),
        partitions: Some(partitions),
        ..Default::default()
    }
}

fn offset(offset: u64) -> Option<pb::StartPosition> {
    Some(pb::StartPosition {
        position: Some(pb::start_position::Position::Offset(offset)),
    })
}

fn records(partition: u32, values: impl IntoIterator<Item = String>) -> Vec<pb::Record> {
    values
        .into_iter()
        .map(|v| pb::Record {
            value: v.into_bytes().into(),
            partition: Some(partition),
            ..Default::default()
        })
        .collect()
}

fn produce_request(topic: &str, partition: u32, count: usize) -> pb::ProduceRequest {
    pb::ProduceRequest {
        topic: topic.to_string(),
        records: records(partition, (0..count).map(|i| format!("v{i}"))),
        ..Default::default()
    }
}

// Item 1: a subscription to a topic that is deleted ends at once with NOT_FOUND naming it, and
// `flashq subscribe` exits 4 saying so.
#[test]
fn a_subscription_ends_with_not_found_when_its_topic_is_deleted() {
    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        let mut c = clients(&broker.address).await;
        c.admin.create_topic(create("doomed", 2)).await.unwrap();
        let mut stream = c
            .subscribe
            .subscribe(pb::SubscribeRequest {
                topic: "doomed".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        // The two opening messages: the stream is up, one task per partition.
        for _ in 0..2 {
            let opening = stream.message().await.unwrap().unwrap();
            assert!(opening.records.is_empty());
        }
        c.admin
            .delete_topic(pb::DeleteTopicRequest {
                name: "doomed".into(),
            })
            .await
            .unwrap();
        let ended = tokio::time::timeout(Duration::from_secs(5), stream.message())
            .await
            .expect("the stream must end at once when its topic is deleted");
        let status = ended.expect_err("the stream ends with a status");
        assert_eq!(status.code(), Code::NotFound, "{status:?}");
        assert!(status.message().contains("\"doomed\""), "{status:?}");
        // The same name again, written to: the old stream stays over.
        c.admin.create_topic(create("doomed", 2)).await.unwrap();
        c.produce
            .produce(produce_request("doomed", 0, 1))
            .await
            .unwrap();
        let after = tokio::time::timeout(Duration::from_secs(5), stream.message())
            .await
            .expect("an ended stream answers at once");
        assert!(matches!(after, Ok(None)), "{after:?}");
    });
}

#[test]
fn flashq_subscribe_exits_4_when_its_topic_is_deleted() {
    let broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args(["topic", "create", "doomed-cli", "-p", "3"])
        .assert()
        .success();
    let mut subscriber = RunningCommand::start(&broker.address, &["subscribe", "-t", "doomed-cli"]);
    assert!(subscriber.wait_for_stderr("subscribed to doomed-cli", WAIT));
    broker
        .cmd()
        .args(["topic", "delete", "doomed-cli"])
        .assert()
        .success();
    let exit = subscriber.wait(Duration::from_secs(10));
    assert_eq!(exit, Some(4), "stderr: {:?}", subscriber.stderr_lines());
    let stderr = subscriber.stderr_lines().join("\n");
    assert!(
        stderr.contains("error: topic \"doomed-cli\" does not exist"),
        "{stderr}"
    );
}

// Item 1 in a cluster: the deletion goes through the metadata and each replica deletes its copy
// through the same engine path, so a subscriber on any replica, and `flashq subscribe` (which
// streams each partition from its leader), end with NOT_FOUND.
#[test]
fn in_a_cluster_subscriptions_on_every_replica_end_when_the_topic_is_deleted() {
    let mut cluster = common::cluster::TestCluster::start(&[]);
    cluster.with_topic("doomed", 1);
    let addresses: Vec<String> = cluster.brokers.iter().map(|b| b.address.clone()).collect();
    let mut subscriber = RunningCommand::start(&addresses[0], &["subscribe", "-t", "doomed"]);
    assert!(subscriber.wait_for_stderr("subscribed to doomed", WAIT));
    runtime().block_on(async {
        let mut streams = Vec::new();
        for address in &addresses {
            let mut c = clients(address).await;
            let mut stream = c
                .subscribe
                .subscribe(pb::SubscribeRequest {
                    topic: "doomed".into(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            stream.message().await.unwrap().unwrap();
            streams.push(stream);
        }
        clients(&addresses[1])
            .await
            .admin
            .delete_topic(pb::DeleteTopicRequest {
                name: "doomed".into(),
            })
            .await
            .unwrap();
        for (broker, stream) in streams.iter_mut().enumerate() {
            let ended = tokio::time::timeout(WAIT, stream.message())
                .await
                .unwrap_or_else(|_| panic!("the stream on broker {} did not end", broker + 1));
            let status = ended.expect_err("the stream ends with a status");
            assert_eq!(
                status.code(),
                Code::NotFound,
                "broker {}: {status:?}",
                broker + 1
            );
        }
    });
    assert_eq!(
        subscriber.wait(WAIT),
        Some(4),
        "stderr: {:?}",
        subscriber.stderr_lines()
    );
}

// Item 2: a long-poll fetch on a topic deleted meanwhile ends at once with NOT_FOUND.
#[test]
fn a_waiting_fetch_ends_with_not_found_when_its_topic_is_deleted() {
    let temp = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let storage = flashq::node::StorageChoice::File {
            data_dir: temp.path().to_path_buf(),
            fsync: Default::default(),
        };
        let embedded = flashq::node::Node::start(flashq::node::NodeConfig::embedded(storage))
            .await
            .unwrap();
        let mut c = clients(&embedded.url()).await;
        c.admin.create_topic(create("fleeting", 1)).await.unwrap();
        let mut fetch = c.fetch.clone();
        let waiting = tokio::spawn(async move {
            let started = Instant::now();
            let answer = fetch
                .fetch(pb::FetchRequest {
                    topic: "fleeting".into(),
                    partition: 0,
                    start: offset(0),
                    max_wait_ms: 8_000,
                    ..Default::default()
                })
                .await;
            (answer, started.elapsed())
        });
        // Deleted only once the fetch waits at the end of the log.
        let parked = tokio::time::timeout(WAIT, async {
            while embedded.broker.waiting_fetches() == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        assert!(parked.is_ok(), "the fetch never waited");
        c.admin
            .delete_topic(pb::DeleteTopicRequest {
                name: "fleeting".into(),
            })
            .await
            .unwrap();
        let (answer, elapsed) = waiting.await.unwrap();
        let status = answer.expect_err("a fetch on a deleted topic fails");
        assert_eq!(status.code(), Code::NotFound, "{status:?}");
        assert!(status.message().contains("\"fleeting\""), "{status:?}");
        assert!(
            elapsed < Duration::from_secs(5),
            "the fetch took {elapsed:?}, its whole wait"
        );
        embedded.stop().await.unwrap();
    });
}

/// A topic of `batches` batches of `per_batch` records each, in partition 0.
async fn batched_topic(c: &mut Clients, topic: &str, batches: usize, per_batch: usize) {
    c.admin.create_topic(create(topic, 1)).await.unwrap();
    for b in 0..batches {
        let values = (0..per_batch).map(|i| format!("b{b}-r{i}"));
        c.produce
            .produce(pb::ProduceRequest {
                topic: topic.into(),
                records: records(0, values),
                ..Default::default()
            })
            .await
            .unwrap();
    }
}

fn fetch_from(topic: &str, start: u64) -> pb::FetchRequest {
    pb::FetchRequest {
        topic: topic.into(),
        partition: 0,
        start: offset(start),
        ..Default::default()
    }
}

// Item 3: with record_batches, max_records counts the records from the start offset to the end
// of each whole batch; the first batch is always returned. max_bytes counts stored batch bytes.
#[test]
fn record_batches_fetches_follow_the_documented_limits() {
    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        let mut c = clients(&broker.address).await;
        batched_topic(&mut c, "tens", 10, 10).await;
        // (start, max_records) -> (batches, next_offset)
        for (start, max, batches, next) in [
            (0, 1, 1, 10),
            (0, 2, 1, 10),
            (0, 10, 1, 10),
            (0, 11, 1, 10),
            (0, 19, 1, 10),
            (0, 20, 2, 20),
            (0, 21, 2, 20),
            (0, 100, 10, 100),
            (0, 10_000, 10, 100),
            (5, 5, 1, 10),
            (5, 14, 1, 10),
            (5, 15, 2, 20),
            (95, 1, 1, 100),
        ] {
            let got = c
                .fetch
                .fetch(pb::FetchRequest {
                    max_records: Some(max),
                    record_batches: true,
                    ..fetch_from("tens", start)
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(
                (got.batches.len(), got.next_offset, got.start_offset),
                (batches, next, start),
                "start {start}, max_records {max}"
            );
        }
        // Decoded records: max_records is exact.
        for max in [1, 2, 10, 11, 100] {
            let got = c
                .fetch
                .fetch(pb::FetchRequest {
                    max_records: Some(max),
                    ..fetch_from("tens", 0)
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(got.records.len(), max as usize);
            assert_eq!(got.next_offset, max as u64);
        }
        // max_bytes counts whole stored batches; the first is returned whatever its size.
        let one = c
            .fetch
            .fetch(pb::FetchRequest {
                max_records: Some(1),
                record_batches: true,
                ..fetch_from("tens", 0)
            })
            .await
            .unwrap()
            .into_inner();
        let batch_bytes = one.batches[0].len() as u32;
        for (max_bytes, batches) in [
            (1, 1),
            (batch_bytes, 1),
            (2 * batch_bytes - 1, 1),
            (2 * batch_bytes, 2),
            (3 * batch_bytes, 3),
        ] {
            let got = c
                .fetch
                .fetch(pb::FetchRequest {
                    max_bytes: Some(max_bytes),
                    record_batches: true,
                    ..fetch_from("tens", 0)
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(got.batches.len(), batches, "max_bytes {max_bytes}");
            let got = c
                .fetch
                .fetch(pb::FetchRequest {
                    max_bytes: Some(max_bytes),
                    ..fetch_from("tens", 0)
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(got.records.len(), batches * 10, "max_bytes {max_bytes}");
        }
    });
}

// Item 4: a zero limit is INVALID_ARGUMENT; a limit over its cap is clamped to the cap.
#[test]
fn zero_limits_are_invalid_and_limits_over_their_cap_are_clamped() {
    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        let mut c = clients(&broker.address).await;
        c.admin.create_topic(create("limits", 1)).await.unwrap();
        c.produce
            .produce(produce_request("limits", 0, 10_001))
            .await
            .unwrap();
        for record_batches in [false, true] {
            let zero_records = pb::FetchRequest {
                max_records: Some(0),
                record_batches,
                ..fetch_from("limits", 0)
            };
            assert_eq!(
                code(c.fetch.fetch(zero_records).await),
                Code::InvalidArgument
            );
            let zero_bytes = pb::FetchRequest {
                max_bytes: Some(0),
                record_batches,
                ..fetch_from("limits", 0)
            };
            assert_eq!(code(c.fetch.fetch(zero_bytes).await), Code::InvalidArgument);
        }
        let subscribe = |max_batch_records| pb::SubscribeRequest {
            topic: "limits".into(),
            partitions: vec![pb::PartitionStart {
                partition: 0,
                start: offset(0),
            }],
            max_batch_records,
            ..Default::default()
        };
        assert_eq!(
            code(c.subscribe.subscribe(subscribe(Some(0))).await),
            Code::InvalidArgument
        );
        // 10,001 records in one stored batch: the first message carries the cap, 10,000.
        for (asked, first) in [(Some(10_001), 10_000), (Some(10_000), 10_000), (None, 1000)] {
            let mut stream = c
                .subscribe
                .subscribe(subscribe(asked))
                .await
                .unwrap()
                .into_inner();
            let opening = stream.message().await.unwrap().unwrap();
            assert!(opening.records.is_empty());
            let message = stream.message().await.unwrap().unwrap();
            assert_eq!(message.records.len(), first, "max_batch_records {asked:?}");
        }
    });
}

/// Joins `group` on `topic` as a new member with the shortest session; returns (id, generation).
async fn join(c: &mut Clients, group: &str, topic: &str) -> (String, u64) {
    let joined = c
        .groups
        .join_group(pb::JoinGroupRequest {
            group: group.into(),
            topics: vec![topic.into()],
            session_timeout_ms: Some(1_000),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    (joined.member_id, joined.generation)
}

// Item 5: a member whose session expired gets ABORTED ("join again"), whether or not its group
// has committed offsets.
#[test]
fn an_expired_member_is_aborted_with_or_without_committed_offsets() {
    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        let mut c = clients(&broker.address).await;
        c.admin.create_topic(create("members", 1)).await.unwrap();
        for (group, commit) in [("without-offsets", false), ("with-offsets", true)] {
            let (member, generation) = join(&mut c, group, "members").await;
            if commit {
                c.groups
                    .commit_offsets(pb::CommitOffsetsRequest {
                        group: group.into(),
                        member_id: member.clone(),
                        generation: Some(generation),
                        offsets: vec![pb::OffsetToCommit {
                            topic: "members".into(),
                            partition: 0,
                            offset: 0,
                        }],
                    })
                    .await
                    .unwrap();
            }
            // No heartbeats: the session runs out and the broker removes the member.
            let deadline = Instant::now() + WAIT;
            loop {
                let described = c
                    .groups
                    .describe_group(pb::DescribeGroupRequest {
                        group: group.into(),
                    })
                    .await;
                match described {
                    Ok(d) if d.get_ref().members.is_empty() => break,
                    Err(status) if status.code() == Code::NotFound => break,
                    _ => assert!(
                        Instant::now() < deadline,
                        "{group}: the member never expired"
                    ),
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let heartbeat = c
                .groups
                .heartbeat(pb::HeartbeatRequest {
                    group: group.into(),
                    member_id: member.clone(),
                    generation,
                })
                .await;
            assert_eq!(code(heartbeat), Code::Aborted, "{group}: heartbeat");
            let commit = c
                .groups
                .commit_offsets(pb::CommitOffsetsRequest {
                    group: group.into(),
                    member_id: member.clone(),
                    generation: Some(generation),
                    offsets: vec![pb::OffsetToCommit {
                        topic: "members".into(),
                        partition: 0,
                        offset: 0,
                    }],
                })
                .await;
            assert_eq!(code(commit), Code::Aborted, "{group}: commit");
            let leave = c
                .groups
                .leave_group(pb::LeaveGroupRequest {
                    group: group.into(),
                    member_id: member.clone(),
                })
                .await;
            assert_eq!(code(leave), Code::Aborted, "{group}: leave");
        }
    });
}

/// Names no topic may have: they are INVALID_ARGUMENT wherever they are given.
fn invalid_names() -> Vec<String> {
    vec![
        String::new(),
        ".".into(),
        "..".into(),
        "../x".into(),
        "a/b".into(),
        ".hidden".into(),
        "with space".into(),
        "x".repeat(250),
    ]
}

// Item 6: every RPC that takes a topic name answers INVALID_ARGUMENT for an invalid one.
#[test]
fn an_invalid_topic_name_is_invalid_argument_everywhere() {
    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        let mut c = clients(&broker.address).await;
        c.admin.create_topic(create("real", 1)).await.unwrap();
        for name in invalid_names() {
            let n = || name.clone();
            let codes = [
                (
                    "CreateTopic",
                    code(c.admin.create_topic(create(&name, 1)).await),
                ),
                (
                    "DescribeTopic",
                    code(
                        c.admin
                            .describe_topic(pb::DescribeTopicRequest { name: n() })
                            .await,
                    ),
                ),
                (
                    "DeleteTopic",
                    code(
                        c.admin
                            .delete_topic(pb::DeleteTopicRequest { name: n() })
                            .await,
                    ),
                ),
                (
                    "UpdateTopicConfig",
                    code(
                        c.admin
                            .update_topic_config(pb::UpdateTopicConfigRequest {
                                name: n(),
                                config: None,
                            })
                            .await,
                    ),
                ),
                (
                    "CreatePartitions",
                    code(
                        c.admin
                            .create_partitions(pb::CreatePartitionsRequest {
                                name: n(),
                                total_partitions: 2,
                            })
                            .await,
                    ),
                ),
                (
                    "Produce",
                    code(c.produce.produce(produce_request(&name, 0, 1)).await),
                ),
                ("Fetch", code(c.fetch.fetch(fetch_from(&name, 0)).await)),
                (
                    "ListOffsets",
                    code(
                        c.fetch
                            .list_offsets(pb::ListOffsetsRequest {
                                topic: n(),
                                partition: 0,
                                position: offset(0),
                            })
                            .await,
                    ),
                ),
                (
                    "Subscribe",
                    code(
                        c.subscribe
                            .subscribe(pb::SubscribeRequest {
                                topic: n(),
                                ..Default::default()
                            })
                            .await,
                    ),
                ),
                (
                    "JoinGroup",
                    code(
                        c.groups
                            .join_group(pb::JoinGroupRequest {
                                group: "g".into(),
                                topics: vec![n()],
                                ..Default::default()
                            })
                            .await,
                    ),
                ),
                (
                    "CommitOffsets",
                    code(
                        c.groups
                            .commit_offsets(pb::CommitOffsetsRequest {
                                group: "g".into(),
                                offsets: vec![pb::OffsetToCommit {
                                    topic: n(),
                                    partition: 0,
                                    offset: 0,
                                }],
                                ..Default::default()
                            })
                            .await,
                    ),
                ),
                (
                    "FetchOffsets",
                    code(
                        c.groups
                            .fetch_offsets(pb::FetchOffsetsRequest {
                                group: "g".into(),
                                topics: vec![n()],
                            })
                            .await,
                    ),
                ),
                (
                    "ResetOffsets",
                    code(
                        c.groups
                            .reset_offsets(pb::ResetOffsetsRequest {
                                group: "g".into(),
                                topic: n(),
                                target: Some(pb::reset_offsets_request::Target::ToEarliest(true)),
                                ..Default::default()
                            })
                            .await,
                    ),
                ),
            ];
            for (rpc, got) in codes {
                assert_eq!(got, Code::InvalidArgument, "{rpc} with topic {name:?}");
            }
        }
        // Nothing of it reached the data dir.
        let topics = c
            .admin
            .list_topics(pb::ListTopicsRequest {})
            .await
            .unwrap()
            .into_inner()
            .topics;
        assert_eq!(topics.len(), 1);
    });
}

// Item 7: one name rule (1-249 of [A-Za-z0-9._-], not starting with '.'), at its edges, on file
// storage: the longest name is created, written, read and deleted; one more is refused.
#[test]
fn the_topic_name_rule_holds_at_its_edges_on_file_storage() {
    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        let mut c = clients(&broker.address).await;
        let longest = "n".repeat(249);
        for name in [longest.as_str(), "a", "x.", "-x", "_x", "a.b-c_D9", "x..y"] {
            c.admin.create_topic(create(name, 2)).await.unwrap();
            c.produce
                .produce(produce_request(name, 1, 3))
                .await
                .unwrap();
            let read = c
                .fetch
                .fetch(pb::FetchRequest {
                    partition: 1,
                    ..fetch_from(name, 0)
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(read.records.len(), 3, "{name}");
            c.admin
                .delete_topic(pb::DeleteTopicRequest { name: name.into() })
                .await
                .unwrap();
            assert_eq!(
                code(
                    c.admin
                        .describe_topic(pb::DescribeTopicRequest { name: name.into() })
                        .await
                ),
                Code::NotFound,
                "{name}"
            );
        }
        // Auto-created by a produce, at the limit too.
        c.produce
            .produce(produce_request(&longest, 0, 1))
            .await
            .unwrap();
        for name in ["n".repeat(250), ".n".into(), "..n".into()] {
            assert_eq!(
                code(c.admin.create_topic(create(&name, 1)).await),
                Code::InvalidArgument,
                "{name}"
            );
        }
        // Group names follow the same rule.
        let group_at = |group: String| pb::FetchOffsetsRequest {
            group,
            topics: vec![],
        };
        assert_eq!(
            code(c.groups.fetch_offsets(group_at("g".repeat(249))).await),
            Code::NotFound
        );
        assert_eq!(
            code(c.groups.fetch_offsets(group_at("g".repeat(250))).await),
            Code::InvalidArgument
        );
        assert_eq!(
            code(c.groups.fetch_offsets(group_at(".g".into())).await),
            Code::InvalidArgument
        );
    });
}

/// A tonic codec that sends the bytes it is given as the request message and decodes any answer
/// as bytes: the way to put undecodable protobuf on the wire through a tonic client.
#[derive(Clone, Default)]
struct RawCodec;

struct RawEncoder;
struct RawDecoder;

impl tonic::codec::Codec for RawCodec {
    type Encode = bytes::Bytes;
    type Decode = bytes::Bytes;
    type Encoder = RawEncoder;
    type Decoder = RawDecoder;
    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }
    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

impl tonic::codec::Encoder for RawEncoder {
    type Item = bytes::Bytes;
    type Error = tonic::Status;
    fn encode(
        &mut self,
        item: bytes::Bytes,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        bytes::BufMut::put(dst, item);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawDecoder {
    type Item = bytes::Bytes;
    type Error = tonic::Status;
    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<bytes::Bytes>, tonic::Status> {
        let len = bytes::Buf::remaining(src);
        Ok(Some(bytes::Buf::copy_to_bytes(src, len)))
    }
}

/// Every unary FlashQ RPC a client calls.
const UNARY_RPCS: [&str; 20] = [
    "/flashq.v1.Produce/Produce",
    "/flashq.v1.Fetch/Fetch",
    "/flashq.v1.Fetch/ListOffsets",
    "/flashq.v1.Admin/CreateTopic",
    "/flashq.v1.Admin/ListTopics",
    "/flashq.v1.Admin/DescribeTopic",
    "/flashq.v1.Admin/DeleteTopic",
    "/flashq.v1.Admin/UpdateTopicConfig",
    "/flashq.v1.Admin/CreatePartitions",
    "/flashq.v1.Groups/JoinGroup",
    "/flashq.v1.Groups/Heartbeat",
    "/flashq.v1.Groups/LeaveGroup",
    "/flashq.v1.Groups/CommitOffsets",
    "/flashq.v1.Groups/FetchOffsets",
    "/flashq.v1.Groups/ListGroups",
    "/flashq.v1.Groups/DescribeGroup",
    "/flashq.v1.Groups/ResetOffsets",
    "/flashq.v1.Groups/DeleteGroup",
    "/flashq.v1.Cluster/Metadata",
    "/flashq.v1.Cluster/FindCoordinator",
];

async fn raw_call(
    ch: &tonic::transport::Channel,
    path: &'static str,
    message: bytes::Bytes,
) -> Result<bytes::Bytes, tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(ch.clone())
        .max_encoding_message_size(usize::MAX)
        .max_decoding_message_size(usize::MAX);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    grpc.unary(
        tonic::Request::new(message),
        http::uri::PathAndQuery::from_static(path),
        RawCodec,
    )
    .await
    .map(tonic::Response::into_inner)
}

// Item 8: a request that does not decode is INVALID_ARGUMENT on every unary RPC; one over the
// size limit is RESOURCE_EXHAUSTED (never OUT_OF_RANGE, which means an offset).
#[test]
fn undecodable_requests_are_invalid_argument_and_oversized_ones_resource_exhausted() {
    let broker = TestBroker::start(&["--max-batch-bytes", "1048576"]);
    runtime().block_on(async {
        let ch = channel(&broker.address).await;
        // A field-1 length prefix that runs past the end of the message.
        let undecodable = bytes::Bytes::from_static(b"\x0a\xff\xff\xff\xff\x0f\x01");
        for path in UNARY_RPCS {
            let status = raw_call(&ch, path, undecodable.clone())
                .await
                .expect_err("an undecodable request fails");
            assert_eq!(status.code(), Code::InvalidArgument, "{path}: {status:?}");
        }
        // Over the limit: 4 MiB for most services, the batch limit plus 8 MiB for Produce and Fetch.
        let big = |bytes: usize| {
            let mut message = vec![0x0a];
            let mut len = bytes as u64;
            while len >= 0x80 {
                message.push(len as u8 | 0x80);
                len >>= 7;
            }
            message.push(len as u8);
            message.resize(message.len() + bytes, b'x');
            bytes::Bytes::from(message)
        };
        for (path, size) in [
            ("/flashq.v1.Admin/CreateTopic", 5 << 20),
            ("/flashq.v1.Groups/JoinGroup", 5 << 20),
            ("/flashq.v1.Produce/Produce", 10 << 20),
            ("/flashq.v1.Fetch/Fetch", 10 << 20),
        ] {
            let status = raw_call(&ch, path, big(size))
                .await
                .expect_err("an oversized request fails");
            assert_eq!(status.code(), Code::ResourceExhausted, "{path}: {status:?}");
        }
        // Just under the limit is decoded (and refused for what it says, not for its size).
        let status = raw_call(&ch, "/flashq.v1.Admin/CreateTopic", big((4 << 20) - 16))
            .await
            .expect_err("a 4 MiB topic name is refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    });
}

fn with_deadline<T>(message: T, seconds: u64) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(Duration::from_secs(seconds));
    request
}

// Item 9: a topic of 10,000 partitions on file storage is created and deleted well within a
// client's deadline (figures in docs/performance.md, from `cargo bench --bench topic_admin`).
#[test]
fn ten_thousand_partitions_are_created_and_deleted_within_a_deadline() {
    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        let mut c = clients(&broker.address).await;
        let created = c
            .admin
            .create_topic(with_deadline(create("wide", 10_000), 5))
            .await
            .map(|r| r.into_inner().partitions);
        assert_eq!(created.map_err(|s| s.code()), Ok(10_000));
        c.produce
            .produce(produce_request("wide", 9_999, 1))
            .await
            .unwrap();
        let deleted = c
            .admin
            .delete_topic(with_deadline(
                pb::DeleteTopicRequest {
                    name: "wide".into(),
                },
                5,
            ))
            .await;
        assert_eq!(deleted.map(|_| ()).map_err(|s| s.code()), Ok(()));
        // The name is free at once, and the new topic starts empty.
        c.admin.create_topic(create("wide", 1)).await.unwrap();
        let read = c
            .fetch
            .list_offsets(pb::ListOffsetsRequest {
                topic: "wide".into(),
                partition: 0,
                position: Some(pb::StartPosition {
                    position: Some(pb::start_position::Position::Boundary(
                        pb::LogBoundary::Latest as i32,
                    )),
                }),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(read.offset, 0);
    });
    // The old files go after the answer.
    let topics = broker.data_dir.join("topics");
    let leftovers = || {
        std::fs::read_dir(&topics)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .count()
    };
    assert!(
        wait_until(Duration::from_secs(60), || leftovers() == 0),
        "the deleted topic's files stay"
    );
}

// Item 10: `flashq init --broker URL` saves that URL; no flag is silently ignored.
#[test]
fn init_saves_the_global_broker_flag_and_the_tls_files() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let ca = dir.path().join("ca.pem");
    flashq_cmd()
        .args(["init", "--yes", "--no-check", "--config"])
        .arg(&config)
        .args(["--broker", "http://127.0.0.1:50999", "--tls-ca"])
        .arg(&ca)
        .assert()
        .success();
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(
        written.contains("broker = \"http://127.0.0.1:50999\""),
        "{written}"
    );
    assert!(
        written.contains(&format!("tls_ca = \"{}\"", ca.display())),
        "{written}"
    );
    // The environment is not a flag: it does not end up in the file.
    flashq_cmd()
        .args(["init", "--yes", "--no-check", "--config"])
        .arg(&config)
        .env("FLASHQ_BROKER", "http://127.0.0.1:50111")
        .args(["--default-output", "json"])
        .assert()
        .success();
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(
        written.contains("broker = \"http://127.0.0.1:50999\""),
        "{written}"
    );
    // One flag: the old spelling is gone, with clap's hint to the new one.
    flashq_cmd()
        .args(["init", "--yes", "--no-check", "--config"])
        .arg(&config)
        .args(["--broker-address", "http://127.0.0.1:50999"])
        .assert()
        .code(2);
}

#[test]
fn a_global_flag_a_command_does_not_use_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec![
            "serve",
            "--broker",
            "http://127.0.0.1:1",
            "--storage",
            "memory",
            "--listen",
            "127.0.0.1:0",
        ],
        vec![
            "inspect-log",
            "--broker",
            "http://127.0.0.1:1",
            "/nonexistent",
        ],
        vec!["completions", "bash", "--broker", "http://127.0.0.1:1"],
        vec!["man", "--token", "t", "--out-dir", "/nonexistent"],
        vec![
            "bench",
            "storage",
            "--records",
            "10",
            "--broker",
            "http://127.0.0.1:1",
        ],
    ] {
        let output = flashq_cmd()
            .current_dir(dir.path())
            .args(&args)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("has no effect on") && stderr.contains("hint:"),
            "{args:?}: {stderr}"
        );
    }
    // From the environment it is no error: it is meant for the commands that use it.
    flashq_cmd()
        .args(["completions", "bash"])
        .env("FLASHQ_BROKER", "http://127.0.0.1:1")
        .assert()
        .success();
}

// Item 11: shrinking a topic's partitions is INVALID_ARGUMENT, as documented.
#[test]
fn shrinking_or_keeping_a_partition_count_is_invalid_argument() {
    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        let mut c = clients(&broker.address).await;
        c.admin.create_topic(create("three", 3)).await.unwrap();
        for total in [0, 1, 2, 3] {
            let shrink = c
                .admin
                .create_partitions(pb::CreatePartitionsRequest {
                    name: "three".into(),
                    total_partitions: total,
                })
                .await;
            assert_eq!(code(shrink), Code::InvalidArgument, "to {total}");
        }
        let over = c
            .admin
            .create_partitions(pb::CreatePartitionsRequest {
                name: "three".into(),
                total_partitions: 10_001,
            })
            .await;
        assert_eq!(code(over), Code::InvalidArgument);
        let grown = c
            .admin
            .create_partitions(pb::CreatePartitionsRequest {
                name: "three".into(),
                total_partitions: 4,
            })
            .await
            .unwrap();
        assert_eq!(grown.into_inner().partitions, 4);
    });
}
