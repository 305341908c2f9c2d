//! `flashq bench e2e`: latency from the moment a record is sent to the moment a subscriber has
//! it, at a steady --rate (default 10000 records/s).

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::client::{BrokerTarget, Offset, ProducerRecord};

use super::progress::{records_bar, show_bandwidth};
use super::report::{BenchReport, LatencyUs};
use super::{BenchArgs, produce, stamped_value};

/// The rate when --rate is not given.
const DEFAULT_E2E_RATE: u64 = 10_000;
/// How long the subscriber may take to receive the last record after the producer is done.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

pub async fn run(
    target: &BrokerTarget,
    topic: &str,
    args: &BenchArgs,
    show_progress: bool,
) -> anyhow::Result<BenchReport> {
    let rate = args.rate.unwrap_or(DEFAULT_E2E_RATE).max(1);
    let total = match args.duration {
        Some(d) => (rate as f64 * d.as_secs_f64()) as u64,
        None => args.records,
    };
    let client = target.connect().await?;
    produce::ensure_topic(&client, topic, args).await?;
    let mut subscription = client.subscribe(topic, vec![], Offset::Latest).await?;
    let bar = records_bar(Some(total), show_progress);
    let epoch = Instant::now();
    let receiver_bar = bar.clone();
    let record_bytes = args.record_size as u64;
    let receiver = tokio::spawn(async move {
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000_000, 3)?;
        let mut received = 0u64;
        while received < total {
            let Some(batch) = subscription.next().await? else {
                break;
            };
            let now = epoch.elapsed().as_nanos() as u64;
            for record in &batch.records {
                let sent = record
                    .value
                    .get(..8)
                    .and_then(|b| b.try_into().ok())
                    .map_or(now, u64::from_be_bytes);
                histogram.saturating_record(now.saturating_sub(sent).max(1));
                received += 1;
            }
            receiver_bar.set_position(received);
            show_bandwidth(&receiver_bar, received * record_bytes);
        }
        Ok::<_, anyhow::Error>((histogram, received))
    });

    // One batch per tick, records stamped with their own send time.
    let per_tick = (rate / 1000).clamp(1, args.batch_size as u64);
    let ticks_per_second = (rate as f64 / per_tick as f64).max(0.001);
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / ticks_per_second));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let (sender, mut acks) = client.produce_stream(topic).await?;
    let drain = tokio::spawn(async move { while let Ok(Some(_)) = acks.next().await {} });
    let mut sent = 0u64;
    let mut partition = 0u32;
    while sent < total {
        ticker.tick().await;
        let n = per_tick.min(total - sent);
        let batch: Vec<ProducerRecord> = (0..n)
            .map(|_| ProducerRecord {
                value: stamped_value(args.record_size, epoch.elapsed().as_nanos() as u64),
                partition: Some(partition),
                ..Default::default()
            })
            .collect();
        partition = (partition + 1) % args.partitions.max(1);
        if !sender.send(batch).await {
            break;
        }
        sent += n;
    }
    drop(sender);
    let (histogram, received) = tokio::time::timeout(DRAIN_TIMEOUT, receiver)
        .await
        .map_err(|_| {
            anyhow::anyhow!("the subscriber did not receive every record within {DRAIN_TIMEOUT:?}")
        })???;
    drain.abort();
    bar.finish_and_clear();
    let mut report = BenchReport::new("e2e", received, received * record_bytes, epoch.elapsed());
    report.latency_us = Some(LatencyUs::from_ns(
        &histogram,
        "record sent -> subscriber has it",
    ));
    report.record_size = args.record_size;
    report.batch_size = per_tick as usize;
    report.partitions = args.partitions;
    report
        .notes
        .push(format!("target rate {rate} records/s, one subscriber"));
    Ok(report)
}
