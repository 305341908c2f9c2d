//! `flashq produce`: records from flags, stdin lines or NDJSON, batched and streamed in order.
//!
//! A reader thread parses stdin; the batcher groups records by `--batch-size` and
//! `--linger-ms`. On a single broker, batches go out on one ordered produce stream while
//! acknowledgements are printed as they come back; in a cluster, each batch goes to the leaders
//! of its partitions and is retried through leader changes, up to
//! [`MAX_IN_FLIGHT_REQUESTS`] batches at once. The producer is idempotent unless
//! `--no-idempotence`: every batch is stamped once with the producer's session and sequence
//! numbers, so a retry is never stored twice and each partition keeps the input's order
//! (without it, one batch at a time keeps the order, and a retry may store a record twice). A
//! malformed line stops input there: records before it are sent and reported, and the command
//! exits 5 naming the line.

use std::io::{BufRead, Read, Write};
use std::time::Duration;

use bytes::Bytes;
use clap::{Args, ValueEnum};

use std::sync::Arc;

use crate::client::routed_producer::MAX_IN_FLIGHT_REQUESTS;
use crate::client::{
    Client, ClusterRouter, ProducedPosition, ProducerRecord, RoutedProducer, header,
};

use super::record_format::JsonRecord;
use super::{CliError, Context, ExitCode};

/// Records parsed from stdin that may wait for the batcher; bounds the reader's lead.
const READ_AHEAD_RECORDS: usize = 64 * 1024;
/// The longest stdin line accepted.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// One record value per line (see --key-separator)
    Lines,
    /// One JSON object per line: value, key, headers, partition, timestamp_ms, encodings
    Json,
}

#[derive(Debug, Args)]
pub struct ProduceArgs {
    /// Topic to produce to
    #[arg(short, long, add = clap_complete::ArgValueCandidates::new(super::completions::topic_names))]
    pub topic: String,
    /// Produce one record with this value instead of reading stdin
    #[arg(long)]
    pub value: Option<String>,
    /// Key of the --value record
    #[arg(short, long)]
    pub key: Option<String>,
    /// Header of the --value record, as key=value (repeatable)
    #[arg(short = 'H', long = "header", value_name = "KEY=VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// Partition for every record (default: by key hash, or spread when keyless)
    #[arg(short, long)]
    pub partition: Option<u32>,
    /// How stdin is read
    #[arg(long, value_enum, default_value_t = InputFormat::Lines)]
    pub input: InputFormat,
    /// With line input: split each line into key and value at the first SEP
    #[arg(long, value_name = "SEP")]
    pub key_separator: Option<String>,
    /// Records per produce request
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch_size: u32,
    /// How long a partial batch waits for more input before it is sent
    #[arg(long, default_value_t = 5, value_name = "MS")]
    pub linger_ms: u64,
    /// In a cluster: when a produce is acknowledged
    #[arg(long, value_enum, default_value_t = AcksArg::All)]
    pub acks: AcksArg,
    /// Produce at-least-once: no producer session, so a retry may store a record twice (and a
    /// cluster gets one batch in flight at a time, to keep the order)
    #[arg(long)]
    pub no_idempotence: bool,
}

/// `--acks`: Kafka's producer setting, spelled as rpk and kcat take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AcksArg {
    /// Once on every in-sync replica, and only while at least --min-insync-replicas are
    #[value(name = "all", alias = "-1")]
    All,
    /// Once the partition leader has written it: faster, lost if the leader dies first
    #[value(name = "1", alias = "leader")]
    Leader,
}

impl From<AcksArg> for crate::client::Acks {
    fn from(acks: AcksArg) -> Self {
        match acks {
            AcksArg::All => crate::client::Acks::All,
            AcksArg::Leader => crate::client::Acks::Leader,
        }
    }
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("header {text:?} must be key=value"))
}

/// A parsed input record, or the error that stopped input.
type Parsed = Result<ProducerRecord, CliError>;

