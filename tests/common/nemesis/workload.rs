//! The workload: a few producers writing unique values (`p<producer>-<n>`) with acks=all
//! through the crate's own idempotent `RoutedProducer` (it finds leaders and retries through
//! failovers, as users' producers do, and a retry is never stored twice), one write in flight
//! per producer; one pinned producer per broker,
//! which sends every write straight to its broker and never reroutes (like a client with stale
//! metadata, it keeps asking a leader that was paused or cut off, so whatever a deposed leader
//! answers is in the history); and a consumer following every partition from offset 0 through
//! `LeaderReader`. Everything they see goes to the [`Recorder`].
//!
//! A broker that is paused or cut off holds a call until it heals unless the caller gives up:
//! the routed producer gives up on a request after its own timeout, every write here is bounded
//! by [`WRITE_TIMEOUT`] besides (after which it is indeterminate), and the consumer gives up on a
//! fetch after [`FETCH_TIMEOUT`] and looks for the leader afresh.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use flashq::client::{
    Client, ClientError, ClusterRouter, LeaderReader, ProducedPosition, ProducerRecord,
    RoutedProducer,
};

use super::history::{Outcome, Recorder, Write};

/// A write not answered within this long is indeterminate. Longer than the routed producer's
/// own retry window (15 s) plus one last request's timeout (8 s), so what it finally answers is
/// what counts.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// A fetch (it waits at most `FETCH_WAIT_MS` at the end of the log) that takes longer than this
/// is held by a broker that cannot answer.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const FETCH_WAIT_MS: u32 = 500;
const FETCH_MAX_RECORDS: u32 = 1_000;
/// Between a producer's writes: keeps three brokers and the clients within two shared cores.
const WRITE_PACE: Duration = Duration::from_millis(10);
/// After a write that was not acknowledged, or a fetch that failed.
const BACKOFF: Duration = Duration::from_millis(100);
/// How long the clients may take to reach the cluster at the start.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// What the workload writes to and reads from.
#[derive(Debug, Clone)]
pub struct Target {
    pub topic: String,
    pub partitions: u32,
    /// Broker URLs to connect through.
    pub brokers: Vec<String>,
}

/// The running producers and consumer.
pub struct Workload {
    producers_stop: Arc<AtomicBool>,
    consumer_stop: Arc<AtomicBool>,
    producers: Vec<tokio::task::JoinHandle<()>>,
    consumer: Vec<tokio::task::JoinHandle<()>>,
    /// Per partition: the next offset the consumer will read.
    positions: Arc<Vec<AtomicU64>>,
}

impl Workload {
    /// Starts `producers` producers and the consumer on `runtime`.
    pub fn start(
        runtime: &tokio::runtime::Runtime,
        target: &Target,
        producers: usize,
        recorder: &Recorder,
    ) -> Workload {
        let producers_stop = Arc::new(AtomicBool::new(false));
        let consumer_stop = Arc::new(AtomicBool::new(false));
        let positions: Arc<Vec<AtomicU64>> =
            Arc::new((0..target.partitions).map(|_| AtomicU64::new(0)).collect());
        let producer_tasks = (0..producers)
            .map(|id| {
                runtime.spawn(produce(
                    id,
                    target.clone(),
                    recorder.clone(),
                    producers_stop.clone(),
                ))
            })
            .chain(target.brokers.iter().enumerate().map(|(i, url)| {
                runtime.spawn(produce_pinned(
                    producers + i,
                    url.clone(),
                    target.clone(),
                    recorder.clone(),
                    producers_stop.clone(),
                ))
            }))
            .collect();
        let consumer_tasks = (0..target.partitions)
            .map(|partition| {
                runtime.spawn(follow(
                    partition,
                    target.clone(),
                    recorder.clone(),
                    consumer_stop.clone(),
                    positions.clone(),
                ))
            })
            .collect();
        Workload {
            producers_stop,
            consumer_stop,
            producers: producer_tasks,
            consumer: consumer_tasks,
            positions,
        }
    }

