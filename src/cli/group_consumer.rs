//! Reading as a consumer-group member: the loop behind `flashq consume --group` and
//! `flashq subscribe --group`, and the flags both take ([`GroupArgs`]).
//!
//! One generation at a time: read the assigned partitions from the group's committed offsets (or
//! the reset policy where there are none), print, and commit the positions of printed records on
//! an interval. When the broker signals a rebalance, stop reading, commit, and join again; on
//! SIGINT/SIGTERM, at the end (without `--follow`) or after `--max` records, commit and leave the
//! group so the others take over at once. A record counts as read once it is written to stdout,
//! so in a clean run every record is printed exactly once across the group. When following, a
//! broker that goes away (restart, crash) is waited out and the member joins again; records it
//! printed after its last commit are then read again (at-least-once, as in Kafka).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::client::group::must_rejoin;
use crate::client::routed_fetch::LeaderSubscription;
use crate::client::{
    Client, ClientError, ClusterRouter, ConsumedRecord, GroupMember, JoinOptions, LeaderReader,
    Offset, OffsetToCommit,
};

use super::consume::read_partition;
use super::record_format::{RecordPrinter, write_or_closed};
use super::subscribe::{
    FIRST_RECONNECT_BACKOFF_MS, MAX_RECONNECT_BACKOFF_MS, forward_subscription,
};

/// Default for `--auto-commit-interval-ms`, like Kafka's `auto.commit.interval.ms`.
pub const DEFAULT_AUTO_COMMIT_INTERVAL_MS: u64 = 5_000;
/// How long a stop during the first join waits for the join to finish, so the member can leave.
const STOP_JOIN_WAIT_MS: u64 = 5_000;
/// Fetched batches per partition that may wait for stdout.
const PENDING_BATCHES_PER_PARTITION: usize = 4;

/// Where a member starts in a partition the group has no usable committed offset for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResetPolicy {
    /// The first record still in the log (a new group reads the whole topic)
    Earliest,
    /// The end of the log (a new group reads only new records)
    Latest,
}

/// How the group splits partitions among its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssignorArg {
    /// Consecutive ranges of each topic's partitions per member
    Range,
    /// Partitions dealt to members in turn
    Roundrobin,
    /// Balanced like range, moving as few partitions as possible on a rebalance
    Sticky,
}

impl AssignorArg {
    /// The assignor's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            AssignorArg::Range => "range",
            AssignorArg::Roundrobin => "roundrobin",
            AssignorArg::Sticky => "sticky",
        }
    }
}

/// The group flags of `consume` and `subscribe`.
#[derive(Debug, Args, Clone)]
pub struct GroupArgs {
    /// Read as a member of this consumer group: only the partitions the group assigns, from the
    /// group's committed offsets, committing as records are printed
    #[arg(
        short,
        long,
        value_name = "GROUP",
        conflicts_with_all = ["partition", "start"],
        add = clap_complete::ArgValueCandidates::new(super::completions::group_names)
    )]
    pub group: Option<String>,
    /// With --group: where to start in a partition without a committed offset (or whose
    /// committed offset is no longer in the log)
    #[arg(long, value_enum, default_value_t = ResetPolicy::Earliest, value_name = "POLICY")]
    pub reset: ResetPolicy,
    /// With --group: commit offsets this often, and always on exit and before a rebalance
    #[arg(long, default_value_t = DEFAULT_AUTO_COMMIT_INTERVAL_MS, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub auto_commit_interval_ms: u64,
    /// With --group: never commit offsets (the group's offsets stay where they are)
    #[arg(long, requires = "group")]
    pub no_commit: bool,
    /// With --group: the member's session timeout; a member silent this long is removed
    #[arg(long, value_name = "MS", requires = "group")]
    pub session_timeout_ms: Option<u32>,
    /// With --group: how the group splits partitions among members
    #[arg(long, value_enum, requires = "group")]
    pub assignor: Option<AssignorArg>,
}

