//! Idempotent producers (issue "Exactly-once produce"): a producer that loses the answer to a
//! produce the broker wrote and sends it again gets the offsets it was first written at, and
//! the record is stored once: after a cut connection, after the broker's restart, and after its
//! partition leader is killed and another elected. A gap in a producer's sequences is refused,
//! and a renewed session fences the old one.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::TestBroker;
use common::cluster::TestCluster;
use flashq::client::{
    Client, ClientError, ClusterRouter, Offset, ProducerRecord, ProducerSession, RequestStamp,
};

fn record(value: &str, partition: u32) -> ProducerRecord {
    ProducerRecord {
        value: Bytes::from(value.to_string()),
        partition: Some(partition),
        ..ProducerRecord::default()
    }
}

/// A stamp for one request to partition 0 of a new session at `client`.
async fn first_stamp(client: &Client) -> RequestStamp {
    let (producer_id, producer_epoch) = client.init_producer(None).await.unwrap();
    RequestStamp {
        producer_id,
        producer_epoch,
        base_sequences: BTreeMap::from([(0, 0)]),
    }
}

/// Every value of `topic`/0 as `client` reads it, with its offset.
async fn stored(client: &Client, topic: &str) -> Vec<(u64, String)> {
    let batch = client
        .fetch(topic, 0, Offset::Earliest, Some(1000), 0)
        .await
        .unwrap();
    batch
        .records
        .into_iter()
        .map(|r| (r.offset, String::from_utf8_lossy(&r.value).into_owned()))
        .collect()
}

/// Listens on a free port and forwards each connection to `target`, cutting it the moment the
/// broker starts an answer (a HEADERS or DATA frame) to any request but the first (stream 1,
/// the probe [`Client::connect`] makes): what a client sees when the broker wrote its request
/// and the answer was lost on the way. HTTP/2 frames are a 9-byte header (length, type, flags,
/// stream id) and a payload.
async fn answer_dropping_proxy(target: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let target = target.to_string();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect(&target).await else {
                continue;
            };
            tokio::spawn(async move {
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let requests = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                });
                loop {
                    let mut header = [0u8; 9];
                    if server_read.read_exact(&mut header).await.is_err() {
                        break;
                    }
                    let length = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
                    let stream = u32::from_be_bytes([header[5], header[6], header[7], header[8]])
                        & !(1 << 31);
                    let mut payload = vec![0u8; length];
                    if server_read.read_exact(&mut payload).await.is_err() {
                        break;
                    }
                    let answer = stream > 1 && matches!(header[3], 0 | 1);
                    if answer
                        || client_write.write_all(&header).await.is_err()
                        || client_write.write_all(&payload).await.is_err()
                    {
                        break;
                    }
                }
                requests.abort();
            });
        }
    });
    format!("http://{address}")
}

/// A single broker with topic `t` of one partition.
fn broker_with_topic_t() -> TestBroker {
    let broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args(["topic", "create", "t", "-p", "1"])
        .assert()
        .success();
    broker
}

#[test]
fn a_retry_after_a_lost_answer_is_stored_once_at_its_first_offset() {
    let broker = broker_with_topic_t();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let direct = Client::connect(&broker.address).await.unwrap();
        direct
            .produce("t", vec![record("before", 0)])
            .await
            .unwrap();
        let stamp = first_stamp(&direct).await;
        let proxy = answer_dropping_proxy(&broker.address).await;
        let cut = Client::connect(&proxy).await.unwrap();
        let lost = cut
            .produce_stamped("t", vec![record("once", 0)], Some(&stamp))
            .await;
        assert!(
            lost.as_ref().is_err_and(ClientError::is_connection_failure),
            "the answer was to be lost: {lost:?}"
        );
        // The broker wrote it before it answered.
        assert_eq!(stored(&direct, "t").await.len(), 2);
        // Sent again, as a producer whose answer was lost does: placed where it was written.
        let retried = direct
            .produce_stamped("t", vec![record("once", 0)], Some(&stamp))
            .await
            .unwrap();
        assert_eq!(retried[0].offset, 1);
        direct.produce("t", vec![record("after", 0)]).await.unwrap();
        assert_eq!(
            stored(&direct, "t").await,
            vec![
                (0, "before".to_string()),
                (1, "once".to_string()),
                (2, "after".to_string())
            ]
        );
    });
}

#[test]
fn a_restarted_broker_places_a_retry_where_it_was_written() {
    let mut broker = broker_with_topic_t();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (stamp, first_id) = runtime.block_on(async {
        let client = Client::connect(&broker.address).await.unwrap();
        client
            .produce("t", vec![record("before", 0)])
            .await
            .unwrap();
        let stamp = first_stamp(&client).await;
        let written = client
            .produce_stamped("t", vec![record("a", 0), record("b", 0)], Some(&stamp))
            .await
            .unwrap();
        assert_eq!(written[0].offset, 1);
        (stamp.clone(), stamp.producer_id)
    });
    // SIGKILL: no clean shutdown, the producer state comes back from the log alone.
    broker.crash_and_restart_on_same_address();
    runtime.block_on(async {
        let client = Client::connect(&broker.address).await.unwrap();
        let retried = client
            .produce_stamped("t", vec![record("a", 0), record("b", 0)], Some(&stamp))
            .await
            .unwrap();
        assert_eq!((retried[0].offset, retried[1].offset), (1, 2));
        assert_eq!(stored(&client, "t").await.len(), 3);
        // The next batch follows on; a new producer never gets the old one's id.
        let next = RequestStamp {
            base_sequences: BTreeMap::from([(0, 2)]),
            ..stamp.clone()
        };
        let appended = client
            .produce_stamped("t", vec![record("c", 0)], Some(&next))
            .await
            .unwrap();
        assert_eq!(appended[0].offset, 3);
        let (new_id, _) = client.init_producer(None).await.unwrap();
        assert_ne!(new_id, first_id);
    });
}

