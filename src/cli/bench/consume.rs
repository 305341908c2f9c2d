//! `flashq bench consume`: consumers fetch partitions from the beginning to the end offsets
//! seen at start; the topic is filled first when it holds fewer than --records.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::client::{BrokerTarget, Offset};

use super::progress::{records_bar, show_bandwidth};
use super::report::{BenchReport, LatencyUs};
use super::{BenchArgs, produce};

/// Records asked for per fetch.
const FETCH_MAX_RECORDS: u32 = 10_000;

pub async fn run(
    target: &BrokerTarget,
    topic: &str,
    args: &BenchArgs,
    show_progress: bool,
) -> anyhow::Result<BenchReport> {
    let client = target.connect().await?;
    produce::ensure_topic(&client, topic, args).await?;
    let info = client.describe_topic(topic).await?;
    let stored: u64 = info
        .partition_details
        .iter()
        .map(|p| p.end_offset - p.start_offset)
        .sum();
    if stored < args.records {
        if show_progress {
            eprintln!(
                "filling {topic} with {} records first",
                args.records - stored
            );
        }
        produce::fill(&client, target, topic, args.records - stored, args).await?;
    }
    let info = client.describe_topic(topic).await?;
    // In a cluster each partition is read from its leader, up to the end its leader has.
    let routes = produce::LeaderRoutes::find(&client, target, topic, info.partitions).await?;
    let mut described = Vec::with_capacity(routes.leaders.len());
    for leader in &routes.leaders {
        described.push(
            target
                .at(leader)
                .connect()
                .await?
                .describe_topic(topic)
                .await?,
        );
    }
    let bounds: Vec<(u32, u64, u64)> = (0..info.partitions)
        .filter_map(|partition| {
            described[routes.route[partition as usize]]
                .partition_details
                .iter()
                .find(|p| p.partition == partition)
                .map(|p| (partition, p.start_offset, p.end_offset))
        })
        .collect();
    let total: u64 = bounds.iter().map(|(_, start, end)| end - start).sum();
    let bar = records_bar(Some(total), show_progress);
    let records = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut consumers = tokio::task::JoinSet::new();
    for consumer in 0..args.consumers {
        let partitions: Vec<(u32, u64, u64)> = bounds
            .iter()
            .copied()
            .filter(|(partition, _, _)| *partition as usize % args.consumers == consumer)
            .collect();
        let mut clients = Vec::with_capacity(routes.leaders.len());
        for leader in &routes.leaders {
            clients.push(target.at(leader).connect().await?);
        }
        let route = routes.route.clone();
        let topic = topic.to_string();
        let (records, bytes) = (records.clone(), bytes.clone());
        consumers.spawn(async move {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000_000, 3)?;
            for (partition, start, end) in partitions {
                let mut next = start;
                while next < end {
                    let asked = Instant::now();
                    let batch = clients[route[partition as usize]]
                        .fetch(
                            &topic,
                            partition,
                            Offset::At(next),
                            Some(FETCH_MAX_RECORDS),
                            0,
                        )
                        .await?;
                    histogram.saturating_record(asked.elapsed().as_nanos().max(1) as u64);
                    let taken: Vec<_> = batch
                        .records
                        .iter()
                        .take_while(|r| r.offset < end)
                        .collect();
                    records.fetch_add(taken.len() as u64, Ordering::Relaxed);
                    bytes.fetch_add(
                        taken.iter().map(|r| r.value.len() as u64).sum(),
                        Ordering::Relaxed,
                    );
                    next = batch.next_offset;
                }
            }
            Ok::<_, anyhow::Error>(histogram)
        });
    }
    let (ticker_bar, ticker_records, ticker_bytes) = (bar.clone(), records.clone(), bytes.clone());
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            ticker_bar.set_position(ticker_records.load(Ordering::Relaxed));
            show_bandwidth(&ticker_bar, ticker_bytes.load(Ordering::Relaxed));
        }
    });
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000_000, 3)?;
    while let Some(result) = consumers.join_next().await {
        histogram.add(result??)?;
    }
    let elapsed = started.elapsed();
    ticker.abort();
    bar.finish_and_clear();
    let mut report = BenchReport::new(
        "consume",
        records.load(Ordering::Relaxed),
        bytes.load(Ordering::Relaxed),
        elapsed,
    );
    report.latency_us = Some(LatencyUs::from_ns(&histogram, "fetch request -> response"));
    report.record_size = args.record_size;
    report.batch_size = FETCH_MAX_RECORDS as usize;
    report.partitions = info.partitions;
    report.notes.push(format!(
        "{} consumer(s), fetches of up to {FETCH_MAX_RECORDS} records / 4 MiB",
        args.consumers
    ));
    Ok(report)
}
