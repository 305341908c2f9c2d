//! `flashq bench load`: many producers and many consumers on one broker at once, for a while,
//! checking that every acknowledged record reaches its consumer exactly once and in order.
//!
//! Producer `p` writes partition `p % partitions`; each value carries its send time, its
//! producer and a sequence number. Consumer `c` subscribes to the partitions `q` with
//! `q % consumers == c`, from the end they had when the run started, and checks every
//! producer's sequence: the next record must be exactly the next number. When the producers
//! stop (and have every acknowledgement), the consumers drain until each has everything its
//! producers had acknowledged, or the drain timeout passes.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::cli::{CliError, ExitCode};
use crate::client::{BrokerTarget, Offset, ProducerRecord};

use super::produce::ensure_topic;
use super::progress::{records_bar, show_bandwidth};
use super::report::{BenchReport, LatencyUs};
use super::{BenchArgs, batch_ticker, next_batch_len, peak_rss_kib};

/// How long the consumers may take to receive what was acknowledged once the producers stop.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);
/// Value bytes the check needs: send time (8), producer (4), sequence (8).
pub const MIN_LOAD_RECORD_BYTES: usize = 20;

/// Counters shared by every task of the run.
struct Shared {
    /// Per producer: records acknowledged.
    acked: Vec<AtomicU64>,
    /// Set once every producer has all its acknowledgements.
    producers_done: AtomicBool,
    delivered: AtomicU64,
    delivered_bytes: AtomicU64,
    /// Records that were not the next in their producer's sequence (duplicated, reordered, or
    /// after a gap).
    out_of_order: AtomicU64,
}

pub async fn run(
    target: &BrokerTarget,
    topic: &str,
    args: &BenchArgs,
    show_progress: bool,
) -> anyhow::Result<BenchReport> {
    if args.record_size < MIN_LOAD_RECORD_BYTES {
        return Err(CliError::new(
            ExitCode::Usage,
            format!("bench load needs --record-size of at least {MIN_LOAD_RECORD_BYTES}"),
        )
        .into());
    }
    let client = target.connect().await?;
    ensure_topic(&client, topic, args).await?;
    let partitions = client.describe_topic(topic).await?.partitions;
    let shared = Arc::new(Shared {
        acked: (0..args.producers).map(|_| AtomicU64::new(0)).collect(),
        producers_done: AtomicBool::new(false),
        delivered: AtomicU64::new(0),
        delivered_bytes: AtomicU64::new(0),
        out_of_order: AtomicU64::new(0),
    });
    let epoch = Instant::now();

    let mut consumers = tokio::task::JoinSet::new();
    for consumer in 0..args.consumers {
        let mine: Vec<u32> = (0..partitions)
            .filter(|p| *p as usize % args.consumers == consumer)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let client = target.connect().await?;
        // Start at each partition's end now, so only this run's records are counted.
        let mut starts = Vec::with_capacity(mine.len());
        for &partition in &mine {
            let end = client.list_offset(topic, partition, Offset::Latest).await?;
            starts.push((partition, Offset::At(end.end_offset)));
        }
        let producers: Vec<usize> = (0..args.producers)
            .filter(|p| mine.contains(&((*p as u32) % partitions)))
            .collect();
        let subscription = client.subscribe(topic, starts, Offset::Latest).await?;
        consumers.spawn(consume(subscription, producers, shared.clone(), epoch));
    }

    let bar = records_bar(None, show_progress);
    let deadline = args.duration.map(|d| Instant::now() + d);
    let mut producers = tokio::task::JoinSet::new();
    for producer in 0..args.producers {
        let share = args.records / args.producers as u64
            + u64::from((producer as u64) < args.records % args.producers as u64);
        let client = target.connect().await?;
        let (topic, args, shared) = (topic.to_string(), args.clone(), shared.clone());
        producers.spawn(async move {
            let partition = producer as u32 % partitions;
            let (sender, mut acks) = client.produce_stream(&topic).await?;
            let ack_shared = shared.clone();
            let acked = tokio::spawn(async move {
                while let Some(positions) = acks.next().await? {
                    ack_shared.acked[producer].fetch_add(positions.len() as u64, Ordering::Relaxed);
                }
                Ok::<_, anyhow::Error>(())
            });
            let mut ticker = batch_ticker(&args);
            let mut sequence = 0u64;
            while let Some(count) = next_batch_len(&args, deadline, sequence, share) {
                if let Some(ticker) = ticker.as_mut() {
                    ticker.tick().await;
                }
                let sent_ns = epoch.elapsed().as_nanos() as u64;
                let batch: Vec<ProducerRecord> = (sequence..sequence + count)
                    .map(|seq| ProducerRecord {
                        value: load_value(args.record_size, sent_ns, producer as u32, seq),
                        partition: Some(partition),
                        ..Default::default()
                    })
                    .collect();
                if !sender.send(batch).await {
                    break;
                }
                sequence += count;
            }
            drop(sender);
            acked.await??;
            Ok::<_, anyhow::Error>(sequence)
        });
    }

    let (ticker_bar, ticker_shared) = (bar.clone(), shared.clone());
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            ticker_bar.set_position(ticker_shared.delivered.load(Ordering::Relaxed));
            show_bandwidth(
                &ticker_bar,
                ticker_shared.delivered_bytes.load(Ordering::Relaxed),
            );
        }
    });
    let mut sent = 0u64;
    let mut producer_error = None;
    while let Some(result) = producers.join_next().await {
        match result? {
            Ok(n) => sent += n,
            Err(e) => producer_error = producer_error.or(Some(e)),
        }
    }
    let produced_for = epoch.elapsed();
    shared.producers_done.store(true, Ordering::Release);
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000_000, 3)?;
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while let Some(result) = consumers.join_next().await {
            histogram.add(result??)?;
        }
        Ok::<_, anyhow::Error>(())
    })
    .await;
    ticker.abort();
    bar.finish_and_clear();

    let acked: u64 = shared.acked.iter().map(|a| a.load(Ordering::Relaxed)).sum();
    let delivered = shared.delivered.load(Ordering::Relaxed);
    let out_of_order = shared.out_of_order.load(Ordering::Relaxed);
    let mut report = BenchReport::new(
        "load",
        delivered,
        shared.delivered_bytes.load(Ordering::Relaxed),
        produced_for,
    );
    report.latency_us = Some(LatencyUs::from_ns(
        &histogram,
        "record sent -> its consumer has it",
    ));
    report.peak_rss_kib = peak_rss_kib();
    report.record_size = args.record_size;
    report.batch_size = args.batch_size;
    report.partitions = partitions;
    report.notes.push(format!(
        "{} producers, {} consumers (subscriptions), {partitions} partitions, {:.1} s of producing",
        args.producers,
        args.consumers,
        produced_for.as_secs_f64()
    ));
    report.notes.push(format!(
        "sent {sent}, acknowledged {acked}, delivered {delivered}, lost {}, out of order {out_of_order}",
        acked.saturating_sub(delivered)
    ));
    let failure = match (drained, producer_error) {
        (_, Some(e)) => Some(format!("a producer failed: {e:#}")),
        (Err(_), _) => Some(format!(
            "the consumers did not receive every acknowledged record within {DRAIN_TIMEOUT:?}"
        )),
        (Ok(Err(e)), _) => Some(format!("a consumer failed: {e:#}")),
        (Ok(Ok(())), None) if delivered < acked || out_of_order > 0 => Some(format!(
            "{} acknowledged records were not delivered and {out_of_order} came out of order",
            acked.saturating_sub(delivered)
        )),
        _ => None,
    };
    if let Some(failure) = failure {
        report.notes.push(format!("FAILED: {failure}"));
        report.failure = Some(failure);
    }
    Ok(report)
}

