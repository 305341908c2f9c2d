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

/// Creates the benchmark topic; an existing one is used as it is.
pub async fn ensure_topic(
    client: &Client,
    topic: &str,
    partitions: u32,
) -> Result<(), ClientError> {
    match client
        .create_topic(topic, Some(partitions), TopicSettings::default())
        .await
    {
        Err(e) if e.code() == Some(crate::client::StatusCode::AlreadyExists) => Ok(()),
        other => other.map(|_| ()),
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
    ensure_topic(&client, topic, args.partitions).await?;
    let total = args.duration.is_none().then_some(args.records);
    let bar = records_bar(total, show_progress);
    let progress = Arc::new(Progress::default());
    let deadline = args.duration.map(|d| Instant::now() + d);
    let epoch = Instant::now();
    let mut producers = tokio::task::JoinSet::new();
    for producer in 0..args.producers {
        let share = args.records / args.producers as u64
            + u64::from((producer as u64) < args.records % args.producers as u64);
        let client = target.connect().await?;
        let args = args.clone();
        let topic = topic.to_string();
        let progress = progress.clone();
        producers.spawn(async move {
            produce_share(
                client, &topic, &args, share, deadline, epoch, producer, progress,
            )
            .await
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

/// Sends `share` records (or until `deadline`) on one produce stream; returns ack latencies (ns).
#[allow(clippy::too_many_arguments)]
async fn produce_share(
    client: Client,
    topic: &str,
    args: &BenchArgs,
    share: u64,
    deadline: Option<Instant>,
    epoch: Instant,
    producer: usize,
    progress: Arc<Progress>,
) -> anyhow::Result<Histogram<u64>> {
    // Idempotent unless --no-idempotence, as `flashq produce` is: every batch stamped.
    let session = match args.no_idempotence {
        true => None,
        false => Some(Arc::new(ProducerSession::start(&client).await?)),
    };
    let (sender, mut acks) = client.produce_stream_as(topic, session).await?;
    let (sent_tx, mut sent_rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let ack_progress = progress.clone();
    let record_bytes = args.record_size as u64;
    let ack_task = tokio::spawn(async move {
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000_000, 3)?;
        while let Some(positions) = acks.next().await? {
            // Every batch's send time is queued before the batch is sent, and acks come in order.
            if let Some(sent_at) = sent_rx.recv().await {
                histogram.saturating_record(sent_at.elapsed().as_nanos().max(1) as u64);
            }
            ack_progress
                .records
                .fetch_add(positions.len() as u64, Ordering::Relaxed);
            ack_progress
                .bytes
                .fetch_add(positions.len() as u64 * record_bytes, Ordering::Relaxed);
        }
        Ok::<_, anyhow::Error>(histogram)
    });
    let mut ticker = batch_ticker(args);
    let mut sent = 0u64;
    let mut batch_number = producer as u64;
    while let Some(remaining) = next_batch_len(args, deadline, sent, share) {
        if let Some(ticker) = ticker.as_mut() {
            ticker.tick().await;
        }
        let value = stamped_value(args.record_size, epoch.elapsed().as_nanos() as u64);
        let partition = (batch_number % u64::from(args.partitions)) as u32;
        batch_number += args.producers as u64;
        let batch: Vec<ProducerRecord> = (0..remaining)
            .map(|_| ProducerRecord {
                value: value.clone(),
                partition: Some(partition),
                ..Default::default()
            })
            .collect();
        let _ = sent_tx.send(Instant::now());
        if !sender.send(batch).await {
            break;
        }
        sent += remaining;
    }
    drop(sender);
    drop(sent_tx);
    ack_task.await?
}

/// Produces `records` records to `topic` as fast as possible (used to fill before consuming).
pub async fn fill(
    client: &Client,
    topic: &str,
    records: u64,
    args: &BenchArgs,
) -> anyhow::Result<()> {
    let (sender, mut acks) = client.produce_stream(topic).await?;
    let acked = tokio::spawn(async move {
        let mut acked = 0u64;
        while let Some(positions) = acks.next().await? {
            acked += positions.len() as u64;
        }
        Ok::<_, ClientError>(acked)
    });
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
        if !sender.send(batch).await {
            break;
        }
        partition = (partition + 1) % args.partitions.max(1);
        sent += n;
    }
    drop(sender);
    acked.await??;
    Ok(())
}
