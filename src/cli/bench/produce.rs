//! `flashq bench produce`: producers stream batches as fast as acks allow (or at --rate).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::client::{
    BrokerTarget, Client, ClientError, ProducerRecord, ProducerSession, TopicSettings,
};

use super::progress::{records_bar, show_bandwidth};
use super::report::{BenchReport, LatencyUs};
use super::{BenchArgs, batch_ticker, next_batch_len, stamped_value};

/// Creates the benchmark topic (with `--partitions` and `--replication-factor`); an existing one
/// is used as it is.
pub async fn ensure_topic(
    client: &Client,
    topic: &str,
    args: &BenchArgs,
) -> Result<(), ClientError> {
    match client
        .create_replicated_topic(
            topic,
            Some(args.partitions),
            args.replication_factor,
            TopicSettings::default(),
        )
        .await
    {
        Err(e) if e.code() == Some(crate::client::StatusCode::AlreadyExists) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// How long the bench waits for a new topic's partitions to have leaders in a cluster.
const LEADERS_TIMEOUT_MS: u64 = 10_000;

/// Where each partition's batches go: the brokers that lead them, and each partition's broker
/// (an index into `leaders`). A single broker leads everything.
#[derive(Debug, Clone)]
pub struct LeaderRoutes {
    pub leaders: Vec<String>,
    pub route: Vec<usize>,
}

impl LeaderRoutes {
    /// The leaders of `topic`'s `partitions` partitions as the connected broker's metadata
    /// names them, waiting for a new topic's leaders; everything to `target` on a single broker.
    pub async fn find(
        client: &Client,
        target: &BrokerTarget,
        topic: &str,
        partitions: u32,
    ) -> anyhow::Result<LeaderRoutes> {
        let deadline = Instant::now() + Duration::from_millis(LEADERS_TIMEOUT_MS);
        loop {
            let metadata = client.metadata().await?;
            if !metadata.clustered {
                return Ok(LeaderRoutes {
                    leaders: vec![target.address.clone()],
                    route: vec![0; partitions as usize],
                });
            }
            let mut leaders: Vec<String> = Vec::new();
            let mut route = Vec::with_capacity(partitions as usize);
            for partition in 0..partitions {
                let crate::client::cluster::LeaderLookup::Leader(broker) =
                    metadata.leader_of(topic, partition)
                else {
                    break;
                };
                let at = match leaders.iter().position(|a| *a == broker.address) {
                    Some(at) => at,
                    None => {
                        leaders.push(broker.address.clone());
                        leaders.len() - 1
                    }
                };
                route.push(at);
            }
            if route.len() == partitions as usize {
                return Ok(LeaderRoutes { leaders, route });
            }
            if Instant::now() >= deadline {
                anyhow::bail!(
                    "topic {topic}: not every partition has a leader after {} s",
                    LEADERS_TIMEOUT_MS / 1000
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Counters shared by the producers, for progress.
#[derive(Default)]
struct Progress {
    records: AtomicU64,
    bytes: AtomicU64,
}

pub async fn run(
    target: &BrokerTarget,
    topic: &str,
    args: &BenchArgs,
    show_progress: bool,
) -> anyhow::Result<BenchReport> {
    let client = target.connect().await?;
    ensure_topic(&client, topic, args).await?;
    let routes = LeaderRoutes::find(&client, target, topic, args.partitions).await?;
    let total = args.duration.is_none().then_some(args.records);
    let bar = records_bar(total, show_progress);
    let progress = Arc::new(Progress::default());
    let deadline = args.duration.map(|d| Instant::now() + d);
    let epoch = Instant::now();
    let mut producers = tokio::task::JoinSet::new();
    for producer in 0..args.producers {
        let share = args.records / args.producers as u64
            + u64::from((producer as u64) < args.records % args.producers as u64);
        // One connection per leader, per producer.
        let mut clients = Vec::with_capacity(routes.leaders.len());
        for leader in &routes.leaders {
            clients.push(target.at(leader).connect().await?);
        }
        let route = routes.route.clone();
        let args = args.clone();
        let topic = topic.to_string();
        let progress = progress.clone();
        producers.spawn(async move {
            let share = Share {
                records: share,
                deadline,
                epoch,
                producer,
            };
            produce_share(clients, route, &topic, &args, share, progress).await
        });
    }
    let ticker_bar = bar.clone();
    let ticker_progress = progress.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            ticker_bar.set_position(ticker_progress.records.load(Ordering::Relaxed));
            show_bandwidth(&ticker_bar, ticker_progress.bytes.load(Ordering::Relaxed));
        }
    });
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000_000, 3)?;
    while let Some(result) = producers.join_next().await {
        histogram.add(result??)?;
    }
    let elapsed = epoch.elapsed();
    ticker.abort();
    bar.finish_and_clear();
    let records = progress.records.load(Ordering::Relaxed);
    let mut report = BenchReport::new(
        "produce",
        records,
        progress.bytes.load(Ordering::Relaxed),
        elapsed,
    );
    report.latency_us = Some(LatencyUs::from_ns(&histogram, "batch sent -> acknowledged"));
    report.record_size = args.record_size;
    report.batch_size = args.batch_size;
    report.partitions = args.partitions;
    report.notes.push(format!(
        "{} producer(s), ordered produce streams, topic {topic}",
        args.producers
    ));
    Ok(report)
}

/// One producer's part of the run.
struct Share {
    /// Records to send, unless the run has a deadline.
    records: u64,
    deadline: Option<Instant>,
    /// When the run began: record values carry their send time from it.
    epoch: Instant,
    /// This producer's number: it starts its batches at partition `producer`.
    producer: usize,
}

/// Keys `key-0` .. `key-<count - 1>` in turn, each record to its key's partition (the broker's
/// partitioner, as `flashq produce --key` places it).
struct KeyCycle {
    /// Each key and its partition.
    keys: Vec<(bytes::Bytes, u32)>,
    next: usize,
}

impl KeyCycle {
    fn new(count: u64, partitions: u32) -> KeyCycle {
        let keys = (0..count.max(1))
            .map(|k| {
                let key = bytes::Bytes::from(format!("key-{k}"));
                let partition =
                    crate::protocol::partitioner::partition_for_key(&key, partitions.max(1));
                (key, partition)
            })
            .collect();
        KeyCycle { keys, next: 0 }
    }

    /// The next `records` keyed records, grouped into one batch per partition (in the order the
    /// partitions first appear).
    fn batches(&mut self, records: u64, value: &bytes::Bytes) -> Vec<(u32, Vec<ProducerRecord>)> {
        let mut batches: Vec<(u32, Vec<ProducerRecord>)> = Vec::new();
        for _ in 0..records {
            let (key, partition) = &self.keys[self.next];
            self.next = (self.next + 1) % self.keys.len();
            let record = ProducerRecord {
                key: Some(key.clone()),
                value: value.clone(),
                partition: Some(*partition),
                ..Default::default()
            };
            match batches.iter_mut().find(|(p, _)| p == partition) {
                Some((_, batch)) => batch.push(record),
                None => batches.push((*partition, vec![record])),
            }
        }
        batches
    }
}

/// One produce stream to one leader, and the task reading its acknowledgements.
struct LeaderStream {
    sender: crate::client::ProduceSender,
    sent_at: tokio::sync::mpsc::UnboundedSender<Instant>,
    acks: tokio::task::JoinHandle<anyhow::Result<Histogram<u64>>>,
}

impl LeaderStream {
    async fn open(
        client: &Client,
        topic: &str,
        session: Option<Arc<ProducerSession>>,
        record_bytes: u64,
        progress: Arc<Progress>,
    ) -> anyhow::Result<LeaderStream> {
        let (sender, mut acks) = client.produce_stream_as(topic, session).await?;
        let (sent_at, mut sent_rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
        let acks = tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000_000, 3)?;
            while let Some(positions) = acks.next().await? {
                // Every batch's send time is queued before the batch is sent, and acks come in
                // order.
                if let Some(sent_at) = sent_rx.recv().await {
                    histogram.saturating_record(sent_at.elapsed().as_nanos().max(1) as u64);
                }
                progress
                    .records
                    .fetch_add(positions.len() as u64, Ordering::Relaxed);
                progress
                    .bytes
                    .fetch_add(positions.len() as u64 * record_bytes, Ordering::Relaxed);
            }
            Ok::<_, anyhow::Error>(histogram)
        });
        Ok(LeaderStream {
            sender,
            sent_at,
            acks,
        })
    }
}

/// Sends a share of the records (or until the deadline), each partition's batches on the
/// stream to its leader (`clients[route[partition]]`); returns ack latencies (ns).
async fn produce_share(
    clients: Vec<Client>,
    route: Vec<usize>,
    topic: &str,
    args: &BenchArgs,
    share: Share,
    progress: Arc<Progress>,
) -> anyhow::Result<Histogram<u64>> {
    // Idempotent unless --no-idempotence, as `flashq produce` is: every batch stamped. One
    // session serves every leader (producer ids are cluster-wide).
    let session = match args.no_idempotence {
        true => None,
        false => Some(Arc::new(ProducerSession::start(&clients[0]).await?)),
    };
    let mut streams = Vec::with_capacity(clients.len());
    for client in &clients {
        let stream = LeaderStream::open(
            client,
            topic,
            session.clone(),
            args.record_size as u64,
            progress.clone(),
        )
        .await?;
        streams.push(stream);
    }
    let mut ticker = batch_ticker(args);
    let mut sent = 0u64;
    let mut batch_number = share.producer as u64;
    let mut keys = args.keys.map(|count| KeyCycle::new(count, args.partitions));
    'batches: while let Some(remaining) = next_batch_len(args, share.deadline, sent, share.records)
    {
        if let Some(ticker) = ticker.as_mut() {
            ticker.tick().await;
        }
        let value = stamped_value(args.record_size, share.epoch.elapsed().as_nanos() as u64);
        let batches = match keys.as_mut() {
            Some(keys) => keys.batches(remaining, &value),
            None => {
                let partition = (batch_number % u64::from(args.partitions)) as u32;
                batch_number += args.producers as u64;
                let batch = (0..remaining)
                    .map(|_| ProducerRecord {
                        value: value.clone(),
                        partition: Some(partition),
                        ..Default::default()
                    })
                    .collect();
                vec![(partition, batch)]
            }
        };
        for (partition, batch) in batches {
            let stream = &streams[route[partition as usize]];
            let _ = stream.sent_at.send(Instant::now());
            if !stream.sender.send(batch).await {
                break 'batches;
            }
        }
        sent += remaining;
    }
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000_000, 3)?;
    for stream in streams {
        drop(stream.sender);
        drop(stream.sent_at);
        histogram.add(stream.acks.await??)?;
    }
    Ok(histogram)
}