/// One consumer: reads its partitions, checks each producer's sequence, and returns the
/// end-to-end latencies (ns) once it has everything its producers had acknowledged.
async fn consume(
    mut subscription: crate::client::Subscription,
    producers: Vec<usize>,
    shared: Arc<Shared>,
    epoch: Instant,
) -> anyhow::Result<Histogram<u64>> {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000_000, 3)?;
    let mut next: HashMap<u32, u64> = producers.iter().map(|&p| (p as u32, 0)).collect();
    let has_everything = |next: &HashMap<u32, u64>| {
        shared.producers_done.load(Ordering::Acquire)
            && producers
                .iter()
                .all(|&p| next[&(p as u32)] >= shared.acked[p].load(Ordering::Relaxed))
    };
    let mut check = tokio::time::interval(Duration::from_millis(50));
    loop {
        if has_everything(&next) {
            return Ok(histogram);
        }
        let batch = tokio::select! {
            batch = subscription.next() => batch?,
            _ = check.tick() => continue,
        };
        let Some(batch) = batch else {
            anyhow::bail!("the subscription ended");
        };
        let now = epoch.elapsed().as_nanos() as u64;
        let mut bytes = 0;
        for record in &batch.records {
            let Some((sent_ns, producer, seq)) = parse_value(&record.value) else {
                shared.out_of_order.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            match next.get_mut(&producer) {
                Some(expected) if *expected == seq => *expected += 1,
                _ => {
                    shared.out_of_order.fetch_add(1, Ordering::Relaxed);
                }
            }
            histogram.saturating_record(now.saturating_sub(sent_ns).max(1));
            bytes += record.value.len() as u64;
        }
        shared
            .delivered
            .fetch_add(batch.records.len() as u64, Ordering::Relaxed);
        shared.delivered_bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// A value of `size` bytes: send time (ns), producer and sequence, big-endian, then padding.
fn load_value(size: usize, sent_ns: u64, producer: u32, seq: u64) -> bytes::Bytes {
    let mut value = vec![b'x'; size];
    value[..8].copy_from_slice(&sent_ns.to_be_bytes());
    value[8..12].copy_from_slice(&producer.to_be_bytes());
    value[12..20].copy_from_slice(&seq.to_be_bytes());
    bytes::Bytes::from(value)
}

fn parse_value(value: &[u8]) -> Option<(u64, u32, u64)> {
    Some((
        u64::from_be_bytes(value.get(..8)?.try_into().ok()?),
        u32::from_be_bytes(value.get(8..12)?.try_into().ok()?),
        u64::from_be_bytes(value.get(12..20)?.try_into().ok()?),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_carry_time_producer_and_sequence() {
        let value = load_value(100, 7, 3, 42);
        assert_eq!(value.len(), 100);
        assert_eq!(parse_value(&value), Some((7, 3, 42)));
        assert_eq!(parse_value(&value[..19]), None);
    }
}