impl GroupArgs {
    /// What to do, when `--group` was given.
    pub fn options(
        &self,
        topic: &str,
        source: Source,
        max: Option<u64>,
    ) -> Option<GroupConsumeOptions> {
        Some(GroupConsumeOptions {
            group: self.group.clone()?,
            topic: topic.to_string(),
            source,
            max: max.unwrap_or(u64::MAX),
            reset: self.reset,
            commit_interval: (!self.no_commit)
                .then(|| Duration::from_millis(self.auto_commit_interval_ms)),
            join: JoinOptions {
                session_timeout_ms: self.session_timeout_ms,
                assignor: self.assignor.map(|a| a.name().to_string()),
                ..Default::default()
            },
        })
    }
}

/// How a member reads its partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Fetch requests (`consume`); without `follow`, each partition up to its end at assignment.
    Fetch { follow: bool },
    /// One server stream for all assigned partitions (`subscribe`); never ends by itself.
    Subscribe,
}

/// What `consume --group` or `subscribe --group` was asked to do.
#[derive(Debug, Clone)]
pub struct GroupConsumeOptions {
    pub group: String,
    pub topic: String,
    pub source: Source,
    /// Stop after this many records.
    pub max: u64,
    pub reset: ResetPolicy,
    /// `None`: never commit (`--no-commit`).
    pub commit_interval: Option<Duration>,
    pub join: JoinOptions,
}

/// Why a generation's reading ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Rejoin,
    Stop,
}

