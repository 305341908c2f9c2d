//! `flashq subscribe`: records pushed by the broker as they are appended, until Ctrl-C,
//! SIGTERM or `--max`.
//!
//! Delivery is at-least-once across broker restarts: the command remembers, per partition, the
//! offset after the last record it printed, and when the stream breaks it reconnects with
//! backoff and resumes exactly there. Within one run nothing is printed twice; a record can only
//! be repeated when the subscriber itself restarts from an older position. In a cluster each
//! partition is streamed from its own leader and, when that stream breaks, from the new leader
//! at the next offset.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use crate::client::routed_fetch::LeaderSubscription;
use crate::client::{
    BrokerTarget, ClientError, ClusterRouter, ConsumedRecord, LeaderReader, Offset, Subscription,
};

use super::consume::print_batches;
use super::group_consumer::{self, GroupArgs, Source};
use super::record_format::{PrintArgs, RecordPrinter, write_or_closed};
use super::shutdown::shutdown_signal;
use super::start_args::StartArgs;
use super::{CliError, Context, ExitCode};

/// The first wait before reconnecting; it doubles up to [`MAX_RECONNECT_BACKOFF_MS`].
pub(super) const FIRST_RECONNECT_BACKOFF_MS: u64 = 100;
/// The longest wait between reconnection attempts.
pub(super) const MAX_RECONNECT_BACKOFF_MS: u64 = 2_000;
/// In a cluster, batches per partition that may wait for stdout.
const PENDING_BATCHES_PER_PARTITION: usize = 4;

#[derive(Debug, Args)]
pub struct SubscribeArgs {
    /// Topic to stream
    #[arg(short, long, add = clap_complete::ArgValueCandidates::new(super::completions::topic_names))]
    pub topic: String,
    /// Partition to stream (repeatable; default: all)
    #[arg(short, long)]
    pub partition: Vec<u32>,
    /// Where to start [default: --from-end, only new records]
    #[command(flatten)]
    pub start: StartArgs,
    /// Exit after N records
    #[arg(short = 'n', long, value_name = "N")]
    pub max: Option<u64>,
    #[command(flatten)]
    pub print: PrintArgs,
    /// Give up when the broker stays unreachable this long (like 30s) [default: keep trying]
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub give_up_after: Option<Duration>,
    #[command(flatten)]
    pub group: GroupArgs,
}

/// Where each partition resumes after a reconnect.
struct Resume {
    start: Offset,
    /// Partitions asked for; empty means all.
    partitions: Vec<u32>,
    next_offsets: BTreeMap<u32, u64>,
}

impl Resume {
    /// The request for the next connection: known partitions resume after what was printed.
    fn request(&self) -> Vec<(u32, Offset)> {
        if self.next_offsets.is_empty() {
            return self.partitions.iter().map(|&p| (p, self.start)).collect();
        }
        let mut partitions: BTreeMap<u32, Offset> =
            self.partitions.iter().map(|&p| (p, self.start)).collect();
        for (&p, &offset) in &self.next_offsets {
            partitions.insert(p, Offset::At(offset));
        }
        partitions.into_iter().collect()
    }
}