pub async fn run(args: ProduceArgs, ctx: &Context) -> anyhow::Result<()> {
    if args.value.is_none() && (args.key.is_some() || !args.headers.is_empty()) {
        return Err(CliError::new(
            ExitCode::Usage,
            "--key and --header go with --value; for stdin use --key-separator or --input json",
        )
        .into());
    }
    let client = ctx.connect().await?.with_acks(args.acks.into());
    // In a cluster every record goes to its partition's leader (partitioned here as the broker
    // would), retried through leader changes; a single broker takes the plain paths below.
    let router = Arc::new(ClusterRouter::new(client.clone()).await?);
    let producer = Arc::new(if args.no_idempotence {
        RoutedProducer::new(router, &args.topic)
    } else {
        RoutedProducer::idempotent(router, &args.topic).await?
    });
    let json = ctx.output.is_json();
    let quiet = ctx.quiet;
    if let Some(value) = &args.value {
        let record = ProducerRecord {
            key: args.key.clone().map(Bytes::from),
            value: Bytes::from(value.clone()),
            headers: args
                .headers
                .iter()
                .map(|(k, v)| header(k.clone(), v.clone()))
                .collect(),
            timestamp_ms: None,
            partition: args.partition,
        };
        let positions = producer.send(vec![record]).await?;
        if !quiet {
            let mut out = std::io::stdout().lock();
            print_positions(&mut out, &args.topic, &positions, json)?;
            out.flush()?;
        }
        return Ok(());
    }
    let (records_tx, mut records_rx) = tokio::sync::mpsc::channel::<Parsed>(READ_AHEAD_RECORDS);
    let input = args.input;
    let separator = args.key_separator.clone();
    let partition = args.partition;
    std::thread::spawn(move || read_stdin(input, separator, partition, records_tx));
    let batching = Batching {
        batch_size: args.batch_size as usize,
        linger: Duration::from_millis(args.linger_ms),
    };
    let (acked, input_error) = if producer.clustered() {
        produce_routed_stream(producer, &mut records_rx, batching, quiet, json).await?
    } else {
        produce_stream(&client, &producer, &mut records_rx, batching, quiet, json).await?
    };
    if let Some(error) = input_error {
        return Err(error.into());
    }
    if !quiet && !json {
        tracing::info!(records = acked, topic = %args.topic, "produced");
    }
    Ok(())
}

/// How stdin records are grouped into produce requests.
#[derive(Debug, Clone, Copy)]
struct Batching {
    batch_size: usize,
    linger: Duration,
}

/// One produce request's worth of input.
struct InputBatch {
    records: Vec<ProducerRecord>,
    /// The malformed input that stopped reading after these records.
    input_error: Option<CliError>,
    /// Input is over (end of stdin or an input error): no batch follows.
    last: bool,
}