#[test]
fn a_gap_is_refused_and_a_renewed_session_fences_the_old_one() {
    let broker = broker_with_topic_t();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = Client::connect(&broker.address).await.unwrap();
        let session = ProducerSession::start(&client).await.unwrap();
        let first = session.stamp("t", &[record("a", 0)]).await.unwrap();
        let second = session.stamp("t", &[record("b", 0)]).await.unwrap();
        assert_eq!(second.base_sequences[&0], 1);
        // The second overtakes the first: a gap, refused, nothing written.
        let overtaking = client
            .produce_stamped("t", vec![record("b", 0)], Some(&second))
            .await;
        assert_eq!(
            overtaking.unwrap_err().code(),
            Some(flashq::client::StatusCode::OutOfRange)
        );
        assert!(stored(&client, "t").await.is_empty());
        client
            .produce_stamped("t", vec![record("a", 0)], Some(&first))
            .await
            .unwrap();
        client
            .produce_stamped("t", vec![record("b", 0)], Some(&second))
            .await
            .unwrap();
        // Given up on, the session renews in the next epoch, from sequence 0 again.
        session.give_up(&second);
        let renewed = session.stamp("t", &[record("c", 0)]).await.unwrap();
        assert_eq!(
            (renewed.producer_id, renewed.producer_epoch),
            (first.producer_id, first.producer_epoch + 1)
        );
        assert_eq!(renewed.base_sequences[&0], 0);
        client
            .produce_stamped("t", vec![record("c", 0)], Some(&renewed))
            .await
            .unwrap();
        let late = RequestStamp {
            base_sequences: BTreeMap::from([(0, 2)]),
            ..first.clone()
        };
        let fenced = client
            .produce_stamped("t", vec![record("late", 0)], Some(&late))
            .await;
        assert_eq!(
            fenced.unwrap_err().code(),
            Some(flashq::client::StatusCode::Aborted)
        );
        let values: Vec<String> = stored(&client, "t")
            .await
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(values, vec!["a", "b", "c"]);
    });
}

/// The leader acknowledges a batch and is killed; the producer, which never heard the answer,
/// sends it again. The newly elected leader holds the batch (acks=all put it on every in-sync
/// replica, stamp and all) and places the retry at the same offset.
#[test]
fn a_new_leader_places_a_retry_acknowledged_by_the_killed_leader() {
    let mut cluster = TestCluster::start(&[]);
    let leader = cluster.with_replicated_topic();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let leader_address = cluster.broker(leader).address.clone();
    let stamp = runtime.block_on(async {
        let client = Client::connect(&leader_address).await.unwrap();
        client
            .produce("t", vec![record("before", 0)])
            .await
            .unwrap();
        let stamp = first_stamp(&client).await;
        let acked = client
            .produce_stamped("t", vec![record("once", 0)], Some(&stamp))
            .await
            .unwrap();
        assert_eq!(acked[0].offset, 1);
        stamp
    });
    cluster.broker(leader).kill();
    let survivor = common::cluster::others(leader)[0];
    let new_leader = cluster.wait_for_new_leader(survivor, "t", 0, leader);
    let new_address = cluster.broker(new_leader).address.clone();
    runtime.block_on(async {
        let client = Client::connect(&new_address).await.unwrap();
        let mut retried = Err(ClientError::Status(tonic::Status::unavailable("not yet")));
        // The new leader may still be shrinking its ISR to the live replicas.
        for _ in 0..100 {
            retried = client
                .produce_stamped("t", vec![record("once", 0)], Some(&stamp))
                .await;
            if retried.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(retried.unwrap()[0].offset, 1);
        let values: Vec<String> = stored(&client, "t")
            .await
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(values, vec!["before", "once"]);
    });
}

/// `flashq produce` from stdin in a cluster pipelines its batches (5 in flight, idempotent by
/// default): every line is stored once, in input order within each partition.
#[test]
fn a_cluster_stdin_produce_keeps_each_partitions_order() {
    let mut cluster = TestCluster::start(&[]);
    cluster.with_topic("lines", 3);
    let lines: String = (0..20_000).map(|n| format!("line-{n}\n")).collect();
    cluster.brokers[0]
        .cmd()
        .args(["produce", "-t", "lines", "--batch-size", "200", "-q"])
        .write_stdin(lines)
        .assert()
        .success();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let address = cluster.brokers[0].address.clone();
    runtime.block_on(async {
        let seed = Client::connect(&address).await.unwrap();
        let router = Arc::new(ClusterRouter::new(seed).await.unwrap());
        let mut seen = vec![false; 20_000];
        for partition in 0..3 {
            let leader = router
                .leader_client(&router.view(), "lines", partition)
                .await
                .unwrap();
            let mut next = 0;
            let mut last = None;
            loop {
                let batch = leader
                    .fetch("lines", partition, Offset::At(next), Some(5000), 0)
                    .await
                    .unwrap();
                if batch.records.is_empty() {
                    break;
                }
                for r in &batch.records {
                    let n: usize = std::str::from_utf8(&r.value).unwrap()[5..].parse().unwrap();
                    assert!(!seen[n], "line {n} stored twice");
                    assert!(last.is_none_or(|l| l < n), "line {n} after line {last:?}");
                    seen[n] = true;
                    last = Some(n);
                }
                next = batch.next_offset;
            }
        }
        assert!(seen.iter().all(|s| *s), "lines missing");
    });
}