pub async fn run(args: SubscribeArgs, ctx: &Context) -> anyhow::Result<()> {
    let printer = args.print.printer(ctx.output.is_json())?;
    // As a group member: the group's partitions and offsets, committed on the way out.
    if let Some(options) = args.group.options(&args.topic, Source::Subscribe, args.max) {
        let client = ctx.connect().await?;
        if !ctx.quiet {
            eprintln!(
                "subscribed to {} in group {} (Ctrl-C to stop)",
                args.topic, options.group
            );
        }
        return group_consumer::run(client, options, &printer).await;
    }
    let mut resume = Resume {
        start: args.start.position(Offset::Latest)?,
        partitions: args.partition.clone(),
        next_offsets: BTreeMap::new(),
    };
    // The first connection fails fast, so a typo in --broker or --topic is reported at once.
    let client = ctx.connect().await?;
    let router = Arc::new(ClusterRouter::new(client.clone()).await?);
    if router.clustered() {
        return subscribe_at_leaders(router, &args, resume.start, &printer, ctx.quiet).await;
    }
    let subscription = client
        .subscribe(&args.topic, resume.request(), resume.start)
        .await?;

    if !ctx.quiet {
        eprintln!("subscribed to {} (Ctrl-C to stop)", args.topic);
    }
    let stop = shutdown_signal();
    tokio::pin!(stop);
    let mut out = std::io::stdout().lock();
    let mut buffer = Vec::new();
    let mut printed = 0u64;
    let max = args.max.unwrap_or(u64::MAX);
    let target = ctx.target()?;
    let mut current = Some(subscription);
    loop {
        let Some(subscription) = current.as_mut() else {
            tokio::select! {
                _ = &mut stop => return Ok(()),
                reconnected = reconnect(&target, &args, &resume) => {
                    current = Some(reconnected?);
                    continue;
                }
            }
        };
        let next = tokio::select! {
            _ = &mut stop => return Ok(()),
            next = subscription.next() => next,
        };
        let batch = match next {
            Ok(Some(batch)) => batch,
            Ok(None) | Err(ClientError::Unreachable { .. }) => {
                current = None;
                continue;
            }
            Err(e) if e.is_broker_gone() => {
                tracing::warn!(error = %e, "lost the broker; reconnecting");
                current = None;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        buffer.clear();
        for record in batch.records.iter().take((max - printed) as usize) {
            printer.write(&mut buffer, &args.topic, record);
            printed += 1;
            resume
                .next_offsets
                .insert(batch.partition, record.offset + 1);
        }
        if batch.records.is_empty() {
            resume
                .next_offsets
                .entry(batch.partition)
                .or_insert(batch.next_offset);
        }
        if !write_or_closed(&mut out, &buffer)? || printed >= max {
            return Ok(());
        }
    }
}

/// In a cluster: each partition streamed from its own leader, following leader changes, and
/// printed as batches arrive (in order per partition). A partition without a reachable leader
/// for `--give-up-after` ends the command with the last error.
async fn subscribe_at_leaders(
    router: Arc<ClusterRouter>,
    args: &SubscribeArgs,
    start: Offset,
    printer: &RecordPrinter,
    quiet: bool,
) -> anyhow::Result<()> {
    let partitions: Vec<u32> = if args.partition.is_empty() {
        (0..router.partition_count(&args.topic).await?).collect()
    } else {
        args.partition.clone()
    };
    let (batches_tx, mut batches) =
        tokio::sync::mpsc::channel(PENDING_BATCHES_PER_PARTITION * partitions.len().max(1));
    let mut readers = tokio::task::JoinSet::new();
    for partition in partitions {
        // Like the single-broker path: keep looking for a leader unless --give-up-after says.
        let mut reader = LeaderReader::new(router.clone(), &args.topic, partition)
            .retrying_within(args.give_up_after);
        // Resolved now, so a partition that does not exist fails at once and a new leader
        // resumes from an offset, not from "the end" as it sees it.
        let start = reader.list_offset(start).await?;
        let start = start.resolved_offset.unwrap_or(start.end_offset);
        let subscription = LeaderSubscription::new(reader, start);
        readers.spawn(forward_subscription(subscription, batches_tx.clone()));
    }
    drop(batches_tx);
    if !quiet {
        eprintln!("subscribed to {} (Ctrl-C to stop)", args.topic);
    }
    let printed = print_batches(
        &mut batches,
        printer,
        &args.topic,
        args.max,
        shutdown_signal(),
    )
    .await;
    readers.abort_all();
    printed
}

/// Forwards one partition's batches from its leader, in order, until the receiver is gone or
/// the leader cannot be found again (that error is forwarded).
pub(super) async fn forward_subscription(
    mut subscription: LeaderSubscription,
    batches: tokio::sync::mpsc::Sender<anyhow::Result<Vec<ConsumedRecord>>>,
) {
    loop {
        let records = match subscription.next().await {
            Ok(batch) => batch.records,
            Err(e) => {
                let _ = batches.send(Err(e.into())).await;
                return;
            }
        };
        if !records.is_empty() && batches.send(Ok(records)).await.is_err() {
            return;
        }
    }
}

/// Connects and subscribes again, with doubling backoff, until it works or `--give-up-after`.
async fn reconnect(
    broker: &BrokerTarget,
    args: &SubscribeArgs,
    resume: &Resume,
) -> anyhow::Result<Subscription> {
    let started = tokio::time::Instant::now();
    let mut backoff = Duration::from_millis(FIRST_RECONNECT_BACKOFF_MS);
    loop {
        tokio::time::sleep(backoff).await;
        let attempt = async {
            let client = broker.connect().await?;
            client
                .subscribe(&args.topic, resume.request(), resume.start)
                .await
        };
        match attempt.await {
            Ok(subscription) => {
                eprintln!("reconnected to {}; resuming {}", broker.address, args.topic);
                return Ok(subscription);
            }
            Err(ClientError::Unreachable { .. }) => {}
            Err(e) if e.is_broker_gone() => {}
            Err(e) => return Err(e.into()),
        }
        if args
            .give_up_after
            .is_some_and(|limit| started.elapsed() >= limit)
        {
            return Err(CliError::new(
                ExitCode::Unreachable,
                format!(
                    "broker at {} unreachable for {:?}; giving up",
                    broker.address,
                    started.elapsed()
                ),
            )
            .into());
        }
        backoff = (backoff * 2).min(Duration::from_millis(MAX_RECONNECT_BACKOFF_MS));
    }
}
