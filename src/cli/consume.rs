//! `flashq consume`: read records by offset, by time, from either end, once or following.
//!
//! Each partition is read by its own task; records reach stdout in order per partition.
//! Without `--follow` each partition stops at the end offset seen at start, so scripts end.
//! With `--group` the group decides which partitions are read and from where: see
//! [`super::group_consumer`].

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;

use crate::client::{Client, ConsumedRecord, Offset};

use super::group_consumer::{
    self, AssignorArg, DEFAULT_AUTO_COMMIT_INTERVAL_MS, GroupConsumeOptions, ResetPolicy,
};
use super::record_format::{
    Encoding, JsonRecord, RecordFormat, encode_text_bytes, parse_rfc3339_ms,
};
use super::{CliError, Context, ExitCode};

/// How long a following fetch waits at the end of the log before asking again.
const FOLLOW_WAIT_MS: u32 = 1_000;
/// Fetched batches that may wait for stdout; bounds memory when output is slow.
const PENDING_BATCHES: usize = 4;

#[derive(Debug, Args)]
pub struct ConsumeArgs {
    /// Topic to read
    #[arg(short, long)]
    pub topic: String,
    /// Partition to read (repeatable; default: all)
    #[arg(short, long)]
    pub partition: Vec<u32>,
    /// Start at the first record still in the log (the default)
    #[arg(long, group = "start")]
    pub from_beginning: bool,
    /// Start at this offset (clamped to each partition's range)
    #[arg(long, group = "start", value_name = "N")]
    pub offset: Option<u64>,
    /// Start after the last record: only new records (use with --follow)
    #[arg(long, group = "start")]
    pub from_end: bool,
    /// Start at records from this long ago, like 10m, 2h or 1day
    #[arg(long, group = "start", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub since: Option<Duration>,
    /// Start at records at or after this time (RFC 3339)
    #[arg(long, group = "start", value_name = "TIME")]
    pub from_time: Option<String>,
    /// Stop after N records
    #[arg(short = 'n', long, value_name = "N")]
    pub max: Option<u64>,
    /// Keep waiting for new records instead of stopping at the end
    #[arg(short, long)]
    pub follow: bool,
    /// kcat-style format: %t %p %o %k %v %T %h %K %S, escapes \n \t
    #[arg(long)]
    pub format: Option<String>,
    /// How keys and values are shown (JSON falls back to base64 for non-UTF-8 bytes)
    #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
    pub value_encoding: Encoding,
    /// Read as a member of this consumer group: only the partitions the group assigns, from the
    /// group's committed offsets, committing as records are printed
    #[arg(short, long, value_name = "GROUP", conflicts_with_all = ["partition", "from_beginning", "offset", "from_end", "since", "from_time"])]
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

/// How each record is printed.
enum Printer {
    Value,
    Format(RecordFormat),
    Json,
}

/// Prints records to stdout in the chosen form, buffered; stdout closing (`| head`) is not an error.
pub struct RecordPrinter {
    printer: Printer,
    topic: String,
    encoding: Encoding,
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    buffer: Vec<u8>,
}

impl RecordPrinter {
    fn new(args: &ConsumeArgs, ctx: &Context) -> Result<Self, CliError> {
        let printer = match (&args.format, ctx.output.is_json()) {
            (Some(_), true) => {
                return Err(CliError::new(
                    ExitCode::Usage,
                    "--format cannot be combined with -o json",
                ));
            }
            (Some(format), false) => Printer::Format(
                RecordFormat::parse(format)
                    .map_err(|e| CliError::new(ExitCode::Usage, format!("--format: {e}")))?,
            ),
            (None, true) => Printer::Json,
            (None, false) => Printer::Value,
        };
        Ok(RecordPrinter {
            printer,
            topic: args.topic.clone(),
            encoding: args.value_encoding,
            out: std::io::BufWriter::new(std::io::stdout().lock()),
            buffer: Vec::new(),
        })
    }

    /// Writes one record; false when stdout has closed.
    pub fn print(&mut self, record: &ConsumedRecord) -> anyhow::Result<bool> {
        self.buffer.clear();
        match &self.printer {
            Printer::Value => {
                self.buffer
                    .extend_from_slice(&encode_text_bytes(&record.value, self.encoding));
                self.buffer.push(b'\n');
            }
            Printer::Format(format) => {
                format.write(&mut self.buffer, &self.topic, record, self.encoding)
            }
            Printer::Json => {
                serde_json::to_writer(
                    &mut self.buffer,
                    &JsonRecord::from_consumed(&self.topic, record, self.encoding),
                )?;
                self.buffer.push(b'\n');
            }
        }
        Ok(write_or_closed(&mut self.out, &self.buffer)?)
    }