/// Produces `records` records to `topic` as fast as possible (used to fill before consuming),
/// each partition's to its leader.
pub async fn fill(
    client: &Client,
    target: &BrokerTarget,
    topic: &str,
    records: u64,
    args: &BenchArgs,
) -> anyhow::Result<()> {
    let routes = LeaderRoutes::find(client, target, topic, args.partitions.max(1)).await?;
    let progress = Arc::new(Progress::default());
    let mut streams = Vec::with_capacity(routes.leaders.len());
    for leader in &routes.leaders {
        let client = target.at(leader).connect().await?;
        let stream = LeaderStream::open(&client, topic, None, 0, progress.clone()).await?;
        streams.push(stream);
    }
    let value = stamped_value(args.record_size, 0);
    let mut sent = 0;
    let mut partition = 0u32;
    while sent < records {
        let n = (records - sent).min(args.batch_size as u64);
        let batch = (0..n)
            .map(|_| ProducerRecord {
                value: value.clone(),
                partition: Some(partition),
                ..Default::default()
            })
            .collect();
        let stream = &streams[routes.route[partition as usize]];
        let _ = stream.sent_at.send(Instant::now());
        if !stream.sender.send(batch).await {
            break;
        }
        partition = (partition + 1) % args.partitions.max(1);
        sent += n;
    }
    for stream in streams {
        drop(stream.sender);
        drop(stream.sent_at);
        stream.acks.await??;
    }
    Ok(())
}