/// Reads as a member of `options.group` until stopped; see the module docs.
pub async fn run(
    client: Client,
    options: GroupConsumeOptions,
    printer: &RecordPrinter,
) -> anyhow::Result<()> {
    // Records are read from each partition's leader (the router's metadata); the group's own
    // calls (join, heartbeat, commit) go to its coordinator, which `GroupMember` looks up
    // (`Cluster.FindCoordinator`, through the same router's brokers) and follows when it moves.
    let router = Arc::new(ClusterRouter::new(client.clone()).await?);
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let signals = tokio::spawn(async move {
        super::shutdown::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    // Joining waits for the group to settle. A stop meanwhile still lets the join finish for a
    // while, so the member can leave cleanly (the broker only names it in the answer); the read
    // loop below then sees the stop at once.
    let joining = GroupMember::join(
        router.clone(),
        &options.group,
        vec![options.topic.clone()],
        options.join.clone(),
    );
    tokio::pin!(joining);
    let mut stopped = stop.clone();
    let mut member = tokio::select! {
        joined = &mut joining => joined?,
        _ = stopped.wait_for(|stop| *stop) => {
            match tokio::time::timeout(Duration::from_millis(STOP_JOIN_WAIT_MS), joining).await {
                Ok(joined) => joined?,
                // The broker will expire the half-joined member after its session timeout.
                Err(_) => return Ok(()),
            }
        }
    };
    let mut output = Output {
        printer,
        stdout: std::io::stdout().lock(),
        buffer: Vec::new(),
        printed: 0,
    };
    let result = loop {
        match read_generation(&router, &member, &options, &mut output, stop.clone()).await {
            Ok(Next::Stop) => break Ok(()),
            Ok(Next::Rejoin) => {}
            // Following, the broker going away (restart, crash) is waited out: join again once
            // it is back. Records printed since the last commit are read again then:
            // at-least-once across broker crashes. A one-shot read fails instead, like consume.
            Err(e) if options.source != (Source::Fetch { follow: false }) && broker_gone(&e) => {
                tracing::warn!(group = options.group, error = %e, "lost the broker; joining again when it is back");
            }
            Err(e) => break Err(e),
        }
        match rejoin(&mut member, stop.clone()).await {
            Ok(true) => {}
            // Leaving below also withdraws a join that was cut short.
            Ok(false) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    signals.abort();
    let left = member.leave().await;
    result?;
    Ok(left?)
}

/// Joins again, retrying with backoff while the broker is away; false when stopped first.
async fn rejoin(
    member: &mut GroupMember,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<bool> {
    let mut backoff = Duration::from_millis(FIRST_RECONNECT_BACKOFF_MS);
    loop {
        let rejoined = tokio::select! {
            rejoined = member.rejoin() => rejoined,
            _ = stop.wait_for(|stop| *stop) => return Ok(false),
        };
        match rejoined {
            Ok(_) => return Ok(true),
            Err(e) => {
                let e = anyhow::Error::from(e);
                if !broker_gone(&e) {
                    return Err(e);
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stop.wait_for(|stop| *stop) => return Ok(false),
        }
        backoff = (backoff * 2).min(Duration::from_millis(MAX_RECONNECT_BACKOFF_MS));
    }
}

/// Whether an error means the broker went away rather than refused the request.
fn broker_gone(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<ClientError>()
        .is_some_and(ClientError::is_broker_gone)
}

/// Where records go, and how many went.
struct Output<'a> {
    printer: &'a RecordPrinter,
    stdout: std::io::StdoutLock<'static>,
    buffer: Vec<u8>,
    printed: u64,
}

/// Reads one generation's partitions until a rebalance or a stop, then commits.
async fn read_generation(
    router: &Arc<ClusterRouter>,
    member: &GroupMember,
    options: &GroupConsumeOptions,
    output: &mut Output<'_>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Next> {
    let assignment = member.assignment();
    let partitions: Vec<u32> = assignment
        .partitions
        .iter()
        .filter(|tp| tp.topic == options.topic)
        .map(|tp| tp.partition)
        .collect();
    tracing::info!(
        group = options.group,
        member = assignment.member_id,
        generation = assignment.generation,
        ?partitions,
        "assigned"
    );
    let committed: BTreeMap<u32, u64> = member
        .committed()
        .await?
        .into_iter()
        .filter(|c| c.topic == options.topic && partitions.contains(&c.partition))
        .map(|c| (c.partition, c.offset))
        .collect();
    let mut positions = BTreeMap::new();
    let mut partition_readers = Vec::with_capacity(partitions.len());
    for &partition in &partitions {
        let mut reader = LeaderReader::new(router.clone(), &options.topic, partition);
        // A committed offset past the end may be a new leader's high watermark catching up.
        let bounds = match committed.get(&partition) {
            Some(&offset) => reader.bounds_reaching(offset).await?,
            None => reader.list_offset(Offset::Earliest).await?,
        };
        let start = match committed.get(&partition) {
            Some(&offset) if (bounds.start_offset..=bounds.end_offset).contains(&offset) => offset,
            _ => match options.reset {
                ResetPolicy::Earliest => bounds.start_offset,
                ResetPolicy::Latest => bounds.end_offset,
            },
        };
        positions.insert(partition, start);
        partition_readers.push((reader, start));
    }
    let mut last_committed = committed;

    let (batches_tx, mut batches) =
        tokio::sync::mpsc::channel(PENDING_BATCHES_PER_PARTITION * partitions.len().max(1));
    let mut readers = tokio::task::JoinSet::new();
    match options.source {
        Source::Fetch { follow } => {
            for (reader, start) in partition_readers {
                readers.spawn(read_partition(
                    reader,
                    Offset::At(start),
                    follow,
                    batches_tx.clone(),
                ));
            }
        }
        // In a cluster each partition is streamed from its own leader.
        Source::Subscribe if router.clustered() => {
            for (reader, start) in partition_readers {
                let subscription = LeaderSubscription::new(reader, start);
                readers.spawn(forward_subscription(subscription, batches_tx.clone()));
            }
        }
        // An empty partition list would subscribe to every partition: only subscribe to some.
        Source::Subscribe if !positions.is_empty() => {
            readers.spawn(read_subscription(
                router.seed().clone(),
                options.topic.clone(),
                positions.clone(),
                batches_tx.clone(),
            ));
        }
        Source::Subscribe => {}
    }
    // Following, a member with no partitions must keep waiting for a rebalance, not end.
    let _keep_open = (options.source != Source::Fetch { follow: false }).then_some(batches_tx);

    // Without commits the ticker is disabled in the select below; any period will do.
    let period = options.commit_interval.unwrap_or(Duration::from_secs(3600));
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let next = loop {
        tokio::select! {
            // In this order: a stop or a rebalance wins over more records, and a busy stream
            // never starves the commit timer.
            biased;
            _ = stop.wait_for(|stopped| *stopped) => break Next::Stop,
            _ = member.rebalance_needed() => break Next::Rejoin,
            _ = ticker.tick(), if options.commit_interval.is_some() => {
                if let Err(e) = commit(member, &options.topic, &positions, &mut last_committed).await {
                    tracing::warn!(group = options.group, error = %e, "auto-commit failed");
                }
            }
            batch = batches.recv() => {
                let records: Vec<ConsumedRecord> = match batch {
                    // Every partition was read to its end (not following).
                    None => break Next::Stop,
                    Some(Err(e)) => {
                        readers.abort_all();
                        let _ = commit_if(options, member, &positions, &mut last_committed).await;
                        return Err(e);
                    }
                    Some(Ok(records)) => records,
                };
                let room = options.max.saturating_sub(output.printed);
                let printing = &records[..records.len().min(room as usize)];
                output.buffer.clear();
                for record in printing {
                    output.printer.write(&mut output.buffer, &options.topic, record);
                }
                // One write per batch; a record counts as read once it is written.
                if !write_or_closed(&mut output.stdout, &output.buffer)? {
                    break Next::Stop;
                }
                for record in printing {
                    positions.insert(record.partition, record.offset + 1);
                }
                output.printed += printing.len() as u64;
                if output.printed >= options.max {
                    break Next::Stop;
                }
            }
        }
    };
    // Stop reading before committing: the next owner starts where this member stopped printing.
    readers.abort_all();
    match commit_if(options, member, &positions, &mut last_committed).await {
        Ok(()) => Ok(next),
        // Fenced: the partitions are someone else's now; they re-read what was not committed.
        Err(e) if next == Next::Rejoin && must_rejoin(&e) => {
            tracing::warn!(group = options.group, error = %e, "commit before rebalance was fenced");
            Ok(next)
        }
        Err(e) => Err(e.into()),
    }
}

/// Streams the assigned partitions from `positions` and forwards their batches in order.
async fn read_subscription(
    client: Client,
    topic: String,
    positions: BTreeMap<u32, u64>,
    batches: tokio::sync::mpsc::Sender<anyhow::Result<Vec<ConsumedRecord>>>,
) {
    let starts = positions
        .into_iter()
        .map(|(partition, offset)| (partition, Offset::At(offset)))
        .collect();
    let result: anyhow::Result<()> = async {
        let mut subscription = client.subscribe(&topic, starts, Offset::Latest).await?;
        while let Some(batch) = subscription.next().await? {
            if !batch.records.is_empty() && batches.send(Ok(batch.records)).await.is_err() {
                return Ok(());
            }
        }
        anyhow::bail!("the broker ended the subscription to {topic}")
    }
    .await;
    if let Err(e) = result {
        let _ = batches.send(Err(e)).await;
    }
}

async fn commit_if(
    options: &GroupConsumeOptions,
    member: &GroupMember,
    positions: &BTreeMap<u32, u64>,
    last_committed: &mut BTreeMap<u32, u64>,
) -> crate::client::Result<()> {
    if options.commit_interval.is_none() {
        return Ok(());
    }
    commit(member, &options.topic, positions, last_committed).await
}

/// Commits the positions that moved since the last commit.
async fn commit(
    member: &GroupMember,
    topic: &str,
    positions: &BTreeMap<u32, u64>,
    last_committed: &mut BTreeMap<u32, u64>,
) -> crate::client::Result<()> {
    let changed: Vec<OffsetToCommit> = positions
        .iter()
        .filter(|(partition, offset)| last_committed.get(partition) != Some(offset))
        .map(|(&partition, &offset)| OffsetToCommit {
            topic: topic.to_string(),
            partition,
            offset,
        })
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    member.commit(&changed).await?;
    for commit in changed {
        last_committed.insert(commit.partition, commit.offset);
    }
    Ok(())
}