    /// Flushes what was printed; false when stdout has closed.
    pub fn flush(&mut self) -> std::io::Result<bool> {
        flush_or_closed(&mut self.out)
    }
}

pub async fn run(args: ConsumeArgs, ctx: &Context) -> anyhow::Result<()> {
    let mut printer = RecordPrinter::new(&args, ctx)?;
    if let Some(group) = &args.group {
        let client = Client::connect(&ctx.broker).await?;
        let options = GroupConsumeOptions {
            group: group.clone(),
            topic: args.topic.clone(),
            follow: args.follow,
            max: args.max.unwrap_or(u64::MAX),
            reset: args.reset,
            commit_interval: (!args.no_commit)
                .then(|| Duration::from_millis(args.auto_commit_interval_ms)),
            join: crate::client::JoinOptions {
                session_timeout_ms: args.session_timeout_ms,
                assignor: args.assignor.map(|a| a.name().to_string()),
                ..Default::default()
            },
        };
        return group_consumer::run(client, options, &mut printer).await;
    }
    let start = start_position(&args)?;
    let client = Client::connect(&ctx.broker).await?;
    let topic = client.describe_topic(&args.topic).await?;
    let partitions: Vec<u32> = if args.partition.is_empty() {
        (0..topic.partitions).collect()
    } else {
        for &p in &args.partition {
            if p >= topic.partitions {
                return Err(CliError::new(
                    ExitCode::NotFound,
                    format!(
                        "topic {:?} has no partition {p} (it has {})",
                        args.topic, topic.partitions
                    ),
                )
                .into());
            }
        }
        args.partition.clone()
    };

    let (batches_tx, mut batches_rx) =
        tokio::sync::mpsc::channel(PENDING_BATCHES * partitions.len().max(1));
    let mut readers = tokio::task::JoinSet::new();
    for partition in partitions {
        let client = client.clone();
        let topic = args.topic.clone();
        let tx = batches_tx.clone();
        let follow = args.follow;
        readers.spawn(
            async move { read_partition(client, topic, partition, start, follow, tx).await },
        );
    }
    drop(batches_tx);

    let mut printed = 0u64;
    let max = args.max.unwrap_or(u64::MAX);
    'print: while let Some(batch) = batches_rx.recv().await {
        let batch: Vec<ConsumedRecord> = match batch {
            Ok(batch) => batch,
            Err(e) => return Err(e),
        };
        for record in &batch {
            if printed >= max {
                break 'print;
            }
            if !printer.print(record)? {
                return Ok(());
            }
            printed += 1;
        }
        // Records reach a pipe promptly when following, not only when the buffer fills.
        if !printer.flush()? {
            return Ok(());
        }
        if printed >= max {
            break;
        }
    }
    readers.abort_all();
    printer.flush()?;
    Ok(())
}

/// Writes, treating a closed stdout (`| head`) as the reader having had enough.
fn write_or_closed(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<bool> {
    match out.write_all(bytes) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

fn flush_or_closed(out: &mut impl Write) -> std::io::Result<bool> {
    match out.flush() {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

fn start_position(args: &ConsumeArgs) -> Result<Offset, CliError> {
    if let Some(offset) = args.offset {
        return Ok(Offset::At(offset));
    }
    if args.from_end {
        return Ok(Offset::Latest);
    }
    if let Some(since) = args.since {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        return Ok(Offset::Timestamp(
            now.saturating_sub(since).as_millis() as i64
        ));
    }
    if let Some(time) = &args.from_time {
        return parse_rfc3339_ms(time)
            .map(Offset::Timestamp)
            .map_err(|e| CliError::new(ExitCode::Usage, format!("--from-time: {e}")));
    }
    Ok(Offset::Earliest)
}

/// Reads one partition from `start` and sends its batches, in order, until the end offset seen
/// at start (or forever when following).
pub(super) async fn read_partition(
    client: Client,
    topic: String,
    partition: u32,
    start: Offset,
    follow: bool,
    batches: tokio::sync::mpsc::Sender<anyhow::Result<Vec<ConsumedRecord>>>,
) {
    let result: anyhow::Result<()> = async {
        let bounds = client
            .list_offset(&topic, partition, Offset::Earliest)
            .await?;
        let mut next = match start {
            Offset::At(offset) => offset.clamp(bounds.start_offset, bounds.end_offset),
            other => client
                .list_offset(&topic, partition, other)
                .await?
                .resolved_offset
                .unwrap_or(bounds.start_offset),
        };
        let stop_at = bounds.end_offset;
        loop {
            if !follow && next >= stop_at {
                return Ok(());
            }
            let wait_ms = if follow { FOLLOW_WAIT_MS } else { 0 };
            let batch = client
                .fetch(&topic, partition, Offset::At(next), None, wait_ms)
                .await?;
            next = batch.next_offset;
            let mut records = batch.records;
            if !follow {
                records.retain(|r| r.offset < stop_at);
            }
            if !records.is_empty() && batches.send(Ok(records)).await.is_err() {
                return Ok(());
            }
        }
    }
    .await;
    if let Err(e) = result {
        let _ = batches.send(Err(e)).await;
    }
}