/// Waits for the first record of a batch, then lingers for the rest, up to the batch size.
async fn next_batch(
    records_rx: &mut tokio::sync::mpsc::Receiver<Parsed>,
    batching: Batching,
) -> InputBatch {
    let mut pending = Vec::with_capacity(batching.batch_size);
    if records_rx
        .recv_many(&mut pending, batching.batch_size)
        .await
        == 0
    {
        return InputBatch {
            records: Vec::new(),
            input_error: None,
            last: true,
        };
    }
    let deadline = tokio::time::Instant::now() + batching.linger;
    while pending.len() < batching.batch_size {
        let room = batching.batch_size - pending.len();
        match tokio::time::timeout_at(deadline, records_rx.recv_many(&mut pending, room)).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let mut records = Vec::with_capacity(pending.len());
    for parsed in pending {
        match parsed {
            Ok(record) => records.push(record),
            Err(e) => {
                return InputBatch {
                    records,
                    input_error: Some(e),
                    last: true,
                };
            }
        }
    }
    InputBatch {
        records,
        input_error: None,
        last: false,
    }
}

/// A single broker: batches go out on one ordered produce stream while acknowledgements are
/// printed as they come back. Returns the records acknowledged and the input error, if any.
async fn produce_stream(
    client: &Client,
    producer: &RoutedProducer,
    records_rx: &mut tokio::sync::mpsc::Receiver<Parsed>,
    batching: Batching,
    quiet: bool,
    json: bool,
) -> anyhow::Result<(u64, Option<CliError>)> {
    let (sender, mut acks) = client.produce_stream(producer.topic()).await?;
    let topic = producer.topic().to_string();
    let printer = tokio::spawn(async move {
        let mut out = std::io::BufWriter::new(std::io::stdout());
        let mut acked = 0u64;
        while let Some(positions) = acks.next().await? {
            acked += positions.len() as u64;
            if !quiet {
                print_positions(&mut out, &topic, &positions, json)?;
            }
        }
        out.flush()?;
        Ok::<u64, anyhow::Error>(acked)
    });
    let mut input_error = None;
    loop {
        let batch = next_batch(records_rx, batching).await;
        if !batch.records.is_empty() {
            // Partitioned and stamped here when idempotent; the stream keeps the order.
            let (records, stamp) = producer.prepare(batch.records).await?.into_parts();
            if !sender.send_stamped(records, stamp).await {
                break;
            }
        }
        if batch.last {
            input_error = batch.input_error;
            break;
        }
    }
    drop(sender);
    let acked = printer.await??;
    Ok((acked, input_error))
}

/// A cluster: each batch is split per partition leader and sent with
/// [`RoutedProducer::send_prepared`], up to [`MAX_IN_FLIGHT_REQUESTS`] at once when idempotent
/// (the leaders put a share that overtook an earlier one back in order), one at a time
/// otherwise; positions are printed (and flushed) in input order, a batch once all of it is
/// acknowledged.
async fn produce_routed_stream(
    producer: Arc<RoutedProducer>,
    records_rx: &mut tokio::sync::mpsc::Receiver<Parsed>,
    batching: Batching,
    quiet: bool,
    json: bool,
) -> anyhow::Result<(u64, Option<CliError>)> {
    let window = if producer.is_idempotent() {
        MAX_IN_FLIGHT_REQUESTS
    } else {
        1
    };
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let mut acked = 0u64;
    let mut in_flight = std::collections::VecDeque::new();
    let mut settle_first = async |in_flight: &mut std::collections::VecDeque<
        tokio::task::JoinHandle<crate::client::Result<Vec<ProducedPosition>>>,
    >|
           -> anyhow::Result<()> {
        if let Some(first) = in_flight.pop_front() {
            let positions = first.await??;
            acked += positions.len() as u64;
            if !quiet {
                print_positions(&mut out, producer.topic(), &positions, json)?;
                out.flush()?;
            }
        }
        Ok(())
    };
    loop {
        let batch = next_batch(records_rx, batching).await;
        if !batch.records.is_empty() {
            if in_flight.len() >= window {
                settle_first(&mut in_flight).await?;
            }
            let prepared = producer.prepare(batch.records).await?;
            let sender = producer.clone();
            in_flight.push_back(tokio::spawn(
                async move { sender.send_prepared(prepared).await },
            ));
        }
        if batch.last {
            while !in_flight.is_empty() {
                settle_first(&mut in_flight).await?;
            }
            return Ok((acked, batch.input_error));
        }
    }
}

fn print_positions(
    out: &mut impl Write,
    topic: &str,
    positions: &[ProducedPosition],
    json: bool,
) -> std::io::Result<()> {
    for p in positions {
        if json {
            writeln!(
                out,
                r#"{{"topic":{},"partition":{},"offset":{}}}"#,
                serde_json::Value::from(topic),
                p.partition,
                p.offset
            )?;
        } else {
            writeln!(out, "{topic}/{}@{}", p.partition, p.offset)?;
        }
    }
    Ok(())
}

/// Reads stdin on a plain thread (stdin is blocking) and feeds parsed records to the batcher.
fn read_stdin(
    input: InputFormat,
    separator: Option<String>,
    partition: Option<u32>,
    records: tokio::sync::mpsc::Sender<Parsed>,
) {
    let stdin = std::io::stdin();
    let mut reader = stdin.lock();
    let mut line = Vec::new();
    let mut line_number = 0u64;
    loop {
        line.clear();
        let read = match (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)
        {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) => {
                let _ = records.blocking_send(Err(CliError::new(
                    ExitCode::Failure,
                    format!("reading stdin: {e}"),
                )));
                return;
            }
        };
        line_number += 1;
        if read > MAX_LINE_BYTES {
            let _ = records.blocking_send(Err(CliError::new(
                ExitCode::InvalidInput,
                format!("line {line_number}: longer than {MAX_LINE_BYTES} bytes"),
            )));
            return;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        let parsed = match input {
            InputFormat::Lines => Ok(parse_line(&line, separator.as_deref(), partition)),
            InputFormat::Json => {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                parse_json_line(&line, partition).map_err(|e| {
                    CliError::new(ExitCode::InvalidInput, format!("line {line_number}: {e}"))
                        .with_hint("each line must be one JSON object like {\"value\":\"...\"}")
                })
            }
        };
        let failed = parsed.is_err();
        if records.blocking_send(parsed).is_err() || failed {
            return;
        }
    }
}

fn parse_line(line: &[u8], separator: Option<&str>, partition: Option<u32>) -> ProducerRecord {
    let (key, value) = match separator.map(str::as_bytes) {
        Some(sep) if !sep.is_empty() => match line.windows(sep.len()).position(|w| w == sep) {
            Some(at) => (
                Some(Bytes::copy_from_slice(&line[..at])),
                &line[at + sep.len()..],
            ),
            None => (None, line),
        },
        _ => (None, line),
    };
    ProducerRecord {
        key,
        value: Bytes::copy_from_slice(value),
        headers: Vec::new(),
        timestamp_ms: None,
        partition,
    }
}

fn parse_json_line(line: &[u8], partition: Option<u32>) -> Result<ProducerRecord, String> {
    let json: JsonRecord = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    let mut record = json.into_producer_record()?;
    if partition.is_some() {
        record.partition = partition;
    }
    Ok(record)
}