    /// The next offset the consumer will read in `partition`.
    pub fn consumer_position(&self, partition: u32) -> u64 {
        self.positions[partition as usize].load(Ordering::Relaxed)
    }

    /// Stops the producers once their writes in flight have completed.
    pub fn stop_producers(&mut self, runtime: &tokio::runtime::Runtime) {
        self.producers_stop.store(true, Ordering::Relaxed);
        join_all(runtime, std::mem::take(&mut self.producers));
    }

    pub fn stop_consumer(&mut self, runtime: &tokio::runtime::Runtime) {
        self.consumer_stop.store(true, Ordering::Relaxed);
        join_all(runtime, std::mem::take(&mut self.consumer));
    }
}

fn join_all(runtime: &tokio::runtime::Runtime, tasks: Vec<tokio::task::JoinHandle<()>>) {
    runtime.block_on(async {
        for task in tasks {
            task.await.expect("a workload task panicked");
        }
    });
}

/// A router over the first broker of `brokers` that answers, retried for [`CONNECT_TIMEOUT`].
pub async fn connect_router(brokers: &[String]) -> Arc<ClusterRouter> {
    let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
    loop {
        for url in brokers {
            if let Ok(Ok(router)) = tokio::time::timeout(Duration::from_secs(5), async {
                ClusterRouter::new(Client::connect(url).await?).await
            })
            .await
            {
                return Arc::new(router);
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no broker of {brokers:?} answered within {CONNECT_TIMEOUT:?}"
        );
        tokio::time::sleep(BACKOFF).await;
    }
}

/// An idempotent routed producer over the first broker of the target that starts a session,
/// retried for [`CONNECT_TIMEOUT`].
async fn connect_idempotent(target: &Target) -> RoutedProducer {
    let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
    loop {
        let router = connect_router(&target.brokers).await;
        let started = tokio::time::timeout(
            Duration::from_secs(5),
            RoutedProducer::idempotent(router, &target.topic),
        )
        .await;
        if let Ok(Ok(producer)) = started {
            return producer;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no broker of {:?} started a producer session within {CONNECT_TIMEOUT:?}",
            target.brokers
        );
        tokio::time::sleep(BACKOFF).await;
    }
}

/// One producer: writes `p<id>-<n>` for n = 0, 1, ..., one at a time, spreading them over the
/// partitions, until told to stop.
async fn produce(id: usize, target: Target, recorder: Recorder, stop: Arc<AtomicBool>) {
    let producer = connect_idempotent(&target).await;
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let partition = ((n + id as u64) % target.partitions as u64) as u32;
        write_one(&recorder, id, n, partition, |record| {
            producer.send(vec![record])
        })
        .await;
        n += 1;
    }
}

/// One pinned producer: writes `p<id>-<n>` like [`produce`], each straight to the broker at
/// `url`, whether it leads the partition or not (NOT_LEADER is its answer then). It reconnects
/// when the connection breaks, and never retries a write.
async fn produce_pinned(
    id: usize,
    url: String,
    target: Target,
    recorder: Recorder,
    stop: Arc<AtomicBool>,
) {
    let mut client: Option<Client> = None;
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let connected = match &client {
            Some(client) => client.clone(),
            None => match tokio::time::timeout(CONNECT_TIMEOUT, Client::connect(&url)).await {
                Ok(Ok(connected)) => client.insert(connected).clone(),
                _ => {
                    tokio::time::sleep(BACKOFF).await;
                    continue;
                }
            },
        };
        let partition = (n % target.partitions as u64) as u32;
        let connection_broke = write_one(&recorder, id, n, partition, |record| {
            connected.produce(&target.topic, vec![record])
        })
        .await;
        if connection_broke {
            client = None;
        }
        n += 1;
    }
}

/// Writes `p<producer>-<n>` to `partition` through `send`, records the write, and waits as
/// long as its outcome calls for (the pace after an acknowledgement, a backoff otherwise).
/// Returns whether the connection broke.
async fn write_one<Fut>(
    recorder: &Recorder,
    producer: usize,
    n: u64,
    partition: u32,
    send: impl FnOnce(ProducerRecord) -> Fut,
) -> bool
where
    Fut: Future<Output = Result<Vec<ProducedPosition>, ClientError>>,
{
    let value = format!("p{producer}-{n}");
    let record = ProducerRecord {
        value: Bytes::from(value.clone()),
        partition: Some(partition),
        ..ProducerRecord::default()
    };
    let invoked_at = recorder.now();
    let answer = tokio::time::timeout(WRITE_TIMEOUT, send(record)).await;
    let connection_broke = matches!(&answer, Ok(Err(e)) if e.is_connection_failure());
    let outcome = outcome_of(answer);
    let acknowledged = matches!(outcome, Outcome::Ok { .. });
    recorder.write(Write {
        producer,
        value,
        partition,
        invoked_at,
        completed_at: recorder.now(),
        outcome,
    });
    tokio::time::sleep(if acknowledged { WRITE_PACE } else { BACKOFF }).await;
    connection_broke
}

/// What a write's answer says about it: conservatively, anything but an acknowledgement or a
/// refusal the broker makes from the request alone (so before appending) is indeterminate.
pub fn outcome_of(
    answer: Result<Result<Vec<ProducedPosition>, ClientError>, tokio::time::error::Elapsed>,
) -> Outcome {
    match answer {
        Err(_) => Outcome::Info(format!("no answer within {WRITE_TIMEOUT:?}")),
        Ok(Ok(positions)) => match positions.as_slice() {
            [position] => Outcome::Ok {
                partition: position.partition,
                offset: position.offset,
            },
            other => Outcome::Info(format!("acknowledged with positions {other:?}")),
        },
        Ok(Err(e)) if certainly_not_written(&e) => Outcome::Fail(e.to_string()),
        // NOT_LEADER, UNAVAILABLE and broken connections are what the routed producer retries:
        // its last answer says nothing of the attempts before, one of which may have appended.
        Ok(Err(e)) => Outcome::Info(format!("{:?}: {e}", e.code())),
    }
}

fn certainly_not_written(error: &ClientError) -> bool {
    use tonic::Code;
    match error {
        ClientError::InvalidAddress { .. } | ClientError::InvalidTls(_) => true,
        ClientError::Status(status) => matches!(
            status.code(),
            Code::InvalidArgument | Code::NotFound | Code::PermissionDenied | Code::Unauthenticated
        ),
        ClientError::Unreachable { .. } | ClientError::BadBatch(_) => false,
    }
}

/// The consumer of one partition: reads from offset 0 at the partition's leader, records every
/// record delivered, and goes on from the offset after the last one, through failovers, until
/// told to stop.
async fn follow(
    partition: u32,
    target: Target,
    recorder: Recorder,
    stop: Arc<AtomicBool>,
    positions: Arc<Vec<AtomicU64>>,
) {
    let router = connect_router(&target.brokers).await;
    let mut reader = LeaderReader::new(router.clone(), &target.topic, partition);
    let mut next = 0;
    while !stop.load(Ordering::Relaxed) {
        let fetched = tokio::time::timeout(
            FETCH_TIMEOUT,
            reader.fetch(next, Some(FETCH_MAX_RECORDS), FETCH_WAIT_MS),
        )
        .await;
        match fetched {
            Ok(Ok(batch)) => {
                for record in batch.records {
                    // What a consumer does: its position is the offset after the last record.
                    next = record.offset + 1;
                    let value = String::from_utf8_lossy(&record.value).into_owned();
                    recorder.delivered(partition, record.offset, value);
                }
                positions[partition as usize].store(next, Ordering::Relaxed);
            }
            Ok(Err(_)) | Err(_) => {
                // The leader may be paused or cut off without the connection breaking: look
                // for the leader afresh (bounded: the refresh itself may ask that broker).
                tokio::time::sleep(BACKOFF).await;
                let _ = tokio::time::timeout(FETCH_TIMEOUT, router.refresh(&router.view())).await;
                reader = LeaderReader::new(router.clone(), &target.topic, partition);
            }
        }
    }
}
